"""Write static/fonts/atlas-cjk.woff2: a subset of Noto Sans CJK SC (SIL OFL 1.1) for machines
without a Chinese font (a bare Linux browser draws boxes instead).

The subset holds the 3,755 common characters of GB2312 level 1, CJK punctuation and full-width
forms, and every character of the interface and the seed records. It is renamed "Atlas CJK
Fallback" ("Noto" is Google's trademark; the OFL lets modified fonts be redistributed under
another name). Run on a machine with Debian's fonts-noto-cjk and fonttools + brotli:

    .venv/bin/pip install fonttools brotli && .venv/bin/python scripts/subset_cjk_font.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # Noto Sans CJK SC inside the collection
OUT = ROOT / "static" / "fonts" / "atlas-cjk.woff2"
FAMILY = "Atlas CJK Fallback"


def gb2312_level1() -> str:
    """The 3,755 common hanzi (GB2312 rows 16-55), which GB2312 orders by pinyin."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def project_text() -> str:
    """Every character the interface and the seed records use."""
    sys.path.insert(0, str(ROOT / "src"))
    from dataset_atlas.normalize.categories import CATEGORY_LABELS
    from dataset_atlas.ui import i18n

    parts = [json.dumps([i18n._T, i18n._VALUES, i18n._ACCESS_WORDS, CATEGORY_LABELS], ensure_ascii=False)]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").iterdir())]
    for module in ("controls.py", "browse.py", "pages.py"):
        parts.append((ROOT / "src" / "dataset_atlas" / "ui" / module).read_text(encoding="utf-8"))
    parts.append((ROOT / "src" / "dataset_atlas" / "maps" / "style.py").read_text(encoding="utf-8"))
    return "".join(parts)


def main() -> None:
    """Subset, rename and write the font."""
    wanted = set(gb2312_level1()) | set(project_text())
    wanted |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    wanted = {c for c in wanted if ord(c) >= 0x2E80}  # Latin stays with the page's own font
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False  # web rendering does without; a third of the size
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in sorted(wanted)])
    sub.subset(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 4, 16, 21):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
        elif record.nameID == 3:
            record.string = f"{FAMILY}; subset of Noto Sans CJK SC 2.x"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(OUT))
    covered = len(font.getBestCmap())
    print(f"wrote {OUT.relative_to(ROOT)}: {covered} characters, {OUT.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
