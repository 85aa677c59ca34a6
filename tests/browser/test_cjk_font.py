"""Chinese renders without tofu in a browser that has no CJK font: the app serves its own subset."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from .conftest import CHROMIUM_ARGS, MAP_FRAME, Server, chromium_path

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
FONT_URL = "/app/static/fonts/atlas-cjk.woff2"


def test_chinese_uses_the_bundled_font_when_the_machine_has_none(atlas: Server, browser: Browser,
                                                                 tmp_path: Path) -> None:
    # fontconfig that knows only the Latin fonts: the bare Linux machine the issue describes
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype</dir><cachedir>{tmp_path}/cache</cachedir></fontconfig>""")
    # a second Chromium from the session's Playwright (one sync Playwright per thread), own fonts
    bare = browser.browser_type.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                       env={"FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    try:
        page = bare.new_page(viewport={"width": 1300, "height": 900})
        problems: list[str] = []
        fonts: list[tuple[int, str]] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
        page.on("response", lambda r: fonts.append((r.status, r.url)) if r.url.endswith(".woff2") else None)
        page.goto(f"{atlas.url}/?view=dataset&id=9c16c02b-ea8b-4f96-9df7-2ee831130842&lang=zh")
        expect(page.get_by_text("引用（可复制）")).to_be_visible(timeout=TIMEOUT)
        page.wait_for_function(
            "() => [...document.fonts].some(f => f.family.includes('Atlas CJK Fallback') && f.status === 'loaded')",
            timeout=TIMEOUT)
        assert (200, f"{atlas.url}{FONT_URL}") in fonts
        assert "Atlas CJK Fallback" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert page.evaluate("document.fonts.check(\"16px 'Atlas CJK Fallback'\", '冻土地温')")
        page.screenshot(path=str(tmp_path / "no-cjk-font.png"))
        # Inside the map's iframe too (tooltips, the corner list): its own stylesheet declares it.
        page = bare.new_page(viewport={"width": 1300, "height": 900})  # the first stays as it is
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
        page.goto(f"{atlas.url}/?lang=zh")
        map_frame = page.frame_locator(MAP_FRAME).first
        map_frame.locator("path.leaflet-interactive").first.wait_for(state="visible", timeout=TIMEOUT)
        frame = next(f for f in page.frames if "streamlit_folium" in f.url)
        assert "Atlas CJK Fallback" in frame.evaluate(
            "getComputedStyle(document.querySelector('.leaflet-container')).fontFamily")
        assert frame.evaluate("document.fonts.load(\"12px 'Atlas CJK Fallback'\", '冻土').then(f => f.length)") == 1
        assert frame.evaluate("document.fonts.check(\"12px 'Atlas CJK Fallback'\", '冻土')")
    finally:
        bare.close()
    assert problems == []


def test_font_subset_is_licensed_and_small() -> None:
    static = Path(__file__).resolve().parents[2] / "static" / "fonts"
    licence = (static / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Atlas CJK Fallback" in licence
    assert 200_000 < (static / "atlas-cjk.woff2").stat().st_size < 1_500_000


def test_font_subset_covers_every_interface_character() -> None:
    import json

    from fontTools.ttLib import TTFont

    from dataset_atlas.normalize.categories import CATEGORY_LABELS
    from dataset_atlas.ui import i18n

    static = Path(__file__).resolve().parents[2] / "static" / "fonts"
    cmap = TTFont(str(static / "atlas-cjk.woff2")).getBestCmap()
    text = json.dumps([i18n._T, i18n._VALUES, i18n._ACCESS_WORDS, CATEGORY_LABELS], ensure_ascii=False)
    missing = sorted({c for c in text if ord(c) >= 0x2E80 and ord(c) not in cmap})
    assert missing == [], "run scripts/subset_cjk_font.py: " + "".join(missing)
