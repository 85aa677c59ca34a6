"""Chinese in code blocks (citations, snippets) renders with the shipped font on a machine with
no CJK font: the monospace stack falls back to it instead of drawing .notdef boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from .conftest import CHROMIUM_ARGS, Server, chromium_path

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SEED = "9c16c02b-ea8b-4f96-9df7-2ee831130842"

# Width of a CJK glyph in the code block's own font stack, in the shipped font alone, and in
# the bare monospace stack (which, on this machine, can only draw the .notdef box).
_WIDTHS = """el => {
  const font = getComputedStyle(el).fontFamily;
  const ctx = document.createElement('canvas').getContext('2d');
  const w = f => { ctx.font = '20px ' + f; return ctx.measureText('冻土').width; };
  return {font, code: w(font), shipped: w("'Atlas CJK Fallback'"), tofu: w('monospace'),
          text: el.innerText};
}"""


def test_chinese_in_code_blocks_uses_the_shipped_font(atlas: Server, browser: Browser, tmp_path: Path) -> None:
    conf = tmp_path / "fonts.conf"  # fontconfig that knows only the Latin fonts
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype</dir><cachedir>{tmp_path}/cache</cachedir></fontconfig>""")
    bare = browser.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                       env={"FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    try:
        page = bare.new_page(viewport={"width": 1300, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
        page.goto(f"{atlas.url}/?view=dataset&id={SEED}&lang=zh")
        expect(page.get_by_text("引用（可复制）")).to_be_visible(timeout=TIMEOUT)
        code = page.locator("pre code").filter(has_text="冻土").first
        code.wait_for(state="visible", timeout=TIMEOUT)
        code.scroll_into_view_if_needed()
        page.evaluate("document.fonts.load(\"20px 'Atlas CJK Fallback'\", '冻土')")
        page.wait_for_function("() => document.fonts.check(\"20px 'Atlas CJK Fallback'\", '冻土')",
                               timeout=TIMEOUT)
        seen = code.evaluate(_WIDTHS)
        page.screenshot(path="/tmp/shots/cjk-code-zh.png", full_page=True)
        assert "Atlas CJK Fallback" in seen["font"], seen
        assert "冻土" in seen["text"]
        assert seen["tofu"] != pytest.approx(seen["shipped"], abs=0.5), seen  # the check can tell them apart
        assert seen["code"] == pytest.approx(seen["shipped"], abs=0.5), seen
        # Every code block on the page uses the stack, not only the first.
        fams = page.eval_on_selector_all("pre code, code", "els => els.map(e => getComputedStyle(e).fontFamily)")
        assert fams and all("Atlas CJK Fallback" in f for f in fams), fams
    finally:
        bare.close()
    assert problems == []
