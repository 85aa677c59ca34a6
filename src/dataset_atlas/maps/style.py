"""Colours, labels, tooltips and the legend: all text from catalogs is HTML-escaped here.

Categories come from the data, so a colour is derived from the category name itself
(a stable hash into a fixed palette): the same category keeps its colour whatever the
filters, the page and the process.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping
from typing import Literal

Lang = Literal["zh", "en"]

# Colour-blind-aware qualitative colours (Tableau 10 + a darker second row), all readable
# as thin outlines on the pale land and ocean of the offline basemap. None is close to the
# selection colour (#d6005c).
PALETTE: tuple[str, ...] = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#e15759",
    "#17becf",
    "#8c6d31",
    "#1f5f9e",
    "#b8590f",
    "#2f7d32",
    "#7a4f9a",
    "#3f8f8a",
    "#a88a12",
    "#6b4a35",
    "#5d6d7e",
)
SELECTED_COLOR = "#d6005c"
# Longest title shown in a tooltip: bounds what each extent adds to the page.
MAX_TITLE_CHARS = 120
# Ids longer than this are left out of tooltips (click lookup falls back to the position).
MAX_ID_CHARS = 200

# The recognisable, final part of every extent tooltip: dataset_id_from_click reads it.
ID_OPEN = "\u27e8id:"  # "⟨id:"
ID_CLOSE = "\u27e9"  # "⟩"
CELL_MARK = "\u27e8cell\u27e9"  # "⟨cell⟩": a count cell, not a dataset

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "approximate": "近似范围",
        "corrected": "已校正范围",
        "point": "点位",
        "selected": "已选中",
        "legend": "类别",
        "cell": "此格内 {n} 个数据集：缩小筛选范围或放大地图以查看各自范围",
        "untitled": "（无标题）",
        "missing": "{n} 个数据集没有空间范围，未显示在地图上",
        "aggregated": "结果过多（{n}），按网格显示数量",
    },
    "en": {
        "approximate": "approximate extent",
        "corrected": "corrected extent",
        "point": "point location",
        "selected": "selected",
        "legend": "Categories",
        "cell": "{n} datasets in this cell: narrow the filters or zoom in to see each extent",
        "untitled": "(untitled)",
        "missing": "{n} datasets have no spatial extent and are not on the map",
        "aggregated": "Too many results ({n}): counts per grid cell are shown",
    },
}


def label(key: str, lang: str, **values: object) -> str:
    """A UI string in ``lang`` (zh or en; anything else falls back to en)."""
    text = LABELS.get(lang, LABELS["en"])[key]
    return text.format(**values) if values else text


def category_color(category: str) -> str:
    """Stable colour for a category name (same name, same colour, in every process)."""
    digest = hashlib.blake2b(str(category).encode("utf-8"), digest_size=4).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def pick_title(title_zh: object, title_en: object, lang: str) -> str:
    """The title in ``lang``, falling back to the other language; '' when both are empty."""
    first, second = (title_zh, title_en) if lang == "zh" else (title_en, title_zh)
    for value in (first, second):
        if isinstance(value, str) and value.strip():
            return value
    return ""


def extent_tooltip(dataset_id: str, title: str, quality: str, lang: str) -> str:
    """Tooltip HTML for one extent; every piece of catalog text is escaped.

    It always ends with ``⟨id:<id>⟩`` (its text content, after streamlit-folium strips the
    tags), so the server can tell which dataset was clicked; a hostile title cannot append
    anything after it.
    """
    shown = _shorten(title, MAX_TITLE_CHARS) if title else label("untitled", lang)
    parts = [f"<b>{html.escape(shown, quote=False)}</b>"]
    if quality in ("approximate", "corrected", "point"):
        parts.append(f'<br><span class="atlas-q">{html.escape(label(quality, lang))}</span>')
    if len(dataset_id) <= MAX_ID_CHARS:
        parts.append(f'<br><span class="atlas-id">{ID_OPEN}{html.escape(dataset_id, quote=False)}{ID_CLOSE}</span>')
    return "".join(parts)


def cell_tooltip(count: int, lang: str) -> str:
    """Tooltip HTML of an aggregated grid cell (only numbers, and a marker for the click)."""
    return f"{html.escape(label('cell', lang, n=f'{count:,}'))}<span hidden>{CELL_MARK}</span>"


def legend_html(categories: Iterable[str] | Mapping[str, int], lang: str = "zh") -> str:
    """A small HTML legend (escaped) for the page to show next to the map.

    ``categories`` may be names, or a mapping name -> count (shown in brackets). Also
    explains the dashed outline of approximate extents and the selection colour. Meant
    for ``st.markdown(..., unsafe_allow_html=True)`` or a Streamlit ``st.html``: all
    catalog text in it is escaped.
    """
    counts = dict(categories) if isinstance(categories, Mapping) else None
    names = sorted(dict.fromkeys(str(c) for c in categories))
    swatch = (
        '<span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        'vertical-align:-1px;border:2px {style} {color};background:{fill}"></span>'
    )
    rows = []
    for name in names:
        color = category_color(name)
        text = html.escape(name)
        if counts is not None:
            text += f" ({int(counts[name]):,})"
        rows.append("<li>" + swatch.format(style="solid", color=color, fill=color + "33") + text + "</li>")
    rows.append(
        "<li>"
        + swatch.format(style="dashed", color="#666666", fill="transparent")
        + html.escape(label("approximate", lang))
        + "</li>"
    )
    rows.append(
        "<li>"
        + swatch.format(style="solid", color=SELECTED_COLOR, fill=SELECTED_COLOR + "26")
        + html.escape(label("selected", lang))
        + "</li>"
    )
    return (
        '<div class="atlas-legend" style="font-size:0.85rem;line-height:1.5">'
        f"<strong>{html.escape(label('legend', lang))}</strong>"
        '<ul style="list-style:none;padding-left:0;margin:0.25rem 0">' + "".join(rows) + "</ul></div>"
    )
