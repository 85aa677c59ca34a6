"""URL parameters the app cannot use are named in a note in the page's language, not dropped silently."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Server

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


@pytest.mark.parametrize(("lang", "words"), [("en", "Link parameters that cannot be used were ignored"),
                                             ("zh", "链接中的参数无法使用")])
def test_unusable_url_params_are_named(atlas: Server, page: Page, lang: str, words: str) -> None:
    page.goto(f"{atlas.url}/?lang={lang}&rmax=-1&from=99999&q=ice")
    note = page.get_by_text(words)
    expect(note).to_be_visible(timeout=TIMEOUT)
    expect(note).to_contain_text("rmax=-1")
    expect(note).to_contain_text("from=99999")
    page.screenshot(path=f"/tmp/shots/url-note-{lang}.png")
    # A clean link shows no note.
    page.goto(f"{atlas.url}/?lang={lang}&rmax=1000")
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(words)).to_have_count(0)
