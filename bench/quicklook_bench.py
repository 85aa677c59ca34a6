"""Benchmark: ``dataset-atlas quicklook`` vs rio-tiler's ``Reader.preview``, as whole processes.

Writes two large tiled uint8 GeoTIFFs (one with internal overviews, one without; kept under
bench/out/ between runs), then:

1. whole processes (the default, and the figures ``make bench`` reports): the command
   ``dataset-atlas quicklook FILE --max-size 512 --json`` against a Python process that runs
   rio-tiler's ``Reader(FILE).preview(max_size=512)``, and the command's default
   (``--max-size 1024``, PNG written) beside them; wall time and peak RSS (ru_maxrss of each
   child, from wait4) as medians of --runs, start-up and imports included. Goal: time and
   memory ratios at most 1 and 1.2.
2. ``--in-process``: the old comparison of the work alone (ours, our reader, rio-tiler, a
   naive full read), one fresh process per run, peak RSS above the baseline after imports.

    python bench/quicklook_bench.py [--size 20000] [--runs 5] [--in-process] [--keep DIR] [--crs EPSG:3413]

``--crs`` renders our previews in that map projection (the files are EPSG:3413, so 3413 is
the no-warp case); with several ``--crs`` each is timed beside the same rio-tiler baseline.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_bench import cli_command, paired  # noqa: E402
from common import OUT, Figure  # noqa: E402

METHODS = ("atlas", "atlas-read", "rio-tiler", "naive")
RIO_TILER_PREVIEW = """
import sys, warnings
from rio_tiler.io import Reader
warnings.simplefilter("ignore")  # NoOverviewWarning on the file without overviews
with Reader(sys.argv[1]) as r:
    img = r.preview(max_size=512)
"""


def write_tif(path: Path, size: int, overviews: bool) -> None:
    """A size x size uint8 class raster written in windows, deflate, 512 px tiles."""
    import numpy as np
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


def measure_in_process(method: str, path: str) -> dict[str, float]:
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


def bench_files(size: int, folder: Path | None = None) -> dict[str, Path]:
    """The two test files (written once by a child process, then reused)."""
    folder = folder or OUT
    folder.mkdir(parents=True, exist_ok=True)
    files = {"with overviews": folder / f"quicklook_{size}_ovr.tif",
             "no overviews": folder / f"quicklook_{size}_plain.tif"}
    for label, path in files.items():
        if not path.exists():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--write", str(path), str(size),
                            "1" if label == "with overviews" else "0"], check=True)
            print(f"wrote {path.name} ({path.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return files


def compare_processes(size: int = 20000, runs: int = 5, folder: Path | None = None,
                      crs: tuple[str, ...] = ("EPSG:3857",)) -> dict[str, dict[str, tuple[float, float]]]:
    """Per file: median (seconds, peak MiB) of each whole-process command."""
    out = {}
    for label, path in bench_files(size, folder).items():
        png = path.with_suffix(".png")
        commands = {}
        for code in crs:
            tag = "" if code == "EPSG:3857" else f" {code}"
            commands[f"atlas 512{tag}"] = [*cli_command(), "quicklook", str(path), "--max-size", "512", "--json",
                                           "--crs", code]
            commands[f"atlas 1024 + PNG{tag}"] = [*cli_command(), "quicklook", str(path), "--out", str(png),
                                                  "--crs", code]
        commands["rio-tiler 512"] = [sys.executable, "-c", RIO_TILER_PREVIEW, str(path)]
        out[label] = paired(commands, runs)
    return out


def measure(size: int = 20000, runs: int = 5) -> list[Figure]:
    """Figures for bench/run_all.py: the command against rio-tiler, time and memory."""
    figures = []
    for label, res in compare_processes(size, runs).items():
        base_s, base_m = res["rio-tiler 512"]
        for name in ("atlas 512", "atlas 1024 + PNG"):
            s, m = res[name]
            what = f"quicklook {size:,}² {label}, {name.removeprefix('atlas ')} (whole process)"
            figures.append(Figure(what, s, base_s, "rio-tiler preview(512) process"))
            figures.append(Figure(f"{what}: peak memory", m, base_m, "rio-tiler preview(512) process",
                                  unit="MiB"))
    return figures


def print_processes(size: int, runs: int, folder: Path | None, crs: tuple[str, ...] = ("EPSG:3857",)) -> None:
    results = compare_processes(size, runs, folder, crs)
    print(f"\n{size} x {size} uint8, 512 px tiles, deflate; whole processes (start-up and imports "
          f"included), median of {runs} runs; peak RSS of each child (wait4 ru_maxrss).\n")
    print(f"{'file':<15} {'command':<28} {'time s':>7} {'peak MiB':>9} {'time ratio':>11} {'memory ratio':>13}")
    for label, res in results.items():
        base_s, base_m = res["rio-tiler 512"]
        for name, (t, m) in res.items():
            print(f"{label:<15} {name:<28} {t:>7.3f} {m:>9.1f} {t / base_s:>11.2f} {m / base_m:>13.2f}")
    print("\n(ratio = ours / rio-tiler preview(max_size=512); goal: time <= 1, memory <= 1.2)")


def print_in_process(size: int, runs: int, folder: Path | None) -> None:
    files = bench_files(size, folder)
    print(f"\n{size} x {size} uint8, 512 px tiles, deflate; median of "
          f"{runs} runs, one fresh process per run; peak RSS (VmHWM) above the baseline after imports.\n")
    print(f"{'file':<15} {'method':<10} {'time s':>8} {'peak MiB':>9} "
          f"{'time/rio-tiler':>15} {'time/naive':>11} {'mem/naive':>10}")
    for label, path in files.items():
        res: dict[str, tuple[float, float]] = {}
        for method in METHODS:
            got = [run_child(method, path) for _ in range(runs)]
            res[method] = (statistics.median(r["seconds"] for r in got),
                           statistics.median(r["peak_mib"] for r in got))
        for method in METHODS:
            t, m = res[method]
            print(f"{label:<15} {method:<10} {t:>8.3f} {m:>9.1f} "
                  f"{t / res['rio-tiler'][0]:>15.2f} {t / res['naive'][0]:>11.3f} "
                  f"{m / max(res['naive'][1], 1e-9):>10.3f}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--in-process", action="store_true", help="also time the work alone, per method")
    ap.add_argument("--keep", type=Path, help="write the files here (default: bench/out)")
    ap.add_argument("--crs", action="append", choices=("EPSG:3857", "EPSG:3413", "EPSG:3031"),
                    help="map projection of our previews (repeat to compare; default EPSG:3857)")
    ap.add_argument("--measure", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--write", nargs=3, metavar=("FILE", "SIZE", "OVERVIEWS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure_in_process(*args.measure)))
        return 0
    if args.write:
        write_tif(Path(args.write[0]), int(args.write[1]), overviews=args.write[2] == "1")
        return 0
    print_processes(args.size, args.runs, args.keep, tuple(args.crs or ("EPSG:3857",)))
    if args.in_process:
        print_in_process(args.size, args.runs, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
