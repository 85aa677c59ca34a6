"""The pgstac backend against the local index on the same synthetic records.

Starts its own throwaway PostgreSQL (tests/pgcluster.py; `make postgres` installs it), then:

* ingest throughput: ``ingest_to_pgstac`` vs ``ingest_to_index`` of the same files;
* query latency, median and p95 over ``--runs`` calls, for each filter with its facet counts
  (``limit=100``, what a page or the CLI asks for), for a whole result, and for what the
  Browse page reads (pgstac: the first ``RESULT_ROWS`` rows; local: the whole result),
  PgstacCatalog vs LocalCatalog loaded from the index (text index built).

    python bench/pgstac_bench.py [--count 100000] [--runs 20]
    python bench/pgstac_bench.py --dsn postgresql://… --index FILE   # queries only, on data ingested before
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pgcluster

from common import OUT, Figure, synth_dir, table  # noqa: E402
from tests.pgcluster import running_cluster  # noqa: E402

from dataset_atlas.catalog import LocalCatalog, Query  # noqa: E402
from dataset_atlas.catalog.local.ingest import ingest_to_index  # noqa: E402
from dataset_atlas.catalog.pgstac import RESULT_ROWS, PgstacCatalog, ingest_to_pgstac  # noqa: E402

QUERIES: dict[str, Query] = {
    "no filter (facets only)": Query(limit=100),
    "bbox Tibetan Plateau": Query(bbox=(73.5, 26.0, 104.7, 39.8), limit=100),
    "bbox across 180°": Query(bbox=(160.0, 50.0, -170.0, 70.0), limit=100),
    "time 2000-2005": Query(start=date(2000, 1, 1), end=date(2005, 12, 31), limit=100),
    "category 冻土": Query(categories=("冻土",), limit=100),
    "resolution 10 m-1 km": Query(min_resolution_m=10, max_resolution_m=1000, limit=100),
    "time resolution daily": Query(time_resolutions=("daily",), limit=100),
    "format GeoTIFF": Query(formats=("GeoTIFF",), limit=100),
    "text 冻土 (Chinese substring)": Query(text="冻土", limit=100),
    "text permafrost": Query(text="permafrost", limit=100),
    "sort -start": Query(sort="-start", limit=100),
    "combined (bbox+time+category+text)": Query(bbox=(73.5, 18.0, 135.1, 53.6), start=date(2000, 1, 1),
                                                categories=("冻土", "积雪"), text="温度", limit=100),
    "whole result, category 冻土": Query(categories=("冻土",)),
}
# What the Browse page asks for: a database catalog reads its first RESULT_ROWS rows, the local
# index the whole result (already in its memory).
APP_QUERIES: dict[str, tuple[Query, Query]] = {
    "Browse page, no filter": (Query(limit=RESULT_ROWS), Query()),
    "Browse page, text 冻土, by relevance": (Query(text="冻土", sort="relevance_zh", limit=RESULT_ROWS),
                                         Query(text="冻土", sort="relevance_zh")),
}


def timings(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up (plans, caches)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(count: int = 100_000, runs: int = 20) -> list[Figure]:
    records = synth_dir(count)
    figures: list[Figure] = []
    index = OUT / f"pgstac-bench-index-{count}.parquet"
    start = time.perf_counter()
    ingest_to_index([records], index)
    local_ingest = time.perf_counter() - start
    with running_cluster() as cluster:
        dsn = cluster.create_database("bench")
        start = time.perf_counter()
        report = ingest_to_pgstac([records], dsn)
        pg_ingest = time.perf_counter() - start
        figures.append(Figure(f"ingest {count:,} records into pgstac", pg_ingest, local_ingest, "ingest_to_index",
                              f"{report.ingested / pg_ingest:,.0f} records/s vs "
                              f"{report.ingested / local_ingest:,.0f}; schema install included"))
        figures += measure_queries(dsn, index, runs)
    return figures


def measure_queries(dsn: str, index: Path, runs: int) -> list[Figure]:
    """Query latencies on a database and an index holding the same records."""
    figures: list[Figure] = []
    local = LocalCatalog.load(index)
    local.search(Query(text="x"))  # builds the text index now, not inside a timed call
    thread = local.warm_text_index()
    if thread is not None:
        thread.join()
    pg = PgstacCatalog(dsn, results_kept=0)  # the SQL itself, not the per-process reuse of results
    pairs = {name: (q, q) for name, q in QUERIES.items()} | APP_QUERIES
    for name, (pg_query, local_query) in pairs.items():
        a = timings(lambda q=pg_query: pg.search(q), runs)
        b = timings(lambda q=local_query: local.search(q), runs)
        got, want = pg.search(pg_query), local.search(local_query)
        assert got.matched == want.matched, name
        shown = f"{got.matched:,} matched" + (f"; {len(got.frame):,} vs {len(want.frame):,} rows read"
                                              if len(got.frame) != len(want.frame) else "")
        figures.append(Figure(f"{name}: median", statistics.median(a), statistics.median(b), "local index", shown))
        figures.append(Figure(f"{name}: p95", p95(a), p95(b), "local index"))
    pg.close()
    reusing = PgstacCatalog(dsn)  # as the app opens it: results reused while the catalog is unchanged
    for name in ("Browse page, no filter", "no filter (facets only)"):
        pg_query, local_query = pairs[name]
        a = timings(lambda q=pg_query: reusing.search(q), runs)
        b = timings(lambda q=local_query: local.search(q), runs)
        figures.append(Figure(f"{name}, app rerun (result reused): median", statistics.median(a),
                              statistics.median(b), "local index", "version check + copy of the result"))
    reusing.close()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dsn", help="a database already holding the records (with --index: queries only)")
    parser.add_argument("--index", type=Path, help="the local index of the same records")
    args = parser.parse_args()
    if bool(args.dsn) != bool(args.index):
        parser.error("--dsn and --index go together")
    print(table(measure_queries(args.dsn, args.index, args.runs) if args.dsn else measure(args.count, args.runs)))
    size = "the records in the database" if args.dsn else f"{args.count:,} records"
    print(f"\n(ratio = pgstac / local; below 1 is faster. {size}, {args.runs} runs each)")
