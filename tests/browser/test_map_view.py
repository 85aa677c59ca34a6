"""The view a person expects: a selected dataset is framed, and the wheel follows the web-map convention.

Driven in Chromium against a real ``streamlit run`` of the seeds (the ``atlas`` fixture).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from tests.browser.conftest import MAP_FRAME, Server, painted, runs, settled
from tests.browser.test_map_flows import map_frame, open_map, zoom
from tests.browser.test_user_flows import expect_header, expect_url, search

SHOTS = Path("/tmp/shots-map-view")
TIMEOUT = 60_000


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    settled(page)
    painted(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def map_bounds(page: Page) -> tuple[float, float, float, float]:
    b = map_frame(page).evaluate("""() => { const b = window.map.getBounds();
        return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }""")
    return b[0], b[1], b[2], b[3]


def test_a_dataset_clicked_on_the_map_is_framed(page: Page, atlas: Server) -> None:
    from dataset_atlas.catalog import LocalCatalog

    open_map(page, f"{atlas.url}/?lang=en")
    search(page, "Search text (Chinese or English)", "permafrost")
    expect_header(page, "1 of 4 datasets")
    settled(page)
    before = zoom(page)
    since = runs(page)
    page.frame_locator(MAP_FRAME).first.locator("path.leaflet-interactive").first.click(force=True)
    expect_url(page, r"[?&]id=")
    settled(page, since)
    page.wait_for_function(f"() => document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom() > {before}",
                           timeout=TIMEOUT)
    settled(page)
    record_id = parse_qs(urlparse(page.url).query)["id"][0]
    west, south, east, north = LocalCatalog.load(atlas.index).get(record_id).extent.bbox
    w, s, e, n = map_bounds(page)
    assert zoom(page) > before
    assert w <= west and s <= south and e >= east and n >= north, ((w, s, e, n), (west, south, east, north))
    # Framed, not lost in it: the extent fills a good part of the view.
    assert (east - west) >= 0.25 * (e - w) or (north - south) >= 0.25 * (n - s)
    shot(page, "framed")


def test_the_wheel_zooms_only_a_clicked_map_one_level_a_step(page: Page, atlas: Server) -> None:
    page.set_viewport_size({"width": 1500, "height": 700})  # the page is taller than the window: it scrolls
    open_map(page, f"{atlas.url}/?lang=en")
    search(page, "Search text (Chinese or English)", "permafrost")  # one regional dataset: a bare map to click
    expect_header(page, "1 of 4 datasets")
    settled(page)
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    start = zoom(page)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.3)
    page.mouse.wheel(0, 300)  # not clicked: the page scrolls, the map stays
    page.wait_for_function("() => window.scrollY > 0 || document.querySelector('[data-testid=\"stMain\"]')"
                           "?.scrollTop > 0", timeout=TIMEOUT)
    page.wait_for_timeout(400)
    assert zoom(page) == start
    shot(page, "wheel-scrolls-page")
    page.mouse.wheel(0, -300)  # back up
    page.wait_for_timeout(400)
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * 0.12, box["y"] + box["height"] * 0.55  # the Pacific
    since = runs(page)
    page.mouse.click(x, y)  # on bare map (the seeds are elsewhere): focuses it, selects nothing
    settled(page, since)
    expect(map_frame(page).locator(".leaflet-container")).to_have_attribute("data-atlas-wheel", "on")
    start = zoom(page)
    page.mouse.wheel(0, -100)  # one notch
    page.wait_for_function(f"() => document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom() > {start}",
                           timeout=TIMEOUT)
    painted(page)  # the zoom animation is over (the app's rerun for the new view does not move it)
    page.wait_for_timeout(400)
    assert zoom(page) == start + 1
    assert "id=" not in page.url  # the click selected nothing
    page.screenshot(path=str(SHOTS / "one-wheel-step.png"), full_page=True)
