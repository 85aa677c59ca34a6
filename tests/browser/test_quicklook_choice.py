"""The file chosen in "File to preview" is the one on the map, in the panel and in the URL.

SMMR has twelve demo files of one grid (two days, two passes, three channels): they share a
footprint, so the map can show only one of them, and it must be the one the person chose.
Driven through the widgets in a real Chromium; screenshots go to /tmp/atlas_quicklook_choice/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from ..conftest import SMMR_ID
from .conftest import MAP_FRAME, Server, runs, settled

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SHOTS = Path("/tmp/atlas_quicklook_choice")
FIRST = "China-EASE-N07-ML1978298A.18H"
OTHER = "China-EASE-N07-ML1978299D.37V"
OTHER_LABEL = "1978-10-26 · descending · 37 GHz V"
CHOOSER = "[data-testid='stSelectbox']"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def overlay(page: Page) -> dict[str, str]:
    """The map's quicklook layer as the browser has it: the image's file (alt) and its pixels (src)."""
    frame = page.frame_locator(MAP_FRAME).first
    img = frame.locator("img.leaflet-image-layer")
    expect(img).to_have_count(1, timeout=TIMEOUT)
    return {"alt": img.get_attribute("alt") or "", "src": img.get_attribute("src") or ""}


def expect_shown(page: Page, name: str) -> None:
    """The map layer and the panel's picture both show ``name``."""
    frame = page.frame_locator(MAP_FRAME).first
    expect(frame.locator("img.leaflet-image-layer")).to_have_attribute(
        "alt", re.compile(re.escape(name) + "$"), timeout=TIMEOUT)
    caption = page.locator("[data-testid='stImageCaption']").first
    expect(caption).to_contain_text(name, timeout=TIMEOUT)


def expect_chosen(page: Page, label: str) -> None:
    """The chooser shows ``label`` (its value is the input's, not text)."""
    box = page.locator(CHOOSER).filter(has_text="File to preview").get_by_role("combobox")
    expect(box).to_have_value(re.compile(re.escape(label)), timeout=TIMEOUT)


def expect_url(page: Page, pattern: str, present: bool = True) -> None:
    page.wait_for_function(
        "([p, present]) => new RegExp(p).test(decodeURIComponent(location.href)) === present",
        arg=[pattern, present], timeout=TIMEOUT)


def select_smmr(page: Page, server: Server) -> FrameLocator:
    """Find SMMR by its name and click its extent on the map, as a person does."""
    page.goto(f"{server.url}/?lang=en")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=TIMEOUT, state="attached")
    box = page.get_by_role("textbox", name="Search text (Chinese or English)")
    box.fill("SMMR")
    box.press("Enter")
    expect(page.locator("[data-testid='stMain'] h3").first).to_contain_text("1 of 4 datasets", timeout=TIMEOUT)
    settled(page)
    frame.locator("path.leaflet-interactive").first.click(force=True)
    expect_url(page, rf"[?&]id={SMMR_ID}")
    return frame


def test_the_chosen_file_is_on_the_map_in_the_panel_and_in_the_url(page: Page, atlas: Server) -> None:
    select_smmr(page, atlas)
    chooser = page.locator(CHOOSER).filter(has_text="File to preview")
    expect_chosen(page, f"1978-10-25 · ascending · 18 GHz H · {FIRST}")
    expect_shown(page, FIRST)
    settled(page)
    before = overlay(page)
    shot(page, "1_first_file")

    since = runs(page)
    chooser.click()
    page.get_by_role("option", name=re.compile(re.escape(OTHER_LABEL))).click()
    settled(page, since)
    expect_url(page, rf"[?&]file={re.escape(OTHER)}")
    expect_chosen(page, f"{OTHER_LABEL} · {OTHER}")
    expect_shown(page, OTHER)
    after = overlay(page)
    assert after["src"] != before["src"], "the map still draws the first file's pixels"
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    shot(page, "2_other_file")

    page.go_back()  # the browser's Back: the first file again, on the map and in the panel
    expect_url(page, r"[?&]file=", present=False)
    expect_url(page, rf"[?&]id={SMMR_ID}")
    expect_shown(page, FIRST)
    expect_chosen(page, f"1978-10-25 · ascending · 18 GHz H · {FIRST}")
    settled(page)
    assert overlay(page)["src"] == before["src"]
    shot(page, "3_back")

    link = f"{atlas.url}/?lang=en&id={SMMR_ID}&file={quote(OTHER)}"
    other_page = page.context.new_page()  # a new session: what a shared link shows
    problems: list[str] = []
    other_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    other_page.on("pageerror", lambda e: problems.append(str(e)))
    other_page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    other_page.goto(link)
    expect_shown(other_page, OTHER)
    expect_chosen(other_page, f"{OTHER_LABEL} · {OTHER}")
    settled(other_page)
    assert overlay(other_page)["src"] == after["src"]
    shot(other_page, "4_deep_link")
    other_page.close()
    assert problems == []


def test_an_unknown_file_in_the_url_shows_the_first_with_a_note(page: Page, atlas: Server) -> None:
    page.goto(f"{atlas.url}/?lang=en&id={SMMR_ID}&file=no-such-file.18H")
    expect_shown(page, FIRST)
    expect(page.get_by_text("no-such-file.18H")).to_be_visible(timeout=TIMEOUT)
    settled(page)
    shot(page, "5_unknown_file")


def test_the_dataset_page_previews_every_file(page: Page, atlas: Server) -> None:
    page.goto(f"{atlas.url}/?lang=en&view=dataset&id={SMMR_ID}")
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    captions = page.locator("[data-testid='stImageCaption']")
    expect(captions).to_have_count(12, timeout=TIMEOUT)
    texts = captions.all_inner_texts()
    assert any(OTHER_LABEL in c and OTHER in c for c in texts), texts
    page.locator("[data-testid='stImage']").last.scroll_into_view_if_needed()
    settled(page)
    shot(page, "6_dataset_page")
