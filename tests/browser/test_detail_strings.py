"""The dataset page in both languages: CALC-2020's legend classes and the data-file table's words."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ..conftest import CALC_ID
from .conftest import Server

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


@pytest.mark.parametrize(("lang", "cls", "header"),
                         [("zh", "禾本科苔原", "文件名"), ("en", "Graminoid tundra", "File name")])
def test_calc_legend_and_file_table_in_the_page_language(atlas: Server, page: Page, lang: str, cls: str,
                                                        header: str) -> None:
    page.goto(f"{atlas.url}/?view=dataset&id={CALC_ID}&lang={lang}")
    legend = page.locator(".atlas-legend").first
    expect(legend).to_be_visible(timeout=TIMEOUT)
    expect(legend).to_contain_text(cls)
    if lang == "zh":
        expect(legend).not_to_contain_text("Graminoid tundra")
    expect(page.get_by_text(header, exact=True).first).to_be_attached(timeout=TIMEOUT)
    page.screenshot(path=f"/tmp/shots/calc-{lang}.png", full_page=True)
