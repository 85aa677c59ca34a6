"""Shared helpers for the catalog benchmarks: timing medians, generated data under bench/out/."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Figure:
    """One measured figure with the baseline measured in the same run."""

    name: str
    ours_s: float
    base_s: float
    baseline: str
    note: str = ""
    unit: str = "s"  # or e.g. "MB" for memory figures

    @property
    def ratio(self) -> float:
        return self.ours_s / self.base_s if self.base_s else float("nan")

    def row(self) -> str:
        show = fmt if self.unit == "s" else (lambda v: f"{v:,.0f} {self.unit}")
        return (f"| {self.name} | {show(self.ours_s)} | {self.baseline}: {show(self.base_s)} | "
                f"{self.ratio:.2f} | {self.note} |")


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def median_time(fn: Callable[[], Any], runs: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``runs`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_medians(ours: Callable[[], Any], base: Callable[[], Any], runs: int = 5) -> tuple[float, float]:
    """Medians of ``ours`` and ``base`` run alternately (so machine noise hits both alike)."""
    ours(), base()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        for fn, out in ((ours, a), (base, b)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def synth_dir(count: int, seed: int = 0) -> Path:
    """A folder of ``count`` synthetic records under bench/out (written once, then reused)."""
    from dataset_atlas.synth import write_synthetic_records

    root = OUT / f"synth-{count}-{seed}"
    stamp = root / ".complete"
    if not stamp.exists():
        start = time.perf_counter()
        write_synthetic_records(count, root, seed=seed)
        stamp.write_text(json.dumps({"count": count, "seconds": time.perf_counter() - start}))
        print(f"  wrote {count:,} records to {root} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return root


def index_file(count: int, seed: int = 0) -> Path:
    """The saved index of :func:`synth_dir` (ingested once, then reused)."""
    from dataset_atlas.catalog import LocalCatalog
    from dataset_atlas.catalog.local.geoparquet import INDEX_VERSION

    # (the format version in the name: an index of another version would not load)
    path = OUT / (f"index-{count}-{seed}" + ("" if INDEX_VERSION == 1 else f"-v{INDEX_VERSION}") + ".parquet")
    if not path.exists():
        LocalCatalog.from_paths([synth_dir(count, seed)]).save(path)
    return path


def table(figures: list[Figure]) -> str:
    head = "| figure | ours | baseline (same run) | ratio | note |\n|---|---|---|---|---|"
    return "\n".join([head, *(f.row() for f in figures)])
