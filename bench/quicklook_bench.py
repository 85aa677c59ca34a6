"""Benchmark: our quicklook vs rio-tiler's Reader.preview vs a naive full read.

Writes two large tiled uint8 GeoTIFFs into a temporary folder (one with internal
overviews, one without), then measures each method in a fresh subprocess per run: wall time
(median of --runs) and peak RSS above the process's baseline after imports, from
resource.getrusage (tracemalloc does not see GDAL's allocations).

    python bench/quicklook_bench.py [--size 20000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ("atlas", "atlas-read", "rio-tiler", "naive")


def write_tif(path: Path, size: int, overviews: bool) -> None:
    """A size x size uint8 class raster written in windows, deflate, 512 px tiles."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    step = 1024
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="uint8", crs="EPSG:3413", nodata=0,
                       transform=from_origin(-2_500_000, 2_500_000, 10.0 * 20000 / size,
                                             10.0 * 20000 / size),
                       tiled=True, blockxsize=512, blockysize=512, compress="deflate",
                       zlevel=1, BIGTIFF="IF_SAFER") as dst:
        cols = np.arange(size, dtype=np.int64)[None, :]
        for row0 in range(0, size, step):
            n = min(step, size - row0)
            rows = np.arange(row0, row0 + n, dtype=np.int64)[:, None]
            # Patches of classes 1-10 with a little texture: compresses, but not to nothing.
            block = ((cols // 97) * 7 + (rows // 131) * 3 + ((cols * rows) % 7 == 0)) % 10 + 1
            block[(rows - size // 2) ** 2 + (cols - size // 2) ** 2 > (size // 2) ** 2] = 0
            dst.write(block.astype(np.uint8), 1, window=Window(0, row0, size, n))
        if overviews:
            dst.build_overviews([2, 4, 8, 16, 32, 64], Resampling.nearest)


def peak_rss_kib() -> int:
    """Peak resident memory of this process, KiB.

    VmHWM is reset by exec; getrusage's ru_maxrss is not on Linux: a child forked from a
    parent that once held 800 MB reports 800 MB before doing anything.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(method: str, path: str) -> dict[str, float]:
    """Run one method once in this process; report seconds and peak RSS growth in MiB."""
    import rasterio
    from rio_tiler.io import Reader

    from dataset_atlas.quicklook import render_quicklook

    base = peak_rss_kib()
    t0 = time.perf_counter()
    if method == "atlas":
        ql = render_quicklook(path, max_size=1024)
        shape = ql.rgba.shape
    elif method == "atlas-read":  # our reader alone: what rio-tiler's preview also does
        from dataset_atlas.quicklook.readers import Limits, read_raster

        cache = Limits().gdal_cache_mb * 2**20  # bytes, as render_quicklook sets it
        with rasterio.Env(GDAL_CACHEMAX=cache), rasterio.open(path) as src:
            sample = read_raster(src, limits=Limits(max_size=1024))
        assert sample.data is not None
        shape = sample.data.shape
    elif method == "rio-tiler":
        with Reader(path) as r:
            img = r.preview(max_size=1024)
        shape = img.data.shape
    else:
        with rasterio.open(path) as src:
            shape = src.read(1).shape
    seconds = time.perf_counter() - t0
    peak = peak_rss_kib()
    return {"seconds": seconds, "peak_mib": (peak - base) / 1024, "shape": list(shape)}


def run_child(method: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", method, str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the files here and keep them")
    ap.add_argument("--measure", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0

    with tempfile.TemporaryDirectory(prefix="ql-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = {"with overviews": folder / f"big_{args.size}_ovr.tif",
                 "no overviews": folder / f"big_{args.size}_plain.tif"}
        for label, path in files.items():
            if not path.exists():
                t0 = time.perf_counter()
                write_tif(path, args.size, overviews=label == "with overviews")
                print(f"wrote {path.name} ({path.stat().st_size / 2**20:.0f} MiB) "
                      f"in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"\n{args.size} x {args.size} uint8, 512 px tiles, deflate; median of "
              f"{args.runs} runs, one fresh process per run; peak RSS (VmHWM) above the baseline after imports.\n")
        print(f"{'file':<15} {'method':<10} {'time s':>8} {'peak MiB':>9} "
              f"{'time/rio-tiler':>15} {'time/naive':>11} {'mem/naive':>10}")
        for label, path in files.items():
            res: dict[str, tuple[float, float]] = {}
            for method in METHODS:
                runs = [run_child(method, path) for _ in range(args.runs)]
                res[method] = (statistics.median(r["seconds"] for r in runs),
                               statistics.median(r["peak_mib"] for r in runs))
            for method in METHODS:
                t, m = res[method]
                print(f"{label:<15} {method:<10} {t:>8.3f} {m:>9.1f} "
                      f"{t / res['rio-tiler'][0]:>15.2f} {t / res['naive'][0]:>11.3f} "
                      f"{m / max(res['naive'][1], 1e-9):>10.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
