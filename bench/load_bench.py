"""Start-up: LocalCatalog.load of a saved index vs pandas.read_parquet of the same file.

    python bench/load_bench.py [--count 100000] [--runs 5]
"""

from __future__ import annotations

import argparse

import pandas as pd
from common import Figure, index_file, median_time, paired_medians, table

from dataset_atlas.catalog import LocalCatalog, Query


def measure(count: int = 100_000, runs: int = 5) -> list[Figure]:
    path = index_file(count)
    ours, base = paired_medians(lambda: LocalCatalog.load(path), lambda: pd.read_parquet(path), runs=runs)
    figures = [Figure(f"load index of {count:,}", ours, base, "pandas.read_parquet",
                      f"file {path.stat().st_size / 1e6:.0f} MB; records read on demand")]
    catalog = LocalCatalog.load(path)
    first = median_time(lambda: LocalCatalog.load(path).search(Query(limit=100)), runs=3)
    figures.append(Figure(f"load + first search (facets, codes) at {count:,}", first, base, "pandas.read_parquet"))
    rid = str(catalog.frame["id"].iloc[len(catalog) // 2])
    one = median_time(lambda: LocalCatalog.load(path).get(rid), runs=3) - ours
    figures.append(Figure("get(id) of one record after load", max(one, 0.0), base, "pandas.read_parquet",
                          "decodes one row group"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(table(measure(args.count, args.runs)))
