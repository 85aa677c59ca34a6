"""Colours, labels, tooltips and the legend: all text from catalogs is HTML-escaped here.

A category keeps its colour across catalogs and sessions: the categories of the bilingual
table (normalize/categories.py) have fixed palette entries; any other category takes the
entry a stable hash of its name picks. Pass the categories shown together (e.g.
``catalog.values("category")``) as ``order`` so that no two of them share a colour: a
hashed name whose entry is taken moves to the next free one (names in sorted order, so the
outcome does not depend on ranks), and past the palette a hashed hue is generated.
"""

from __future__ import annotations

import colorsys
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from dataset_atlas.normalize.categories import CATEGORY_LABELS, category_label

Lang = Literal["zh", "en"]

# Okabe-Ito (minus its yellow and black, too faint / too heavy as outlines on the pale
# basemap) followed by Paul Tol's muted indigo and olive, a brown and a near black that
# stay apart from them for common colour-vision deficiencies. None is close to the
# selection colour (#d6005c) or to OTHER_COLOR.
PALETTE: tuple[str, ...] = (
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#56b4e9",  # sky blue
    "#d55e00",  # vermillion
    "#332288",  # indigo
    "#999933",  # olive
    "#8c564b",  # brown
    "#1a1a1a",  # near black
    # Paul Tol's and ColorBrewer entries chosen greedily to stay more than 60 apart (RGB) from
    # each other and the grey/selection colours: every category of the table plus spares.
    "#117733",  # green
    "#44aa99",  # teal
    "#aa4499",  # purple
    "#ddcc77",  # sand
    "#661100",  # dark red
    "#cab2d6",  # pale purple
    "#004488",  # dark blue
    "#997700",  # ochre
    "#4d9221",  # leaf green
    "#a50026",  # crimson
    "#f46d43",  # coral
    "#66bd63",  # light green
    "#40004b",  # aubergine
    "#762a83",  # violet
    "#e31a1c",  # red
)
# Fixed colours of the table's categories (its order: NCDC's own first), never reassigned.
FIXED_COLORS: dict[str, str] = {name: PALETTE[i] for i, name in enumerate(CATEGORY_LABELS)}
OTHER_COLOR = "#8a8a8a"  # kept for callers; categories no longer fall back to it
MIXED_COLOR = "#4d4d4d"  # one outline shared by datasets of several categories
SELECTED_COLOR = "#d6005c"
# Longest title shown in a tooltip: bounds what each extent adds to the page.
MAX_TITLE_CHARS = 120
# Ids longer than this are left out of tooltips (click lookup falls back to the position).
MAX_ID_CHARS = 200

# The recognisable, final part of every extent tooltip: dataset_id_from_click reads it.
ID_OPEN = "\u27e8id:"  # "⟨id:"
ID_CLOSE = "\u27e9"  # "⟩"
CELL_MARK = "\u27e8cell\u27e9"  # "⟨cell⟩": a count cell, not a dataset
# The id travels in a hidden span: in the text streamlit-folium returns, never on screen.
ID_SPAN_START = "<span hidden>"
# Titles listed in the corner box of datasets covering the whole view.
COVER_TITLES = 8

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "approximate": "近似范围",
        "corrected": "已校正范围",
        "point": "点位",
        "selected": "已选中",
        "legend": "类别",
        "cell": "此处 {n} 个数据集：点击放大",
        "shared": "{n} 个数据集范围相同",
        "more": "……另有 {n} 个",
        "click_choose": "点击地图可列出并选择",
        "cover": "{n} 个数据集覆盖整个视图",
        "partial": "{n} 个更大的范围伸入视图",
        "choose": "此处有 {n} 个数据集，选择一个：",
        "choose_more": "按范围从小到大列出前 {shown} 个（共 {n} 个）",
        "choose_none": "（未选择）",
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
        "cell": "{n} datasets here: click to zoom in",
        "shared": "{n} datasets share this extent",
        "more": "… and {n} more",
        "click_choose": "Click the map to list them and choose",
        "cover": "{n} datasets cover this whole view",
        "partial": "{n} larger extents reach into it",
        "choose": "{n} datasets here, choose one:",
        "choose_more": "The first {shown} of {n}, smallest extent first",
        "choose_none": "(none chosen)",
        "untitled": "(untitled)",
        "missing": "{n} datasets have no spatial extent and are not on the map",
        "aggregated": "Too many results ({n}): counts per grid cell are shown",
        # English singulars ("1 datasets" read wrong), picked by label() when n is 1
        "cell_one": "1 dataset here: click to zoom in",
        "cover_one": "1 dataset covers this whole view",
        "partial_one": "1 larger extent reaches into it",
        "missing_one": "1 dataset has no spatial extent and is not on the map",
    },
}


def label(key: str, lang: str, **values: object) -> str:
    """A UI string in ``lang`` (zh or en; anything else falls back to en)."""
    table = LABELS.get(lang, LABELS["en"])
    one = str(values.get("n", "")).strip() == "1" and f"{key}_one" in table
    text = table[f"{key}_one" if one else key]
    return text.format(**values) if values else text


def category_color(category: str, order: Sequence[str] | None = None) -> str:
    """The colour of a category: fixed for the table's categories, else a stable hash of the
    name. With ``order`` (the categories shown together) the colours are all distinct."""
    name = str(category)
    if order is not None:
        found = _assignment(tuple(dict.fromkeys(str(c) for c in order))).get(name)
        if found is not None:
            return found
    return FIXED_COLORS.get(name) or PALETTE[_hash(name) % len(PALETTE)]


def _hash(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "big")


def _hue(name: str, probe: int) -> str:
    # Past the palette: a hashed hue at a fixed, outline-friendly lightness.
    h = ((_hash(name) + probe * 0x9E3779B1) % 3600) / 3600
    r, g, b = colorsys.hls_to_rgb(h, 0.42, 0.65)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


_ASSIGN_CACHE: dict[tuple[str, ...], dict[str, str]] = {}


def _assignment(names: tuple[str, ...]) -> dict[str, str]:
    # One dict per distinct set of names (a catalog has one), so a lookup per extent is O(1).
    found = _ASSIGN_CACHE.get(names)
    if found is not None:
        return found
    taken = {FIXED_COLORS[n] for n in names if n in FIXED_COLORS} | {SELECTED_COLOR, MIXED_COLOR, OTHER_COLOR}
    found = {n: FIXED_COLORS[n] for n in names if n in FIXED_COLORS}
    for name in sorted(n for n in names if n not in FIXED_COLORS):
        start = _hash(name) % len(PALETTE)  # its colour without an order, unless taken
        colour = next((c for c in (PALETTE[(start + i) % len(PALETTE)] for i in range(len(PALETTE)))
                       if c not in taken), None)
        probe = 0
        while colour is None or colour in taken:
            colour, probe = _hue(name, probe), probe + 1
        taken.add(colour)
        found[name] = colour
    if len(_ASSIGN_CACHE) > 8:
        _ASSIGN_CACHE.clear()
    _ASSIGN_CACHE[names] = found
    return found


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

    Its text content (what streamlit-folium returns on a click) ends with ``⟨id:<id>⟩`` in
    a hidden span: the person sees the title only, the server can still tell which dataset
    was clicked, and a hostile title cannot append anything after it.
    """
    shown = _shorten(title, MAX_TITLE_CHARS) if title else label("untitled", lang)
    parts = [f"<b>{html.escape(shown, quote=False)}</b>"]
    if quality in ("approximate", "corrected", "point"):
        parts.append(f'<br><span class="atlas-q">{html.escape(label(quality, lang))}</span>')
    if len(dataset_id) <= MAX_ID_CHARS:
        parts.append(f"{ID_SPAN_START}{ID_OPEN}{html.escape(dataset_id, quote=False)}{ID_CLOSE}</span>")
    return "".join(parts)


def shared_tooltip(count: int, titles: Sequence[str], lang: str) -> str:
    """Tooltip of one outline shared by ``count`` datasets: the count and the first titles."""
    lines = [f"<b>{html.escape(label('shared', lang, n=f'{count:,}'))}</b>"]
    lines += [html.escape(_shorten(t or label("untitled", lang), 80), quote=False) for t in titles]
    if count > len(titles):
        lines.append(html.escape(label("more", lang, n=f"{count - len(titles):,}")))
    lines.append(f'<span class="atlas-q">{html.escape(label("click_choose", lang))}</span>')
    return "<br>".join(lines)


def cover_control_data(
    count: int, titles: Sequence[str], lang: str, partial: int = 0, partial_titles: Sequence[str] = ()
) -> dict[str, Any]:
    """What the map's corner box shows (escaped): the datasets covering the whole view and,
    when many, those much larger than the view that reach into it; first titles of each."""

    def section(key: str, n: int, names: Sequence[str]) -> list[str]:
        if n == 0:
            return []
        # A heading per section only when there are two (the button already says the one).
        out = [f"<b>{html.escape(label(key, lang, n=f'{n:,}'))}</b>"] if count and partial else []
        out += [html.escape(_shorten(t or label("untitled", lang), 90), quote=False) for t in names]
        if n > len(names):
            out.append(html.escape(label("more", lang, n=f"{n - len(names):,}")))
        return out

    heads = [label("cover", lang, n=f"{count:,}")] if count else []
    if partial:
        heads.append(label("partial", lang, n=f"{partial:,}"))
    return {
        "h": html.escape(" · ".join(heads)),
        "l": section("cover", count, titles) + section("partial", partial, partial_titles),
        "f": html.escape(label("click_choose", lang)),
    }


def cell_tooltip(count: int, lang: str) -> str:
    """Tooltip HTML of an aggregated grid cell (only numbers, and a marker for the click)."""
    return f"{html.escape(label('cell', lang, n=f'{count:,}'))}<span hidden>{CELL_MARK}</span>"


def legend_html(
    categories: Iterable[str] | Mapping[str, int], lang: str = "zh", order: Sequence[str] | None = None
) -> str:
    """A small HTML legend (escaped) for the page to show next to the map.

    ``categories`` may be names, or a mapping name -> count (shown in brackets). Also
    explains the dashed outline of approximate extents and the selection colour. Meant
    for ``st.markdown(..., unsafe_allow_html=True)`` or a Streamlit ``st.html``: all
    catalog text in it is escaped.
    """
    counts = dict(categories) if isinstance(categories, Mapping) else None
    names = sorted(dict.fromkeys(str(c) for c in categories))
    if order is not None:
        rank = {c: i for i, c in reversed(list(enumerate(str(c) for c in order)))}
        names.sort(key=lambda c: rank.get(c, len(rank)))  # catalog order, unlisted last
    swatch = (
        '<span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        'vertical-align:-1px;border:2px {style} {color};background:{fill}"></span>'
    )
    rows = []
    for name in names:
        color = category_color(name, order)
        text = html.escape(category_label(name, lang))  # the bilingual table; colours stay keyed by name
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
