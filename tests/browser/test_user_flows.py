"""A researcher's moves, through the real widgets, in a real Chromium against `streamlit run`.

Each test clicks, types, drags, presses keys, wheel-zooms or draws the way a person does,
then asserts what a person sees: the "N of M" header, the URL, the panel, the map's shapes.
The `page` fixture fails the test on any exception box, console error or failed request.
Screenshots of each flow go to /tmp/atlas_flows/ (for looking at, not asserted).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ..conftest import CALC_ID, MAGT_ID, SMMR_ID
from .conftest import MAP_FRAME, Server, runs, settled

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SHOTS = Path("/tmp/atlas_flows")
HEADER = "[data-testid='stMain'] h3"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_app(page: Page, server: Server, query: str = "") -> FrameLocator:
    page.goto(f"{server.url}/{query}")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=TIMEOUT, state="attached")
    return frame


def expect_header(page: Page, text: str) -> None:
    expect(page.locator(HEADER).first).to_have_text(re.compile(re.escape(text)), timeout=TIMEOUT)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def expect_url(page: Page, pattern: str, present: bool = True) -> None:
    """Wait until the address bar matches (or stops matching) ``pattern``.

    Reads ``location.href`` itself: Playwright's ``page.url`` missed some of Streamlit's
    ``pushState`` updates (seen after a rerun that also updated the map component).
    """
    page.wait_for_function(
        "([p, present]) => new RegExp(p).test(decodeURIComponent(location.href)) === present",
        arg=[pattern, present], timeout=TIMEOUT)


def search(page: Page, label: str, text: str) -> None:
    box = page.get_by_role("textbox", name=label)
    box.fill(text)
    box.press("Enter")


def slider_thumb(page: Page, label: str, end: str) -> Locator:
    return page.locator(f"input[aria-label='{label} — {end}']")


def centre_on_the_map(page: Page, shape: Locator) -> bool:
    """Whether the centre of ``shape`` (where a click lands) is inside the map's frame."""
    box, frame = shape.bounding_box(), page.locator(MAP_FRAME).first.bounding_box()
    if box is None or frame is None:
        return False
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return frame["x"] < x < frame["x"] + frame["width"] and frame["y"] < y < frame["y"] + frame["height"]


def map_zoom(page: Page) -> float:
    """The zoom of the first map on the page (read from the page: the map's iframe may be replaced)."""
    return float(page.evaluate(f"() => document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom()"))


@pytest.mark.parametrize(("first", "second"), [("en", "zh"), ("zh", "en")])
def test_switch_language_then_search_and_sort(page: Page, atlas: Server, first: str, second: str) -> None:
    names = {"en": "English", "zh": "中文"}
    text_label = {"en": "Search text (Chinese or English)", "zh": "关键词（中文或英文）"}
    counts = {"en": "{n} of 4 datasets", "zh": "{n} / 4 个数据集"}
    open_app(page, atlas, f"?lang={second}")
    page.get_by_text(names[first], exact=True).click()
    expect_header(page, counts[first].format(n=4))
    search(page, text_label[first], "SMMR")
    expect_header(page, counts[first].format(n=1))
    expect_url(page, r"[?&]q=SMMR")
    page.get_by_text(names[second], exact=True).click()
    expect_header(page, counts[second].format(n=1))
    # The sort box shows the current language and a new sort order still runs.
    sort = page.get_by_role("combobox", name={"en": "Sort by", "zh": "排序"}[second])
    expect(sort).to_have_value({"en": "Relevance",  # the default order
                                "zh": "相关度"}[second])
    sort.click()
    page.get_by_role("option", name={"en": "Start (newest first)", "zh": "开始时间（新→旧）"}[second]).click()
    expect_url(page, r"[?&]sort=-start")
    search(page, text_label[second], "")
    expect_header(page, counts[second].format(n=4))
    shot(page, f"language_{first}_{second}")


def test_click_on_an_extent_selects_and_never_filters(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, "?lang=en")
    expect_header(page, "4 of 4 datasets")
    paths = frame.locator("path.leaflet-interactive")
    clicked = 0
    for i in range(paths.count()):
        # After a selection the map moves into a narrower column: a new iframe, hidden until
        # its map is ready, framed around the selection (so it may draw fewer shapes). A person
        # clicks what they see, so wait for it and count again.
        settled(page)
        if i >= paths.count():
            break
        paths.nth(i).wait_for(state="visible", timeout=TIMEOUT)
        if not centre_on_the_map(page, paths.nth(i)):
            continue  # outside the view the map framed around the selection: nobody can click it
        paths.nth(i).click(force=True)
        expect_url(page, r"[?&]id=")
        settled(page)  # the map reported the click (if it changed anything) and the app ran for it
        expect_header(page, "4 of 4 datasets")
        expect_url(page, r"[?&]bbox=", present=False)
        expect(page.get_by_role("textbox", name="Area")).to_have_value("")
        clicked += 1
    assert clicked >= 2, clicked
    expect(page.get_by_role("button", name="Open the full page")).to_be_visible()
    shot(page, "click_selects")


def test_resolution_slider_moves_with_keys_drag_and_track(page: Page, atlas: Server) -> None:
    open_app(page, atlas, "?lang=en")
    label = "Spatial resolution (cell size)"
    upper = slider_thumb(page, label, "end")
    upper.focus()
    since = runs(page)
    page.keyboard.press("ArrowLeft")  # 100 km -> 50 km
    expect_url(page, r"[?&]rmax=50000")
    settled(page, since)
    expect(upper).to_have_attribute("aria-valuetext", "50 km")
    since = runs(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # -> 10 km: SMMR (25 km) leaves the result
    expect_url(page, r"[?&]rmax=10000")
    expect_header(page, "3 of 4 datasets")
    settled(page, since)
    expect(upper).to_have_attribute("aria-valuetext", "10 km")
    # Drag the upper thumb with the mouse to about the middle of the track (~250 m).
    track = page.locator("[data-testid='stSlider']").filter(has_text=label).locator("[data-orientation]").nth(1)
    box = track.bounding_box()
    assert box is not None
    thumb_x = box["x"] + box["width"] * 13 / 16  # 10 km is stop 13 of 0..16
    page.mouse.move(thumb_x, box["y"] + box["height"] / 2)
    since = runs(page)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 8.2 / 16, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    expect_url(page, r"[?&]rmax=250\b")
    expect_header(page, "2 of 4 datasets")  # only CALC (10 m) and the hostile 30 m record are finer
    settled(page, since)
    expect(upper).to_have_attribute("aria-valuetext", "250 m")
    shot(page, "resolution_slider")


def test_use_the_current_map_view(page: Page, atlas: Server) -> None:
    open_app(page, atlas, "?lang=en")
    expect_header(page, "4 of 4 datasets")
    since = runs(page)
    page.locator("[data-testid='stCheckbox']").filter(has_text="Use the current map view").click()
    settled(page, since)
    iframe = page.locator(MAP_FRAME).first
    box = iframe.bounding_box()
    assert box is not None
    # Wheel-zoom into South America (left, below the equator on the world view): no seed there.
    page.mouse.move(box["x"] + box["width"] * 0.32, box["y"] + box["height"] * 0.66)
    for _ in range(3):  # three separate zoom steps, each reported to the app and run for
        zoom, since = map_zoom(page), runs(page)
        page.keyboard.down("Control")  # the wheel zooms an unclicked map only with Ctrl
        page.mouse.wheel(0, -120)
        page.keyboard.up("Control")
        page.wait_for_function(f"z => document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom() > z",
                               arg=zoom, timeout=TIMEOUT)
        settled(page, since)
    expect_header(page, "0 of 4 datasets")
    expect_url(page, r"[?&]bbox=")
    expect(page.get_by_role("textbox", name="Area")).not_to_have_value("")
    shot(page, "use_view")


def test_quicklook_switch_off_and_on_again(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, f"?lang=en&id={CALC_ID}")
    overlay = frame.locator("img.leaflet-image-layer")
    overlay.first.wait_for(timeout=TIMEOUT)
    switch = page.locator("[data-testid='stCheckbox']").filter(has_text="Quicklooks on the map")
    switch.click()
    expect_url(page, r"[?&]ql=0")
    expect(overlay).to_have_count(0, timeout=TIMEOUT)
    expect(switch).to_be_visible()  # the way back is still there
    expect(page.locator("[data-testid='stSlider']").filter(has_text="Opacity")).to_be_visible()
    switch.click()
    expect_url(page, r"[?&]ql=0", present=False)
    overlay.first.wait_for(timeout=TIMEOUT)
    shot(page, "quicklook_switch")


def test_filters_survive_the_dataset_view_and_back(page: Page, atlas: Server) -> None:
    open_app(page, atlas, "?lang=en")
    search(page, "Search text (Chinese or English)", "permafrost")
    expect_header(page, "1 of 4 datasets")
    start = slider_thumb(page, "Time range (years)", "start")
    start.focus()
    since = runs(page)
    page.keyboard.press("ArrowRight")
    expect_url(page, r"[?&]from=")
    settled(page, since)
    year = start.get_attribute("aria-valuetext")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.click(force=True)
    expect_url(page, rf"[?&]id={MAGT_ID}")
    page.get_by_role("button", name="Open the full page").click()
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    expect_url(page, r"view=dataset")
    shot(page, "dataset_view")
    page.go_back()  # the browser's Back
    expect_url(page, r"view=dataset", present=False)
    expect_header(page, "1 of 4 datasets")
    expect(page.get_by_role("textbox", name="Search text (Chinese or English)")).to_have_value("permafrost")
    expect(slider_thumb(page, "Time range (years)", "start")).to_have_attribute("aria-valuetext", year or "")
    page.go_forward()
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("Back to browsing").click()
    expect_header(page, "1 of 4 datasets")
    expect(page.get_by_role("textbox", name="Search text (Chinese or English)")).to_have_value("permafrost")
    page.go_back()  # the full page again
    expect_url(page, r"view=dataset")
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    page.go_back()  # Browse as it was before the full page: the dataset still selected
    expect_url(page, rf"[?&]id={MAGT_ID}")
    expect_url(page, r"view=dataset", present=False)
    page.go_back()  # before the selection: the same filters, nothing selected
    expect_url(page, r"[?&]id=", present=False)
    expect_url(page, r"[?&]q=permafrost")
    expect_header(page, "1 of 4 datasets")


def _draw_rectangle(page: Page, frame: FrameLocator, x0: float, y0: float, x1: float, y1: float) -> None:
    """Draw with Leaflet.draw's rectangle tool; coordinates are fractions of the map frame."""
    frame.locator("a.leaflet-draw-draw-rectangle").click()
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y0)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * x1, box["y"] + box["height"] * y1, steps=10)
    page.mouse.up()


def test_drawn_area_filters_and_clear_all_removes_it(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, "?lang=en")
    expect_header(page, "4 of 4 datasets")
    # A box over East Asia on the world view: the China seeds, not the hostile Africa record.
    since = runs(page)
    _draw_rectangle(page, frame, 0.72, 0.30, 0.90, 0.50)
    expect_url(page, r"[?&]bbox=")
    expect(page.get_by_role("textbox", name="Area")).not_to_have_value("")
    settled(page, since)
    outline = page.frame_locator(MAP_FRAME).first.locator("path.atlas-area")
    expect(outline.first).to_be_attached(timeout=TIMEOUT)
    header = page.locator(HEADER).first.inner_text()
    assert "4 of 4" not in header, header
    shot(page, "drawn_area")
    since = runs(page)
    page.get_by_role("button", name="Clear all filters").click()
    expect_header(page, "4 of 4 datasets")
    expect_url(page, r"[?&]bbox=", present=False)
    settled(page, since)
    expect(page.frame_locator(MAP_FRAME).first.locator("path.atlas-area")).to_have_count(0, timeout=TIMEOUT)
    expect(page.frame_locator(MAP_FRAME).first.locator(".leaflet-draw-section ~ path, g path[stroke='#333333']")
           ).to_have_count(0)
    expect(page.get_by_role("textbox", name="Area")).to_have_value("")
    shot(page, "cleared")


def test_typed_area_is_drawn_and_filters(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, "?lang=en")
    search(page, "Area", "170,50,-170,70")  # across the antimeridian: only the Arctic (CALC) reaches it
    expect_header(page, "1 of 4 datasets")
    expect_url(page, r"[?&]bbox=170,50,-170,70")
    expect(frame.locator("path.atlas-area")).to_have_count(2, timeout=TIMEOUT)  # one part each side of 180°
    search(page, "Area", "10,20,30")
    expect(page.get_by_text("four numbers").first).to_be_visible(timeout=TIMEOUT)
    expect_header(page, "4 of 4 datasets")
    expect(page.get_by_role("textbox", name="Area")).to_have_value("10,20,30")


@pytest.mark.parametrize("query", ["?from=9999-12-31", "?from=0001-01-01", "?to=2300-01-01",
                                   "?from=2020-13-45&to=abc&rmax=-5&page=-3&sort=x&view=nope&ql=maybe",
                                   "?from=1990-05-05&to=1980-01-01"])
def test_odd_url_parameters_never_break_the_page(page: Page, atlas: Server, query: str) -> None:
    page.goto(f"{atlas.url}/{query}&lang=en")  # some of these match nothing: no extent to wait for
    expect(page.locator(HEADER).first).to_contain_text("of 4 datasets", timeout=TIMEOUT)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    switch = page.get_by_role("switch", name="Exact dates")  # dates off Jan 1 switch it on by themselves
    settled(page)
    for _ in range(3):  # a click that is lost (no run follows it) is clicked again
        if switch.is_checked():
            break
        since = runs(page)
        page.locator("[data-testid='stCheckbox']").filter(has_text="Exact dates").click()
        try:
            settled(page, since, timeout=20_000)
        except PlaywrightTimeoutError:
            continue
    settled(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.locator("[data-testid='stDateInput']").first).to_be_visible(timeout=TIMEOUT)


def test_hostile_id_in_the_url_is_plain_text(page: Page, atlas: Server) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    hostile = "![i](http://host.invalid/x.png) [phish](https://evil.example/login)"
    page.goto(f"{atlas.url}/?view=dataset&lang=en&id={hostile}")
    expect(page.get_by_text("No dataset with id").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(hostile, exact=False).first).to_be_visible()
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("img[src*='host.invalid']").count() == 0
    assert not [u for u in requests if not u.startswith(atlas.url) and ("host.invalid" in u or "evil.example" in u)]


def test_mobile_gives_the_map_the_width(page: Page, atlas: Server) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_app(page, atlas, f"?lang=en&id={SMMR_ID}")
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None and box["width"] >= 330 and box["height"] >= 400, box
    shot(page, "mobile")
