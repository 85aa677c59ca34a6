"""Sidebar widgets <-> :class:`ViewState` <-> the URL.

Widget values live in ``st.session_state`` under the ``w_*`` keys. The state is read from
them *before* the widgets are drawn, so the search can run first and the widgets can show
facet counts for the current result. Map clicks and drawings cannot set a widget that is
already drawn, so they leave a pending update and rerun; it is applied at the top of the
next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import streamlit as st

from dataset_atlas.catalog import SearchResult
from dataset_atlas.catalog.query import SORT_KEYS, parse_bbox
from dataset_atlas.errors import QueryError
from dataset_atlas.ui.i18n import LANG_NAMES, LANGS, category_label, t, value_label
from dataset_atlas.ui.state import (
    BASEMAPS,
    RESOLUTION_STOPS,
    ViewState,
    params_from_state,
    resolution_label,
    state_from_params,
)

_PENDING = "_pending_widgets"
_INIT = "_state_from_url"
_SAVED = "_last_view_state"
_RANGE_KEYS = ("w_res", "w_years")


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple | list) and len(value) == 2


TIME_RESOLUTIONS = ("hourly", "daily", "weekly", "monthly", "yearly", "other", "unknown")
SORT_LABELS = {
    "title": ("标题", "Title"),
    "-start": ("开始时间（新→旧）", "Start (newest first)"),
    "start": ("开始时间（旧→新）", "Start (oldest first)"),
    "resolution": ("分辨率（精→粗）", "Resolution (finest first)"),
    "-resolution": ("分辨率（粗→精）", "Resolution (coarsest first)"),
    "-size": ("数据量（大→小）", "Size (largest first)"),
    "category": ("类别", "Category"),
}


def _url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _snap(value: float | None, default: float) -> float:
    if value is None:
        return default
    return min(RESOLUTION_STOPS, key=lambda stop: abs(stop - value))


def _widgets_from_state(state: ViewState, year_span: tuple[int, int]) -> dict[str, Any]:
    y0, y1 = year_span
    exact = bool(
        (state.start and (state.start.month, state.start.day) != (1, 1))
        or (state.end and (state.end.month, state.end.day) != (12, 31))
    )
    years = (
        max(y0, min(y1, state.start.year)) if state.start else y0,
        max(y0, min(y1, state.end.year)) if state.end else y1,
    )
    return {
        "w_lang": state.lang,
        "w_text": state.text,
        "w_years": (min(years), max(years)),
        "w_exact": exact,
        "w_from": state.start or date(y0, 1, 1),
        "w_to": state.end or date(y1, 12, 31),
        "w_cat": list(state.categories),
        "w_res": (_snap(state.res_min, RESOLUTION_STOPS[0]), _snap(state.res_max, RESOLUTION_STOPS[-1])),
        "w_tres": list(state.time_resolutions),
        "w_access": list(state.access),
        "w_fmt": list(state.formats),
        "w_bbox": ",".join(f"{v:g}" for v in state.bbox) if state.bbox else "",
        "w_sort": state.sort,
        "w_basemap": state.basemap,
        "sel": state.selected,
        "page": state.page,
        "w_overlay": state.overlay,
        "w_opacity": state.opacity,
    }


def set_pending(**widgets: Any) -> None:
    """Ask for widget values to change on the next run (then call ``st.rerun()``)."""
    st.session_state.setdefault(_PENDING, {}).update(widgets)


def current_state(year_span: tuple[int, int]) -> ViewState:
    """The view state: from the URL on a session's first run, then from the widgets."""
    ss = st.session_state
    if not ss.get(_INIT):
        for key, value in _widgets_from_state(state_from_params(_url_params()), year_span).items():
            ss[key] = value
        ss[_INIT] = True
    elif _SAVED in ss:
        # Streamlit drops the state of widgets that the previous page did not draw (a page
        # switch): restore them from the last view so filters survive navigation.
        for key, value in _widgets_from_state(ss[_SAVED], year_span).items():
            if key not in ss or (key in _RANGE_KEYS and not _is_range(ss[key])):
                ss[key] = value
    for key, value in ss.pop(_PENDING, {}).items():
        ss[key] = value
    state = _state_from_widgets(year_span)
    ss[_SAVED] = state
    return state


def _state_from_widgets(year_span: tuple[int, int]) -> ViewState:
    ss = st.session_state
    y0, y1 = year_span
    start: date | None
    end: date | None
    if ss.get("w_exact"):
        start, end = ss.get("w_from"), ss.get("w_to")
    else:
        years: Any = ss.get("w_years")
        first, last = years if _is_range(years) else (y0, y1)
        start = date(first, 1, 1) if first > y0 else None
        end = date(last, 12, 31) if last < y1 else None
    res: Any = ss.get("w_res")
    lo, hi = res if _is_range(res) else (RESOLUTION_STOPS[0], RESOLUTION_STOPS[-1])
    try:
        bbox = parse_bbox(ss["w_bbox"]) if ss.get("w_bbox", "").strip() else None
    except QueryError:
        bbox = None  # the area box shows its own error message
    return ViewState(
        lang=ss.get("w_lang") or "zh",
        text=ss.get("w_text", ""),
        start=start,
        end=end,
        categories=tuple(ss.get("w_cat", ())),
        res_min=None if lo <= RESOLUTION_STOPS[0] else float(lo),
        res_max=None if hi >= RESOLUTION_STOPS[-1] else float(hi),
        time_resolutions=tuple(ss.get("w_tres", ())),
        access=tuple(ss.get("w_access", ())),
        formats=tuple(ss.get("w_fmt", ())),
        bbox=bbox,
        selected=ss.get("sel"),
        sort=ss.get("w_sort", "title"),
        basemap=ss.get("w_basemap", "offline"),
        page=int(ss.get("page", 1)),
        overlay=bool(ss.get("w_overlay", True)),
        opacity=float(ss.get("w_opacity", 0.75)),
    )


def write_url(state: ViewState) -> None:
    """Make the address bar reproduce ``state`` (only when it changed)."""
    params = params_from_state(state)
    if params != {k: (v if len(v) > 1 or k in _LIST_KEYS else v[0]) for k, v in _url_params().items()}:
        st.query_params.from_dict(params)


_LIST_KEYS = {"cat", "tres", "access", "fmt"}


def _clear_filters() -> None:
    ss = st.session_state
    year_span = ss.get("_year_span", (1900, 2100))
    keep = {"w_lang": ss.get("w_lang"), "w_basemap": ss.get("w_basemap"), "w_sort": ss.get("w_sort")}
    cleared = _widgets_from_state(ViewState(), year_span)
    for key, value in cleared.items():
        ss[key] = value
    ss.update({k: v for k, v in keep.items() if v is not None})


def _with_counts(
    counts: Mapping[str, int], lang: str, label: Callable[[str, str], str] | None = None
) -> Callable[[str], str]:
    def fmt(value: str) -> str:
        shown = label(value, lang) if label else (value or t("unknown", lang))
        return f"{shown} ({counts.get(value, 0):,})"

    return fmt


def _options(all_values: list[str], counts: Mapping[str, int], chosen: list[str]) -> list[str]:
    """Values with matches first (by count), then the rest; chosen ones always kept."""
    present = [v for v in counts if v]
    rest = [v for v in all_values if v not in counts]
    return list(dict.fromkeys([*present, *rest, *chosen]))


def facet_select(label_key: str, facet: str, vocabulary: list[str], key: str, result: SearchResult, lang: str,
                 label: Callable[[str, str], str] | None = None) -> None:
    """A multiselect over a facet's values, each with its count given the other filters."""
    counts = result.facets[facet]
    st.multiselect(t(label_key, lang), _options(vocabulary, counts, st.session_state.get(key, [])), key=key,
                   placeholder=t("any", lang), format_func=_with_counts(counts, lang, label))


def render_sidebar(
    state: ViewState, result: SearchResult, catalog_values: Mapping[str, list[str]], year_span: tuple[int, int]
) -> None:
    """Draw the language switch and every filter, with facet counts from ``result``."""
    lang = state.lang
    ss = st.session_state
    ss["_year_span"] = year_span
    with st.sidebar:
        st.radio(
            t("language", lang), options=list(LANGS), format_func=lambda k: LANG_NAMES[k], key="w_lang", horizontal=True
        )
        st.markdown(f"**{t('n_of_m', lang, n=f'{result.matched:,}', m=f'{result.total:,}')}**")
        st.button(
            t("clear", lang), on_click=_clear_filters, disabled=not state.filtered, width="stretch", key="w_clear"
        )
        st.text_input(t("text", lang), key="w_text", help=t("text_help", lang), placeholder="冻土 / permafrost")
        y0, y1 = year_span
        if not ss.get("w_exact"):
            if y0 < y1:
                st.slider(t("time", lang), min_value=y0, max_value=y1, key="w_years")
        else:
            c1, c2 = st.columns(2)
            c1.date_input(t("from", lang), key="w_from", min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))
            c2.date_input(t("to", lang), key="w_to", min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))
        st.toggle(t("exact_dates", lang), key="w_exact")
        facet_select("category", "category", catalog_values["category"], "w_cat", result, lang, category_label)
        st.select_slider(
            t("resolution", lang),
            options=list(RESOLUTION_STOPS),
            key="w_res",
            format_func=resolution_label,
            help=t("resolution_help", lang),
        )
        facet_select("time_resolution", "time_resolution", list(TIME_RESOLUTIONS), "w_tres", result, lang,
                     value_label)
        facet_select("access", "access", catalog_values["access"], "w_access", result, lang, value_label)
        facet_select("format", "formats", catalog_values["formats"], "w_fmt", result, lang)
        st.text_input(t("area", lang), key="w_bbox", help=t("area_help", lang), placeholder="73.5,18,135.1,53.6")
        if ss.get("w_bbox", "").strip():
            try:
                parse_bbox(ss["w_bbox"])
            except QueryError as exc:
                st.error(str(exc))
        st.checkbox(t("use_view", lang), key="w_use_view")
        st.divider()
        st.selectbox(
            t("sort", lang),
            options=[k for k in SORT_LABELS if k in SORT_KEYS],
            key="w_sort",
            format_func=lambda k: SORT_LABELS[k][1 if lang == "en" else 0],
        )
        st.selectbox(
            t("basemap", lang), options=list(BASEMAPS), key="w_basemap", format_func=lambda k: t(f"basemap_{k}", lang)
        )
