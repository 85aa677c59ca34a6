"""Ingest: json.load of every record file vs the full ingest (read, normalise, build the frame).

    python bench/ingest_bench.py [--count 100000] [--runs 3] [--subset 10000]
"""

from __future__ import annotations

import argparse
import json
import time

from common import Figure, paired_medians, synth_dir, table

from dataset_atlas.catalog.ingest import frame_from_paths
from dataset_atlas.sources.discover import iter_record_files


def measure(count: int = 100_000, runs: int = 3, subset: int = 10_000) -> list[Figure]:
    root = synth_dir(count)
    figures = []
    shards = sorted(p for p in root.iterdir() if p.is_dir())
    small = shards[: max(1, subset // 1000)]
    n_small = sum(1 for _ in iter_record_files(small))

    def load_all(paths):
        for path, _ in iter_record_files(paths):
            with open(path, "rb") as fh:
                json.loads(fh.read())

    # What `dataset-atlas ingest` does: read, normalise and build the frame (worker processes
    # for large inputs); the serial figure shows what the workers buy on this machine.
    ours, base = paired_medians(lambda: frame_from_paths(small), lambda: load_all(small), runs=runs)
    figures.append(Figure(f"ingest {n_small:,} files (median of {runs})", ours, base, "json.load"))
    ours, base = paired_medians(lambda: frame_from_paths(small, workers=1), lambda: load_all(small), runs=runs)
    figures.append(Figure(f"ingest {n_small:,} files, one process (median of {runs})", ours, base, "json.load"))
    if count > n_small:
        start = time.perf_counter()
        load_all([root])
        base = time.perf_counter() - start
        start = time.perf_counter()
        frame_from_paths([root])
        ours = time.perf_counter() - start
        figures.append(Figure(f"ingest {count:,} files (1 run)", ours, base, "json.load"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subset", type=int, default=10_000)
    args = parser.parse_args()
    print(table(measure(args.count, args.runs, args.subset)))
