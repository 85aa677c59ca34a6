"""Cost of ranking free-text results by relevance: the same search sorted by relevance vs by title.

Both runs filter the same rows with the warm text index and return the whole result; the
difference is the relevance scores (substring and word matches over the matched rows' ids,
titles, keywords and search text) and the second, stable sort.

    python bench/relevance_bench.py [--count 100000] [--runs 5]
"""

from __future__ import annotations

import argparse

from common import Figure, index_file, paired_medians, table

from dataset_atlas.catalog import LocalCatalog, Query

TEXTS = ["冻土", "permafrost", '"lake water level"', "snow cover"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    catalog = LocalCatalog.load(index_file(args.count))
    catalog.text_index("warm")  # build the text index before measuring
    figures = []
    for text in TEXTS:
        matched = catalog.search(Query(text=text)).matched
        ours, base = paired_medians(lambda t=text: catalog.search(Query(text=t, sort="relevance")),
                                    lambda t=text: catalog.search(Query(text=t, sort="title")), runs=args.runs)
        figures.append(Figure(f"{args.count:,}: text {text} ({matched:,} matches) by relevance", ours, base,
                              "same search by title"))
    print(table(figures))


if __name__ == "__main__":
    main()
