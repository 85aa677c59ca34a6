"""A search typed in one language also finds the other's records, and the page says so.

Typed into the search box like a person, in a real Chromium: the header's "N of M" counts the
records found through the glossary's translations, and the note beside it names them, in
English and in Chinese. Screenshots go to /tmp/atlas_glossary/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import Server, runs, settled

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SHOTS = Path("/tmp/atlas_glossary")
HEADER = "[data-testid='stMain'] h3"
NOTE = "[data-testid='stMain'] [data-testid='stCaptionContainer']"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def type_query(page: Page, label: str, text: str) -> None:
    before = runs(page)
    box = page.get_by_role("textbox", name=label)
    box.click()
    box.fill("")
    box.press_sequentially(text, delay=30)
    box.press("Enter")
    settled(page, since=before)


def test_a_query_names_the_translations_it_also_searched_in_both_languages(page: Page, atlas: Server) -> None:
    from dataset_atlas.catalog import LocalCatalog, Query

    from ..conftest import SEEDS

    expected = LocalCatalog.from_paths([SEEDS]).search(Query(text="permafrost"))
    assert expected.expanded == ("冻土", "多年冻土")
    page.goto(f"{atlas.url}/?lang=en")
    settled(page)
    expect(page.locator(NOTE).filter(has_text="Also searched")).to_have_count(0)
    type_query(page, "Search text (Chinese or English)", "permafrost")
    header = page.locator(HEADER).first
    expect(header).to_contain_text(re.compile(rf"{expected.matched} of \d+ datasets"), timeout=TIMEOUT)
    expect(page.locator(NOTE).filter(has_text="Also searched: 冻土, 多年冻土")).to_be_visible(timeout=TIMEOUT)
    shot(page, "en")

    before = runs(page)
    page.get_by_text("中文", exact=True).click()
    settled(page, since=before)
    expect(header).to_contain_text(re.compile(rf"{expected.matched} / \d+ 个数据集"), timeout=TIMEOUT)
    expect(page.locator(NOTE).filter(has_text="同时搜索了：冻土, 多年冻土")).to_be_visible(timeout=TIMEOUT)
    shot(page, "zh")

    # a Chinese query names its English translations; a word outside the glossary names none
    type_query(page, "关键词（中文或英文）", "冻土")
    expect(page.locator(NOTE).filter(has_text="同时搜索了：permafrost")).to_be_visible(timeout=TIMEOUT)
    type_query(page, "关键词（中文或英文）", "zzqx")
    expect(page.locator(NOTE).filter(has_text="同时搜索了")).to_have_count(0, timeout=TIMEOUT)
