"""Export of a whole 100,000-record result (issue 22, at scale): time and memory.

Each figure runs in its own process on ``bench/common.py``'s synthetic index: the catalog is
loaded, its resident memory read (VmRSS), then the export is built as the Export tab builds it
(``ui/exports.encoded``: the bytes handed to Streamlit) while a thread samples VmRSS. The
baseline is ``pandas.DataFrame.to_csv`` of the same frame's CSV columns, in the same process.

    .venv/bin/python bench/export_bench.py [--count 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(count: int, kind: str) -> None:
    import gc

    from common import index_file

    from dataset_atlas.catalog import LocalCatalog
    from dataset_atlas.catalog.export import CSV_COLUMNS, iter_csv, iter_geojson
    from dataset_atlas.ui.exports import encoded

    catalog = LocalCatalog.load(index_file(count))
    frame = catalog.frame
    gc.collect()
    before, peak, done = rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    if kind == "to_csv":
        size = len(frame.assign(category_en=frame["category"])[CSV_COLUMNS].to_csv(index=False).encode())
    else:
        chunks = iter_csv(frame, catalog.get) if kind == "csv" else iter_geojson(frame, catalog.get)
        size = len(encoded(chunks).getbuffer())
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    gc.collect()
    print(json.dumps({"kind": kind, "seconds": seconds, "bytes": size, "rss_before_mb": before,
                      "peak_delta_mb": peak[0] - before, "after_delta_mb": rss_mb() - before}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--child", choices=["to_csv", "csv", "geojson"])
    args = parser.parse_args()
    if args.child:
        child(args.count, args.child)
        return
    rows = {}
    for kind in ("to_csv", "csv", "geojson"):
        out = subprocess.run([sys.executable, __file__, "--count", str(args.count), "--child", kind],
                             check=True, capture_output=True, text=True).stdout
        rows[kind] = json.loads(out.strip().splitlines()[-1])
    base = rows["to_csv"]["seconds"]
    print(f"| export ({args.count:,} records) | seconds | x to_csv | MB | peak RSS delta MB | after MB |")
    print("|---|---|---|---|---|---|")
    for kind, r in rows.items():
        print(f"| {kind} | {r['seconds']:.2f} | {r['seconds'] / base:.1f} | {r['bytes'] / 2**20:.0f} "
              f"| {r['peak_delta_mb']:.0f} | {r['after_delta_mb']:.0f} |")


if __name__ == "__main__":
    main()
