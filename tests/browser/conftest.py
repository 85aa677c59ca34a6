"""A real `streamlit run app.py` and a real Chromium for the browser tests.

The server runs on the seeds plus one hostile record, with synthetic demo rasters as its
data folder. Every page fixture records console errors, page errors, failed requests and
dialogs, and the test fails if any occurred: that is what proves the app offline-clean.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ..conftest import stop
from ..helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
HOSTILE_ID = "hostile-0001"
HOSTILE = {
    "id": HOSTILE_ID,
    "title_cn": "<script>window.__pwned = 1</script>恶意标题<img src=x onerror=\"window.__pwned=2\">",
    "title_en": "<img src=x onerror=\"window.__pwned=3\">Hostile <b>title</b>",
    "ds_abstract": "<p onclick=\"window.__pwned=4\">摘要</p><script>window.__pwned=5</script>"
                   "<a href=\"javascript:window.__pwned=6\">link</a><iframe src=\"javascript:alert(1)\"></iframe>",
    "ds_acq_lon_west": 10.0, "ds_acq_lon_east": 20.0, "ds_acq_lat_south": -10.0, "ds_acq_lat_north": 0.0,
    "ds_acq_start_time": "2001-01-01 00:00:00", "ds_acq_end_time": None,
    "category": "<svg onload=\"window.__pwned=7\">危险</svg>", "ds_space_res": "30m", "ds_time_res": "月",
    "ds_topic_tags": ["<img src=x onerror=\"window.__pwned=8\">"], "cstr": "javascript:alert(1)",
    "license_type": "javascript:window.__pwned=9",
}


def chromium_path() -> str | None:
    """Debian's Chromium, or $CHROMIUM; None lets Playwright use its own installed browser."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Server:
    url: str
    index: Path
    data_root: Path
    proc: subprocess.Popen[bytes]


def start_streamlit(env: dict[str, str], log_path: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={port}", "--server.fileWatcherType=none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # readiness polling, not a timing assertion
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return url, proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy")



@contextlib.contextmanager
def seeds_app(work: Path, extra: Mapping[str, object]) -> Iterator[Server]:
    """`streamlit run` on the seeds plus ``extra`` records (file stem -> JSON document), with
    synthetic demo rasters as its data folder; stopped on exit."""
    from dataset_atlas.catalog import LocalCatalog
    from dataset_atlas.demo import write_demo_data

    records = work / "records"
    shutil.copytree(ROOT / "seeds", records)
    for name, doc in extra.items():
        (records / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    index = work / "index.parquet"
    LocalCatalog.from_paths([records]).save(index)
    data_root = work / "data"
    write_demo_data(data_root)
    url, proc = start_streamlit({"DATASET_ATLAS_INDEX": str(index), "DATASET_ATLAS_DATA_ROOT": str(data_root)},
                                work / "streamlit.log")
    try:
        yield Server(url, index, data_root, proc)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with seeds_app(tmp_path_factory.mktemp("atlas"), {"hostile": HOSTILE}) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


# Streamlit's run counter, kept in the page so tests wait for runs instead of sleeping. A run
# has finished when the app root's data-test-script-state returns to "notRunning". A map (the
# st_folium iframe) reports its view to the app, which then runs again: `sent` counts the values
# the maps sent (as they send them), `received` those the app got, `waiting` is set when one
# arrives while the app is idle and cleared when the run for it starts. Streamlit drops a value
# whose map was replaced meanwhile (no run follows), so a wait longer than DROPPED_MS counts as over.
DROPPED_MS = 3000
RUN_COUNTER_JS = """(() => {
  if (window !== window.top) {  // a map's iframe: count each value as the component sends it
    let lib;
    Object.defineProperty(window, "Streamlit", {configurable: true, get: () => lib, set: value => {
      lib = value;
      const send = value.setComponentValue.bind(value);
      value.setComponentValue = v => {
        if (window.top.__atlasRuns) window.top.__atlasRuns.sent += 1;
        return send(v);
      };
    }});
    return;
  }
  const runs = window.__atlasRuns = {finished: 0, state: null, sent: 0, received: 0, waiting: false, waitingSince: 0};
  const step = now => {
    if (now === runs.state) return;
    if (now === "running") runs.waiting = false;
    if (now === "notRunning" && runs.state !== null) runs.finished += 1;
    runs.state = now;
  };
  new MutationObserver(records => {
    for (const r of records) step(r.oldValue);  // each record's old value, in order, then the current one
    step(records[records.length - 1].target.getAttribute("data-test-script-state"));
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ["data-test-script-state"]});
  window.addEventListener("message", e => {
    if (!e.data || e.data.type !== "streamlit:setComponentValue") return;
    runs.received += 1;
    if (runs.state !== "running") { runs.waiting = true; runs.waitingSince = performance.now(); }
  });
})();"""
# Every map has started, is still, and has nothing left to report: the value st_folium would
# send now (what its debounced updateComponentValue builds, streamlit-folium 0.27) equals the
# one it sent last (`previous_data`). A click or a move changes it at once; the send follows.
MAPS_REPORTED_JS = f"""[...document.querySelectorAll('{MAP_FRAME}')].every(f => {{
  const w = f.contentWindow, m = w && w.map, d = w && w.__GLOBAL_DATA__;
  if (!m || !d || !m._loaded || w.document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')) return false;
  const wrap = x => x && d.wrap_longitude ? m.wrapLatLng(x) : x, b = m.getBounds();
  const now = {{last_clicked: wrap(d.lat_lng_clicked), last_object_clicked: wrap(d.last_object_clicked),
    last_object_clicked_count: d.last_object_clicked_count, last_object_clicked_tooltip: d.last_object_clicked_tooltip,
    last_object_clicked_popup: d.last_object_clicked_popup, all_drawings: d.all_drawings,
    last_active_drawing: d.last_active_drawing, last_geocoder_result: d.last_geocoder_result,
    bounds: b && d.wrap_longitude ? m.wrapLatLngBounds(b) : b, zoom: m.getZoom(),
    last_circle_radius: d.last_circle_radius, last_circle_polygon: d.last_circle_polygon, center: wrap(m.getCenter()),
    selected_layers: Object.values(d.selected_layers), selected_tags: d.selected_tags}};
  const keys = d.returned_objects || Object.keys(now);
  return JSON.stringify(Object.fromEntries(Object.entries(now).filter(([k]) => keys.includes(k))))
    === JSON.stringify(d.previous_data);
}})"""
SETTLED_JS = f"""since => {{
  const runs = window.__atlasRuns, app = document.querySelector("[data-testid='stApp']");
  return !!runs && !!app && app.getAttribute("data-test-script-state") === "notRunning" && runs.finished > since
    && runs.sent === runs.received && {MAPS_REPORTED_JS}
    && (!runs.waiting || performance.now() - runs.waitingSince > {DROPPED_MS});
}}"""
# No map in the page is zooming or panning (Leaflet marks its panes while it animates).
MAP_STILL_JS = f"""() => [...document.querySelectorAll('{MAP_FRAME}')].every(f => {{
  const d = f.contentDocument;
  return !d || !d.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim');
}})"""


def runs(page: Page) -> int:
    """How many Streamlit runs the page has finished (since it was loaded): take it before an
    action, then ``settled(page, since=...)`` waits for the run the action starts."""
    return int(page.evaluate("() => window.__atlasRuns ? window.__atlasRuns.finished : 0"))


def settled(page: Page, since: int = 0, timeout: float = 60_000) -> None:
    """Wait until more than ``since`` runs have finished, the app is idle, and every map has
    reported its view and been run for. With the default, the page's first run has finished."""
    try:
        page.wait_for_function(SETTLED_JS, arg=since, timeout=timeout)
    except PlaywrightTimeoutError:
        state = page.evaluate("""() => ({runs: window.__atlasRuns, app: document.querySelector(
            "[data-testid='stApp']")?.getAttribute("data-test-script-state")})""")
        raise PlaywrightTimeoutError(f"Streamlit did not settle after run {since}: {state}") from None


def painted(page: Page) -> None:
    """Wait until the maps are still and the browser has drawn a frame since (before a screenshot)."""
    page.wait_for_function(MAP_STILL_JS, timeout=60_000)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)


def superseded(request: Request, loaded: set[str]) -> bool:
    """A load the page itself cut off, with nothing lost for the user: the iframe it was for
    was removed (Streamlit replaced the element, e.g. the map moving between layouts on Back),
    the same URL loaded later, or the test had already left the page. A server that fails
    answers with a status (counted separately) or a network error other than ERR_ABORTED.
    Judged at the end of the test, when the outcome is known."""
    frame = request.frame
    return request.failure == "net::ERR_ABORTED" and (
        frame.is_detached() or request.url in loaded or frame.page.main_frame.url == "about:blank")


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    context.add_init_script(RUN_COUNTER_JS)
    pg = context.new_page()
    problems = Problems()
    pg.on("console", lambda m: problems.items.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.items.append(f"pageerror: {e}"))
    aborted: list[Request] = []
    loaded: set[str] = set()
    pg.on("requestfinished", lambda r: loaded.add(r.url))
    pg.on("requestfailed", lambda r: aborted.append(r) if r.failure == "net::ERR_ABORTED" else problems.items.append(
        f"request failed: {r.url} {r.failure}"))
    pg.on("response", lambda r: problems.items.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    pg.on("dialog", lambda d: (problems.items.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    problems.items += [f"request failed: {r.url} {r.failure}" for r in aborted if not superseded(r, loaded)]
    context.close()
    assert problems.items == [], "the page was not clean:\n" + "\n".join(problems.items)
