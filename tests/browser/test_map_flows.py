"""What the map shows, driven as a person does in Chromium against a real ``streamlit run``.

A 5,000-record synthetic catalog (more than the map draws one by one) for the count cells,
the seeds for tooltips and the overlap chooser. Each step asserts what is on screen; the
``page`` fixture fails the test on any console error, page error or failed request.
Screenshots of every step go to /tmp/shots-maps/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Frame, FrameLocator, Page, expect

from tests.browser.conftest import MAP_FRAME, Server, painted, runs, settled, start_streamlit, stop

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-maps")
TIMEOUT = 60_000
NE_CHINA = (45.0, 126.0)


@pytest.fixture(scope="module")
def synth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """5,000 synthetic NCDC-like records: global, polar, regional boxes, points, across 180."""
    from dataset_atlas.catalog import LocalCatalog
    from dataset_atlas.synth import write_synthetic_records

    work = tmp_path_factory.mktemp("synth5k")
    write_synthetic_records(5000, work / "records", seed=3)
    index = work / "index.parquet"
    LocalCatalog.from_paths([work / "records"]).save(index)
    url, proc = start_streamlit({"DATASET_ATLAS_INDEX": str(index)}, work / "streamlit.log")
    yield Server(url, index, work, proc)
    stop(proc)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    settled(page)
    painted(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def map_frame(page: Page) -> Frame:
    frame = page.frame(url=lambda u: "st_folium" in u)
    assert frame is not None
    return frame


def open_map(page: Page, url: str) -> FrameLocator:
    page.goto(url)
    fl = page.frame_locator(MAP_FRAME)
    fl.locator('.leaflet-container[data-atlas-basemap="drawn"]').wait_for(timeout=TIMEOUT)
    fl.locator(".leaflet-interactive").first.wait_for(state="attached", timeout=TIMEOUT)
    return fl


def screen_point(page: Page, lat: float, lon: float) -> tuple[float, float]:
    point = map_frame(page).evaluate(f"() => window.map.latLngToContainerPoint([{lat}, {lon}])")
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    return box["x"] + point["x"], box["y"] + point["y"]


def zoom(page: Page) -> float:
    return float(map_frame(page).evaluate("() => window.map.getZoom()"))


def cells_near(page: Page, fl: FrameLocator, lat: float, lon: float, radius_px: float) -> list[str]:
    x, y = screen_point(page, lat, lon)
    found = []
    for cell in fl.locator(".atlas-cell").all():
        box = cell.bounding_box()
        if box is None:
            continue
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if abs(cx - x) < radius_px and abs(cy - y) < radius_px:
            found.append(cell.inner_text())
    return found


def test_global_datasets_are_listed_in_a_corner_not_a_cell_in_africa(page: Page, synth_server: Server) -> None:
    fl = open_map(page, f"{synth_server.url}/?lang=en")
    expect(fl.locator(".atlas-cell").first).to_be_visible(timeout=TIMEOUT)
    head = fl.locator(".atlas-cover-head")
    expect(head).to_contain_text(re.compile(r"[\d,]+ datasets cover this whole view"), timeout=TIMEOUT)
    shot(page, "synth-1-world")
    assert cells_near(page, fl, 0.0, 20.0, 60) == []  # nothing stands for the globe in Africa
    head.click()  # the corner box opens into a list of titles
    expect(fl.locator(".atlas-cover-list")).to_be_visible()
    expect(fl.locator(".atlas-cover-list")).to_contain_text("Click the map to list them and choose")
    shot(page, "synth-2-cover-list")


def test_wheel_zoom_turns_counts_into_extents(page: Page, synth_server: Server) -> None:
    fl = open_map(page, f"{synth_server.url}/?lang=en")
    expect(fl.locator(".atlas-cell").first).to_be_visible(timeout=TIMEOUT)
    start = zoom(page)
    for _ in range(12):  # wheel over Northeast China until the view is regional
        x, y = screen_point(page, *NE_CHINA)
        page.mouse.move(x, y)
        since = runs(page)
        page.keyboard.down("Control")  # the wheel zooms an unclicked map only with Ctrl
        page.mouse.wheel(0, -240)
        page.keyboard.up("Control")
        settled(page, since)  # the map reported its new view and the app ran for it
        if zoom(page) >= 7:
            break
    assert zoom(page) >= start + 4
    expect(fl.locator(".atlas-cell")).to_have_count(0, timeout=TIMEOUT)
    expect(fl.locator("path.leaflet-interactive").first).to_be_attached(timeout=TIMEOUT)
    assert fl.locator("path.leaflet-interactive").count() > 3
    shot(page, "synth-3-zoomed-extents")


def test_a_click_on_a_count_cell_zooms_in_and_selects_nothing(page: Page, synth_server: Server) -> None:
    fl = open_map(page, f"{synth_server.url}/?lang=en")
    cell = fl.locator(".atlas-cell").first
    expect(cell).to_be_visible(timeout=TIMEOUT)
    before = zoom(page)
    header = page.locator("h3").first.inner_text()
    since = runs(page)
    cell.click()
    settled(page, since)
    assert zoom(page) >= before + 2
    assert "id=" not in page.url and "bbox=" not in page.url
    assert page.locator("h3").first.inner_text() == header  # "N of M" unchanged: nothing filtered
    shot(page, "synth-4-after-cell-click")


def hover_tooltip(page: Page, fl: FrameLocator, lat: float, lon: float) -> Any:
    x, y = screen_point(page, lat, lon)
    page.mouse.move(x - 4, y - 4)
    page.mouse.move(x, y)
    tip = fl.locator(".leaflet-tooltip")
    expect(tip.last).to_be_visible(timeout=TIMEOUT)
    return tip.last


def test_tooltips_are_readable_and_show_no_id_marker(page: Page, atlas: Server) -> None:
    fl = open_map(page, f"{atlas.url}/?lang=en")
    tip = hover_tooltip(page, fl, 45.0, 126.0)  # Northeast China: two seeds overlap here
    text = tip.inner_text()
    assert "⟨id:" not in text and "⟨" not in text
    box = tip.bounding_box()
    assert box is not None and box["width"] >= 150  # not one character per line
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(len(line) > 3 for line in lines), lines
    shot(page, "seeds-1-tooltip")


def test_a_click_on_overlapping_extents_offers_a_chooser(page: Page, atlas: Server) -> None:
    fl = open_map(page, f"{atlas.url}/?lang=en")
    expect(fl.locator("path.leaflet-interactive")).to_have_count(4, timeout=TIMEOUT)
    x, y = screen_point(page, 45.0, 126.0)
    page.mouse.click(x, y)
    # The click selects the shape on top and lists every dataset under the point.
    chooser = page.get_by_text(re.compile(r"\d+ datasets here, choose one"))
    expect(chooser).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]id="), timeout=TIMEOUT)
    first = re.search(r"[?&]id=([^&]+)", page.url)
    assert first
    options = page.locator('[data-testid="stRadio"] label')
    assert options.count() >= 2
    shot(page, "seeds-2-chooser")
    # Choose another dataset from the list: it becomes the selection.
    other = options.filter(has_not=page.locator("input:checked")).last
    other.click()
    expect(page).not_to_have_url(re.compile(rf"[?&]id={re.escape(first.group(1))}(&|$)"), timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]id="), timeout=TIMEOUT)
    expect(fl.locator('path[stroke="#d6005c"]')).to_have_count(1, timeout=TIMEOUT)
    shot(page, "seeds-3-chosen")
