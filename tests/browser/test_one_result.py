"""Every part of the Browse page comes from one result (issue 22: "the result goes stale").

After "Use the current map view" with fewer datasets in view, the header said "3 of 4" while
the table and the legend still listed 4 until a reload. Here the header's count, the table's
rows and the legend's counts must agree in the same run, with no reload.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import MAP_FRAME, Server, runs, settled
from .test_user_flows import HEADER, TIMEOUT, expect_header, map_zoom, open_app, shot

pytestmark = pytest.mark.browser
TABLE = "[data-testid='stMain'] [data-testid='stDataFrame'] [role='grid']"
LEGEND = "[data-testid='stMain'] [data-testid='stHtml'] li"


def header_count(page: Page) -> int:
    text = page.locator(HEADER).first.inner_text()
    match = re.search(r"(\d+) of \d+ datasets", text)
    assert match, text
    return int(match.group(1))


def table_rows(page: Page) -> int:
    grid = page.locator(TABLE).first
    return int(grid.get_attribute("aria-rowcount") or 0) - 1  # less the header row


def legend_count(page: Page) -> int:
    """The datasets the legend lists: the sum of its "(n)" counts (the outline rows have none)."""
    texts = page.locator(LEGEND).all_inner_texts()
    return sum(int(m.group(1).replace(",", "")) for s in texts if (m := re.search(r"\(([\d,]+)\)\s*$", s)))


@pytest.mark.xfail(strict=True, reason="issue 22, not fixed yet: the last full run stops after the map "
                   "fragment (no rerun follows), so the table and legend keep the previous result")
def test_use_view_updates_header_table_and_legend_together(page: Page, atlas: Server) -> None:
    open_app(page, atlas, "?lang=en")
    expect_header(page, "4 of 4 datasets")
    assert (header_count(page), table_rows(page), legend_count(page)) == (4, 4, 4)
    iframe = page.locator(MAP_FRAME).first
    box = iframe.bounding_box()
    assert box is not None
    # Wheel-zoom towards China (north-east of the world view's centre): the two Chinese seeds
    # and the global one stay in view, the hostile record (10-20°E, 10°S-0°) leaves it.
    page.mouse.move(box["x"] + box["width"] * 0.80, box["y"] + box["height"] * 0.36)
    for _ in range(3):
        zoom, since = map_zoom(page), runs(page)
        page.keyboard.down("Control")  # the wheel zooms an unclicked map only with Ctrl
        page.mouse.wheel(0, -120)
        page.keyboard.up("Control")
        page.wait_for_function(f"z => document.querySelector('{MAP_FRAME}').contentWindow.map.getZoom() > z",
                               arg=zoom, timeout=TIMEOUT)
        settled(page, since)
    since = runs(page)
    page.locator("[data-testid='stCheckbox']").filter(has_text="Use the current map view").click()
    settled(page, since)
    expect(page.locator(HEADER).first).not_to_have_text(re.compile(r"\b4 of 4 datasets"), timeout=TIMEOUT)
    shown = header_count(page)
    assert 0 < shown < 4
    # The same run drew them: no reload, no further wait.
    assert table_rows(page) == shown
    assert legend_count(page) == shown
    expect(page.get_by_role("textbox", name="Area")).not_to_have_value("")
    shot(page, "one_result_use_view")
