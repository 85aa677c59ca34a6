"""The map in a real Chromium against a real ``streamlit run``: offline-clean and drawn.

Needs Chromium (/usr/bin/chromium from Debian, or a Playwright-installed browser). Every
request must succeed from the app itself (the machines have no internet, so any CDN
link would show up as a failed request), and the console must stay free of errors.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from ..conftest import stop
from ..helpers import free_port
from .conftest import painted, settled

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).resolve().parent / "apps" / "map_app.py"
SCREENSHOT = Path("/tmp/dataset_atlas_map_offline.png")
SCREENSHOT_CELLS = Path("/tmp/dataset_atlas_map_cells.png")
pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    # Streamlit serves the static/ folder next to the entry script: run a copy of the
    # test app from a folder whose static/ is the project's.
    shutil.copy(APP, tmp_path / "app.py")
    (tmp_path / "static").symlink_to(ROOT / "static", target_is_directory=True)
    port = free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--server.enableStaticServing=true",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # polling readiness, not asserting on time
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "streamlit.log").read_text(errors="replace"))
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("streamlit did not become healthy")
        yield url
    finally:
        stop(proc)
        log.close()


# The `page` fixture (tests/browser/conftest.py) fails the test on any console error, page
# error, failed request, HTTP error or dialog.
def test_map_is_offline_clean_drawn_and_clickable(app_url: str, page: Page) -> None:
    page.goto(app_url)

    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    frame.locator('.leaflet-container[data-atlas-basemap="drawn"]').wait_for(timeout=30_000)
    # Extents: tibet, bering (one multipolygon), antarctic, greenland; lhasa is a circle.
    assert frame.locator("path.leaflet-interactive").count() == 5
    # Land and borders came from static/basemap, in their own non-interactive pane.
    assert frame.locator(".leaflet-atlasBasemap-pane path").count() == 2
    assert frame.locator(".leaflet-draw-draw-rectangle").count() == 1

    # Hover Tibet: the hostile title is shown as text, not run.
    map_frame = page.frame(name=None, url=lambda u: "st_folium" in u)
    assert map_frame is not None
    point = map_frame.evaluate("() => window.map.latLngToContainerPoint([33, 90])")
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert box is not None
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=10_000)
    assert "<script>alert(1)</script>" in tooltip.inner_text()
    assert tooltip.locator("script").count() == 0

    # Click Tibet: the server identifies it and the page reruns with it selected.
    page.mouse.click(x, y)
    page.get_by_text("selected: tibet").wait_for(timeout=30_000)
    frame.locator('path[stroke="#d6005c"]').wait_for(timeout=30_000)
    settled(page)  # the re-render over before the screenshot
    painted(page)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_large_catalog_is_drawn_as_counts(app_url: str, page: Page) -> None:
    page.goto(f"{app_url}/?n=5000")
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator(".atlas-cell").first.wait_for(timeout=30_000)
    frame.locator('.leaflet-container[data-atlas-basemap="drawn"]').wait_for(timeout=30_000)
    labels = frame.locator(".atlas-cell span").all_inner_texts()
    # Dense cells are counts; a sparse cell (e.g. cut by the edge of the view) draws its
    # extents: every dataset is one or the other.
    drawn = frame.locator("path.leaflet-interactive").count()
    assert sum(int(t) for t in labels) + drawn == 5000
    assert drawn < 1500
    page.screenshot(path=str(SCREENSHOT_CELLS), full_page=True)
