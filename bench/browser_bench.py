"""Browser: page open -> map drawn, filter change -> map updated, and wheel zoom -> map
updated, at N records vs the 3 seeds (same run, same machine, medians).

Starts ``python -m streamlit run app.py`` on a free port with DATASET_ATLAS_INDEX pointing at
an index, drives /usr/bin/chromium through Playwright, and reads the RSS of the streamlit
process after the page has loaded. The filter change picks the first option of the first
multiselect in the sidebar (the category filter in the app). A zoom is one mouse-wheel step
over Northeast China; it is done when every script run it started has finished and the map
frame has painted (Streamlit's ``data-test-script-state`` is watched, so a run that changes
nothing on the map still counts).

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
    from dataset_atlas.catalog import LocalCatalog

    path = OUT / "index-seeds.parquet"
    if not path.exists():
        LocalCatalog.seeds().save(path)
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


# Counts finished script runs (running -> notRunning) on the page, so a rerun that is too
# quick for polling to see "running" is still noticed.
_RUN_WATCH = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__runsDone = 0;
  let last = app.getAttribute('data-test-script-state');
  new MutationObserver(() => {
    const now = app.getAttribute('data-test-script-state');
    if (last === 'running' && now !== 'running') { window.__runsDone += 1; }
    last = now;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def _runs_done(page) -> int:
    return int(page.evaluate("() => window.__runsDone || 0"))


def _painted(page) -> None:
    frame = page.frame(url=lambda u: "st_folium" in u)
    if frame is not None:
        frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def wheel_zoom(page, lat: float = 45.0, lon: float = 126.0, quiet_s: float = 0.6) -> float | None:
    """Seconds from one wheel step over (lat, lon) to the last run it caused, painted."""
    frame = page.frame(url=lambda u: "st_folium" in u)
    box = page.locator(MAP).bounding_box()
    if frame is None or box is None:
        return None
    point = frame.evaluate(f"() => window.map.latLngToContainerPoint([{lat}, {lon}])")
    x = box["x"] + min(max(point["x"], 20), box["width"] - 20)
    y = box["y"] + min(max(point["y"], 20), box["height"] - 20)
    page.mouse.move(x, y)
    before = _runs_done(page)
    start = time.perf_counter()
    page.mouse.wheel(0, -120)
    done_at = None
    seen = before
    deadline = time.time() + 60
    while time.time() < deadline:
        runs = _runs_done(page)
        idle = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state") != "running"
        if runs > seen and idle:
            _painted(page)
            seen, done_at = runs, time.perf_counter()
        if done_at is not None and time.perf_counter() - done_at > quiet_s:
            return done_at - start
        time.sleep(0.01)
    return None


def open_and_change(browser, url: str) -> tuple[float, float | None, list[float]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        start = time.perf_counter()
        page.goto(url)
        page.frame_locator(MAP).locator(DRAWN).first.wait_for(state="attached", timeout=120_000)
        opened = time.perf_counter() - start
        page.evaluate(_RUN_WATCH)
        page.wait_for_timeout(1500)  # the map reports its view once after the first paint
        zooms = [z for z in (wheel_zoom(page) for _ in range(3)) if z is not None]
        page.goto(url)
        page.frame_locator(MAP).locator(DRAWN).first.wait_for(state="attached", timeout=120_000)
        select = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
        if select.count() == 0:
            return opened, None, zooms
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
                return opened, time.perf_counter() - start, zooms
            time.sleep(0.02)
        return opened, None, zooms
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
                    zoomed: list[float] = []
                    for _ in range(runs):
                        o, c, z = open_and_change(browser, app.url)
                        opened.append(o)
                        zoomed.extend(z)
                        if c is not None:
                            changed.append(c)
                    rss[label] = rss_mb(app.proc.pid)
                    results[label] = {"open": opened, "change": changed, "zoom": zoomed}
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
    if results[big]["zoom"] and results["3"]["zoom"]:
        figures.append(Figure(f"browser: wheel zoom -> map updated at {big}",
                              statistics.median(results[big]["zoom"]), statistics.median(results["3"]["zoom"]),
                              "3-record app", f"median of {len(results[big]['zoom'])}"))
    figures.append(Figure(f"app RSS at {big}", rss[big], rss["3"], "3-record app", "streamlit process", "MB"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(table(measure(args.count, args.runs)))
