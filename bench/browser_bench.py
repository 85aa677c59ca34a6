"""Browser: page open -> map drawn, and filter change -> map updated, at N records vs the 3 seeds.

Starts ``python -m streamlit run app.py`` on a free port with DATASET_ATLAS_INDEX pointing at
an index, drives /usr/bin/chromium through Playwright, and reads the RSS of the streamlit
process after the page has loaded. The filter change picks the first option of the first
multiselect in the sidebar (the category filter in the app).

    python bench/browser_bench.py [--count 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import OUT, Figure, index_file, table

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP = 'iframe[title="streamlit_folium.st_folium"]'
DRAWN = ".leaflet-interactive"  # extent paths, or aggregated cell markers (divs) at large counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seeds_index() -> Path:
    from dataset_atlas.catalog import SEEDS_DIR, LocalCatalog

    path = OUT / "index-seeds.parquet"
    if not path.exists():
        LocalCatalog.from_paths([SEEDS_DIR]).save(path)
    return path


class App:
    def __init__(self, index: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "DATASET_ATLAS_INDEX": str(index)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port),
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("streamlit did not become healthy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def map_signature(page) -> tuple[int, tuple[str, ...]]:
    """What the map shows: the number of drawn extents and the labels of the count cells."""
    frame = page.frame_locator(MAP)
    return frame.locator("path.leaflet-interactive").count(), tuple(frame.locator(".atlas-cell").all_inner_texts())


def result_count(page) -> str:
    """The sidebar's "N of M datasets" line."""
    return page.locator('[data-testid="stSidebar"] strong').first.inner_text()


def open_and_change(browser, url: str) -> tuple[float, float | None]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        start = time.perf_counter()
        page.goto(url)
        page.frame_locator(MAP).locator(DRAWN).first.wait_for(state="attached", timeout=120_000)
        opened = time.perf_counter() - start
        select = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
        if select.count() == 0:
            return opened, None
        page.wait_for_timeout(500)  # let the first render settle before taking the "before" state
        before_count, before_map = result_count(page), map_signature(page)
        select.click()
        # Streamlit lists a "Select all" entry first: picking it would change nothing.
        options = page.locator('[role="option"]').filter(has_not_text="Select all")
        options.first.wait_for(timeout=10_000)
        start = time.perf_counter()
        options.first.click()
        page.keyboard.press("Escape")
        deadline = time.time() + 120
        # Updated = the result count changed, Streamlit finished the run, and the map redrew.
        while time.time() < deadline:
            running = page.locator('[data-testid="stStatusWidget"]').count() > 0
            if not running and result_count(page) != before_count and map_signature(page) != before_map:
                return opened, time.perf_counter() - start
            time.sleep(0.02)
        return opened, None
    finally:
        page.close()


def measure(count: int = 100_000, runs: int = 3) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    if not (ROOT / "app.py").exists():
        print("browser bench: app.py not found; skipped", file=sys.stderr)
        return []
    results: dict[str, dict[str, list[float]]] = {}
    rss: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                     args=CHROMIUM_ARGS)
        try:
            for label, index in (("3", seeds_index()), (f"{count:,}", index_file(count))):
                app = App(index)
                try:
                    opened: list[float] = []
                    changed: list[float] = []
                    for _ in range(runs):
                        o, c = open_and_change(browser, app.url)
                        opened.append(o)
                        if c is not None:
                            changed.append(c)
                    rss[label] = rss_mb(app.proc.pid)
                    results[label] = {"open": opened, "change": changed}
                finally:
                    app.stop()
        finally:
            browser.close()
    big = f"{count:,}"
    figures = [Figure(f"browser: open page -> map drawn at {big}", statistics.median(results[big]["open"]),
                      statistics.median(results["3"]["open"]), "3-record app", f"median of {runs}")]
    if results[big]["change"] and results["3"]["change"]:
        figures.append(Figure(f"browser: filter change -> map updated at {big}",
                              statistics.median(results[big]["change"]), statistics.median(results["3"]["change"]),
                              "3-record app", f"median of {runs}"))
    figures.append(Figure(f"app RSS at {big}", rss[big], rss["3"], "3-record app", "streamlit process", "MB"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(table(measure(args.count, args.runs)))
