"""The dashboard in a real Chromium against a real `streamlit run app.py`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Page, expect

from ..conftest import CALC_ID, MAGT_ID, SMMR_ID
from .conftest import HOSTILE_ID, MAP_FRAME, Server, runs, settled, start_streamlit, stop

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SCREENSHOTS = {"browse": "/tmp/atlas_browse.png", "detail": "/tmp/atlas_detail.png"}


def open_app(page: Page, server: Server, query: str = "") -> FrameLocator:
    page.goto(f"{server.url}/{query}")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=TIMEOUT, state="attached")
    return frame


def count_line(page: Page) -> str:
    locator = page.locator("section[data-testid='stSidebar'] strong").filter(has_text=re.compile(r"\d+ (of|/) \d+"))
    locator.first.wait_for(timeout=TIMEOUT)
    return locator.first.inner_text()


def wait_count(page: Page, expected: str) -> None:
    expect(page.locator("section[data-testid='stSidebar']").get_by_text(expected, exact=True)).to_be_visible(
        timeout=TIMEOUT)


def test_map_draws_every_seed_extent(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas)
    wait_count(page, "4 / 4 个数据集")
    expect(frame.locator("path.leaflet-interactive")).to_have_count(4, timeout=TIMEOUT)  # 3 seeds + hostile
    # The approximate Arctic extent is dashed.
    dashed = frame.locator("path.leaflet-interactive[stroke-dasharray]")
    assert dashed.count() >= 1
    page.screenshot(path=SCREENSHOTS["browse"])


def test_filter_change_changes_the_count_and_the_map(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, "?lang=en")
    wait_count(page, "4 of 4 datasets")
    box = page.get_by_role("textbox", name="Search text (Chinese or English)")
    box.fill("SMMR")
    box.press("Enter")
    wait_count(page, "1 of 4 datasets")
    expect(frame.locator("path.leaflet-interactive")).to_have_count(1, timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]q=SMMR"), timeout=TIMEOUT)


def _path_with_tooltip(frame: FrameLocator, needle: str) -> int | None:
    """The index of the extent whose tooltip holds ``needle``; the pointer is left on it. None
    if there is none."""
    paths = frame.locator("path.leaflet-interactive")
    for i in range(paths.count()):
        try:
            paths.nth(i).hover(force=True, timeout=5_000)
        except PlaywrightError:  # outside the current view (the map frames the selection)
            continue
        tip = frame.locator(".leaflet-tooltip")
        if tip.count() and needle in (tip.last.text_content() or ""):  # the id sits in a hidden span
            return i
    return None


def test_click_on_an_extent_opens_its_detail(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, "?lang=en")
    index = _path_with_tooltip(frame, MAGT_ID)
    assert index is not None, f"no extent has a tooltip containing {MAGT_ID!r}"
    frame.locator("path.leaflet-interactive").nth(index).click(force=True)
    expect(page.get_by_text("1km permafrost ground temperature distribution data", exact=False).first).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_text("11738.11.NCDC.NIEER.DB7285.2026").first).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(f"id={MAGT_ID}"), timeout=TIMEOUT)


def test_url_restores_the_view(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, f"?lang=en&rmax=1000&id={CALC_ID}")
    wait_count(page, "3 of 4 datasets")  # 10 m, 30 m and 1 km kept; 25 km SMMR left out
    expect(page.get_by_text("Circumpolar Arctic Land Cover for circa 2020 (CALC-2020)").first).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    assert frame.locator("path.leaflet-interactive").count() >= 2


def test_language_switch(page: Page, atlas: Server) -> None:
    open_app(page, atlas)
    wait_count(page, "4 / 4 个数据集")
    page.get_by_text("English", exact=True).click()
    wait_count(page, "4 of 4 datasets")
    expect(page.get_by_text("Search text (Chinese or English)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"), timeout=TIMEOUT)


def test_hostile_metadata_does_not_execute(page: Page, atlas: Server) -> None:
    frame = open_app(page, atlas, f"?id={HOSTILE_ID}&lang=zh")
    expect(page.get_by_text("恶意标题").first).to_be_visible(timeout=TIMEOUT)
    # The map frames the selection (its iframe may be new and hidden until ready): wait for it.
    frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=TIMEOUT)
    # Hover its extent (the map draws four one by one): the tooltip, open, is escaped text.
    assert _path_with_tooltip(frame, HOSTILE_ID) is not None, "the hostile extent has no tooltip"
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_text("Hostile title").first).to_be_visible(timeout=TIMEOUT)
    since = runs(page)
    page.get_by_role("button", name="Open the full page").click()  # in-app navigation to the Dataset view
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    # An injected handler would run once its element is in the page (onload) or its image has
    # failed (onerror): wait for the run to end and every image in every frame to be done.
    settled(page, since)
    for f in page.frames:
        f.wait_for_function("() => [...document.images].every(img => img.complete)", timeout=TIMEOUT)
    for f in page.frames:
        assert f.evaluate("() => typeof window.__pwned") == "undefined", f.url
    assert page.locator("a[href^='javascript:']").count() == 0


@pytest.mark.parametrize("record_id", [CALC_ID, MAGT_ID, SMMR_ID])
def test_quicklook_overlay_for_each_seed(page: Page, atlas: Server, record_id: str) -> None:
    frame = open_app(page, atlas, f"?id={record_id}&lang=en")
    overlay = frame.locator("img.leaflet-image-layer")
    overlay.first.wait_for(timeout=TIMEOUT)
    assert overlay.count() >= 1
    expect(page.get_by_text("Synthetic demo data, not real observations").first).to_be_visible(timeout=TIMEOUT)
    if record_id == MAGT_ID:
        page.screenshot(path=SCREENSHOTS["detail"])


def test_dataset_and_catalog_views(page: Page, atlas: Server) -> None:
    open_app(page, atlas, f"?id={SMMR_ID}&lang=en")
    page.get_by_role("button", name="Open the full page").click()
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("车涛").first).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(rf"/\?view=dataset&.*id={SMMR_ID}"), timeout=TIMEOUT)
    page.frame_locator(MAP_FRAME).first.locator("path.leaflet-interactive").first.wait_for(
        timeout=TIMEOUT, state="attached")
    # No filters that would do nothing here (gone once the run that left Browse ends: Streamlit
    # removes a previous page's elements then, which takes a while on a loaded machine).
    expect(page.locator("section[data-testid='stSidebar'] [data-testid='stTextInput']")).to_have_count(
        0, timeout=TIMEOUT)
    expect(page.locator("section[data-testid='stSidebar']")).to_be_hidden()  # not an empty panel either
    page.get_by_role("radio", name="Catalog & ingest").click()
    expect(page.get_by_text("Ingest summary")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Rejected files").first).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"view=catalog"), timeout=TIMEOUT)


@pytest.mark.parametrize("query", [f"?view=dataset&id={MAGT_ID}&lang=en", "?view=catalog&lang=en",
                                   f"?lang=en&q=permafrost&id={MAGT_ID}"])
def test_deep_link_on_a_fresh_server_is_clean(page: Page, atlas: Server, tmp_path: Path, query: str) -> None:
    # Every view lives at "/", so Streamlit's loader never probes /<page>/_stcore/* (404s);
    # the page fixture fails the test on any console error or failed request.
    env = {"DATASET_ATLAS_INDEX": str(atlas.index), "DATASET_ATLAS_DATA_ROOT": str(atlas.data_root)}
    url, proc = start_streamlit(env, tmp_path / "streamlit.log")
    try:
        page.goto(f"{url}/{query}")
        expected = {"view=dataset": "Citation (ready to copy)", "view=catalog": "Ingest summary"}
        text = next((v for k, v in expected.items() if k in query), "1 of 4 datasets")
        expect(page.get_by_text(text).first).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_role("radio", name="Catalog & ingest")).to_be_visible(timeout=TIMEOUT)
        settled(page)  # the run is over: its console errors, however late, are in (the page fixture checks)
    finally:
        page.wait_for_load_state("networkidle")
        page.goto("about:blank")  # leave before the server stops (its reconnect attempts would fail)
        stop(proc)
