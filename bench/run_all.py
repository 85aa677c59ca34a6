"""Run every catalog benchmark and print one table (``make bench``).

Each figure comes with its baseline measured in the same run: json.load for ingest,
the local index for the pgstac backend,
pandas.read_parquet for start-up, DuckDB for queries, a bare interpreter for the CLI's start-up,
rio-tiler's preview (as a whole process) for quicklooks, the 3-record app for the browser.

    python bench/run_all.py [--count 100000] [--sizes 10000,100000,1000000] [--no-browser]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser_bench  # noqa: E402
import cli_bench  # noqa: E402
import ingest_bench  # noqa: E402
import load_bench  # noqa: E402
import pgstac_bench  # noqa: E402
import query_bench  # noqa: E402
import quicklook_bench  # noqa: E402
from common import Figure, table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    figures: list[Figure] = []
    steps = [("ingest", lambda: ingest_bench.measure(args.count, runs=3)),
             ("load", lambda: load_bench.measure(args.count, runs=args.runs)),
             ("queries", lambda: query_bench.measure([int(s) for s in args.sizes.split(",")], runs=args.runs)),
             ("cli start-up", lambda: cli_bench.measure(runs=args.runs)),
             ("quicklook processes", lambda: quicklook_bench.measure(runs=args.runs)),
             ("pgstac (throwaway PostgreSQL)", lambda: pgstac_bench.measure(args.count, runs=20))]
    if not args.no_browser:
        steps.append(("browser", lambda: browser_bench.measure(args.count, runs=3)))
    for name, step in steps:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            figures.extend(step())
        except Exception as exc:  # one failing part must not hide the others' figures
            print(f"{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    print(table(figures))
    print(f"\n(ratio = ours / baseline; below 1 is faster. Total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
