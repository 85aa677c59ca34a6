"""Ingest: json.load of every record file vs the full ingest (read, normalise, build the frame),
and the peak memory of a whole ingest process (streamed into the index vs built in memory).

    python bench/ingest_bench.py [--count 100000] [--runs 3] [--subset 10000] [--memory 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from common import OUT, Figure, paired_medians, synth_dir, table

from dataset_atlas.catalog.local.ingest import frame_from_paths
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
    figures.extend(measure_memory(count))
    return figures


# What `dataset-atlas ingest` runs: records streamed into the index file in row groups.
STREAMED = ("from dataset_atlas.catalog.local.ingest import ingest_to_index as f; import sys; "
            "f([sys.argv[1]], sys.argv[2])")
# The whole frame in memory, then saved (the app's LocalCatalog.from_paths(...).save(...)).
IN_MEMORY = ("from dataset_atlas.catalog import LocalCatalog; import sys; "
             "LocalCatalog.from_paths([sys.argv[1]]).save(sys.argv[2])")


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (forked workers count their shared
    pages too, so this is an upper bound)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == current and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def peak_memory(code: str, *args: str) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of ``python -c code args`` and its workers."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_bytes(proc.pid))
        time.sleep(0.05)
    if proc.returncode:
        raise RuntimeError(f"ingest process failed with exit code {proc.returncode}")
    return time.perf_counter() - start, peak / 1e6


def measure_memory(count: int) -> list[Figure]:
    """Peak memory of a whole ingest of ``count`` records, streamed vs in memory."""
    root = synth_dir(count)
    out = OUT / f"memory-{count}.parquet"
    streamed_s, streamed_mb = peak_memory(STREAMED, str(root), str(out))
    memory_s, memory_mb = peak_memory(IN_MEMORY, str(root), str(out))
    out.unlink(missing_ok=True)
    return [
        Figure(f"ingest {count:,} records: peak memory, process tree", streamed_mb, memory_mb,
               "whole frame in memory", note="streamed into row groups (dataset-atlas ingest)", unit="MB"),
        Figure(f"ingest {count:,} records into the index file (1 run)", streamed_s, memory_s,
               "whole frame in memory"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subset", type=int, default=10_000)
    parser.add_argument("--memory", default="", help="only the peak-memory figures, at these record counts")
    args = parser.parse_args()
    if args.memory:
        print(table([f for n in args.memory.split(",") for f in measure_memory(int(n))]))
    else:
        print(table(measure(args.count, args.runs, args.subset)))
