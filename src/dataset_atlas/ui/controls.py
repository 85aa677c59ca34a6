"""Sidebar widgets <-> :class:`ViewState` <-> the URL.

One canonical :class:`ViewState` per session (``_view``) is the truth; widgets only edit it.
Each run:

1. If the address bar differs from what this session last wrote (a deep link, Back/Forward,
   an edited URL) and no widget changed, the URL wins. Otherwise the widget values the
   browser sent win, and map events (a click, a drawn box) arrive as pending field updates.
2. Widget session values are then set again from the state, *before* the widgets are drawn:
   those that differ, and all of them when the language or the view changed. Streamlit keeps
   a keyed widget's value on the browser side as its formatted label; labels change with the
   language and with facet counts (those widgets are set every run), and a stale label comes
   back as a value that no longer exists (``sort '标题'``).
3. The URL is written at once (see :func:`write_url`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import streamlit as st

from dataset_atlas.catalog import SearchResult
from dataset_atlas.catalog.query import SORT_KEYS, parse_bbox
from dataset_atlas.errors import QueryError
from dataset_atlas.model import TimeResolution
from dataset_atlas.ui.i18n import LANG_NAMES, LANGS, category_label, format_label, t, value_label
from dataset_atlas.ui.state import (
    BASEMAPS,
    PROJECTIONS,
    RESOLUTION_STOPS,
    VIEWS,
    ViewState,
    params_from_state,
    rejected_params,
    resolution_label,
    state_from_params,
)

_VIEW = "_view"  # the canonical ViewState
_URL_SEEN = "_url_seen"  # the query string this session last wrote (normalised)
_SHOWN = "_widgets_shown"  # the widget values the last run set (to tell a user's change)
_PENDING = "_pending_fields"  # ViewState fields to change on the next run (map events)
_BAD_BBOX = "_bbox_typed_invalid"  # area text that does not parse (kept in the box, not applied)
_COUNTED = ("w_cat", "w_tres", "w_access", "w_fmt")  # multiselects whose labels carry counts
_SELECT = "sel"  # a dataset chosen by a click, a row or a chooser (applied on the next run)

TIME_RESOLUTIONS = tuple(t.value for t in TimeResolution)  # the vocabulary's order: hourly … unknown
SORT_LABELS = {
    "relevance": ("相关度", "Relevance"),
    "title": ("标题", "Title"),
    "-start": ("开始时间（新→旧）", "Start (newest first)"),
    "start": ("开始时间（旧→新）", "Start (oldest first)"),
    "resolution": ("分辨率（精→粗）", "Resolution (finest first)"),
    "-resolution": ("分辨率（粗→精）", "Resolution (coarsest first)"),
    "-size": ("数据量（大→小）", "Size (largest first)"),
    "category": ("类别", "Category"),
}
FULL_RESOLUTION = (RESOLUTION_STOPS[0], RESOLUTION_STOPS[-1])


def _is_range(value: Any) -> bool:
    return isinstance(value, tuple | list) and len(value) == 2


def _normalised(params: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in params.items()}


def _url_now() -> dict[str, tuple[str, ...]]:
    return {key: tuple(st.query_params.get_all(key)) for key in st.query_params}


def _snap(value: float | None, default: float) -> float:
    if value is None:
        return default
    return min(RESOLUTION_STOPS, key=lambda stop: abs(stop - value))


def date_bounds(year_span: tuple[int, int]) -> tuple[date, date]:
    """What the exact-date inputs accept: the catalog's own years."""
    y0, y1 = year_span
    return date(max(1, y0), 1, 1), date(min(9999, y1), 12, 31)


def _clamp(value: date, lo: date, hi: date) -> date:
    return min(max(value, lo), hi)


def _widgets_from_state(state: ViewState, year_span: tuple[int, int]) -> dict[str, Any]:
    y0, y1 = year_span
    lo, hi = date_bounds(year_span)
    exact = state.exact_dates or bool(
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
        "w_from": _clamp(state.start or lo, lo, hi),
        "w_to": _clamp(state.end or hi, lo, hi),
        "w_cat": list(state.categories),
        "w_res": (_snap(state.res_min, FULL_RESOLUTION[0]), _snap(state.res_max, FULL_RESOLUTION[1])),
        "w_tres": list(state.time_resolutions),
        "w_access": list(state.access),
        "w_fmt": list(state.formats),
        "w_bbox": ",".join(f"{v:g}" for v in state.bbox) if state.bbox else "",
        "w_sort": state.sort,
        "w_basemap": state.basemap,
        "w_proj": state.proj,
        "page": state.page,
        "w_overlay": state.overlay,
        "w_opacity": state.opacity,
        "w_view": state.view,
    }


def set_pending(**fields: Any) -> None:
    """Ask for view-state fields to change on the next run (then call ``st.rerun()``)."""
    st.session_state.setdefault(_PENDING, {}).update(fields)


def select(record_id: str | None) -> None:
    """Select a dataset (or none) and rerun; another dataset starts on its first file."""
    current = st.session_state.get(_VIEW)
    if current is not None and current.selected == record_id:
        set_pending(selected=record_id)
    else:
        set_pending(selected=record_id, file=None)
    st.rerun()


def _url_wins() -> bool:
    """Whether this run takes its state from the address bar rather than from the widgets.

    The URL wins when it differs from what this session last wrote (a deep link, Back or
    Forward, an edited URL), unless a widget changed too. Every rerun request carries the
    browser's URL: a quick second click can be sent before the URL written for the first one
    arrived, and that stale URL must not undo the click.
    """
    ss = st.session_state
    if _VIEW not in ss:
        return True
    if _url_now() == ss.get(_URL_SEEN):
        return False
    shown = ss.get(_SHOWN, {})
    return not any(key in ss and _comparable(ss[key]) != _comparable(value) for key, value in shown.items())


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def current_view() -> str:
    """The view to render this run (app.py routes on it before the page runs)."""
    ss = st.session_state
    pending = ss.get(_PENDING, {}).get("view")
    if pending in VIEWS:
        return str(pending)
    if _url_wins():
        return state_from_params(_url_now()).view
    widget = ss.get("w_view")
    return widget if widget in VIEWS else ss[_VIEW].view


_REJECTED = "_atlas_url_rejected"  # ("rmax=-1, from=99999", the state parsed from that URL)


def _rejected_note(state: ViewState) -> None:
    # Name the URL keys that were dropped, until the person changes the view themselves.
    found = st.session_state.get(_REJECTED)
    if not found:
        return
    keys, parsed = found
    if dataclasses.replace(state, lang=parsed.lang, page=parsed.page) != parsed:
        st.session_state[_REJECTED] = None
        return
    st.caption(t("url_rejected", state.lang, keys=keys))


def current_state(year_span: tuple[int, int]) -> ViewState:
    """The view state for this run (see the module doc), with every widget set to show it."""
    ss = st.session_state
    if _url_wins():
        url = _url_now()
        state = state_from_params(url)
        rejected = [f"{k}={url[k][-1]}" for k in rejected_params(url)]
        ss[_REJECTED] = (", ".join(rejected), state) if rejected else None
    else:
        state = _state_from_widgets(ss[_VIEW], year_span)
    _rejected_note(state)
    pending = dict(ss.pop(_PENDING, {}))
    if _SELECT in ss:
        pending.setdefault("selected", ss.pop(_SELECT) or None)
    if pending:
        state = dataclasses.replace(state, **pending)
    if state.page < 1:
        state = dataclasses.replace(state, page=1)
    # A new language relabels every widget. A new view is another page script, and Streamlit
    # keys a widget's identity by page: the top bar's language radio there would start from its
    # default (中文) and send it back on the next click, unless every value is set again.
    relabel = _VIEW not in ss or ss[_VIEW].lang != state.lang or ss[_VIEW].view != state.view
    ss[_VIEW] = state
    shown = _widgets_from_state(state, year_span)
    bad_bbox = ss.pop(_BAD_BBOX, None)
    if bad_bbox and state.bbox is None:
        shown["w_bbox"] = bad_bbox
    for key, value in shown.items():
        # Set only what must change: a value set here overrides one the person may be
        # changing right now. Labels change with the language, facet labels with the counts.
        if relabel or key in _COUNTED or key not in ss or ss[key] != value:
            ss[key] = value
    ss[_SHOWN] = shown
    # The address bar follows at once, not at the end of the page: a run cut short (a newer
    # click, a map event) must not leave the URL behind the state, or the next Back/Forward
    # would compare against a stale "last written" URL and be taken for no change.
    write_url(state)
    return state


def _widget(key: str, fallback: Any) -> Any:
    return st.session_state[key] if key in st.session_state else fallback


def _state_from_widgets(previous: ViewState, year_span: tuple[int, int]) -> ViewState:
    """``previous`` with whatever the user changed in the widgets since the last run."""
    shown = _widgets_from_state(previous, year_span)
    changed = {key: _widget(key, value) for key, value in shown.items()}
    changed = {key: value for key, value in changed.items() if value != shown[key]}
    if not changed:
        return previous
    y0, y1 = year_span
    fields: dict[str, Any] = {}
    if "w_lang" in changed and changed["w_lang"] in LANGS:
        fields["lang"] = changed["w_lang"]
    if "w_view" in changed and changed["w_view"] in VIEWS:
        fields["view"] = changed["w_view"]
    if "w_text" in changed:
        fields["text"] = str(changed["w_text"] or "")[:500]
    exact = bool(_widget("w_exact", shown["w_exact"]))
    if "w_exact" in changed:
        fields["exact_dates"] = exact
    if exact and {"w_from", "w_to"} & changed.keys():
        start, end = _widget("w_from", shown["w_from"]), _widget("w_to", shown["w_to"])
        if isinstance(start, date) and isinstance(end, date):
            start, end = min(start, end), max(start, end)
            lo, hi = date_bounds(year_span)
            fields["start"] = None if start <= lo else start  # the catalog's own ends mean "open"
            fields["end"] = None if end >= hi else end
    elif not exact and {"w_years", "w_exact"} & changed.keys():
        years = _widget("w_years", shown["w_years"])
        first, last = years if _is_range(years) else (y0, y1)
        fields["start"] = date(first, 1, 1) if first > y0 else None
        fields["end"] = date(last, 12, 31) if last < y1 else None
    for key, name in (("w_cat", "categories"), ("w_tres", "time_resolutions"), ("w_access", "access"),
                      ("w_fmt", "formats")):
        if key in changed:
            fields[name] = tuple(str(v) for v in changed[key] or ())
    if "w_res" in changed and _is_range(changed["w_res"]):
        lo, hi = sorted(changed["w_res"])
        fields["res_min"] = None if lo <= FULL_RESOLUTION[0] else float(lo)
        fields["res_max"] = None if hi >= FULL_RESOLUTION[1] else float(hi)
    if "w_bbox" in changed:
        text = str(changed["w_bbox"] or "").strip()
        try:
            fields["bbox"] = parse_bbox(text) if text else None
        except QueryError:
            # No area filter, but the box keeps what was typed and shows why it is invalid.
            fields["bbox"] = None
            st.session_state[_BAD_BBOX] = text
    if "w_sort" in changed and changed["w_sort"] in SORT_KEYS:
        fields["sort"] = changed["w_sort"]
    if "w_basemap" in changed and changed["w_basemap"] in BASEMAPS:
        fields["basemap"] = changed["w_basemap"]
    if "w_proj" in changed and changed["w_proj"] in PROJECTIONS:
        fields["proj"] = changed["w_proj"]
    if "page" in changed:
        fields["page"] = max(1, int(changed["page"] or 1))
    if "w_overlay" in changed:
        fields["overlay"] = bool(changed["w_overlay"])
    if "w_opacity" in changed:
        fields["opacity"] = min(1.0, max(0.0, float(changed["w_opacity"])))
    state = dataclasses.replace(previous, **fields)
    if state.query() != previous.query():
        state = dataclasses.replace(state, page=1)  # a new result starts on its first page
    return state


def write_url(state: ViewState) -> None:
    """Make the address bar reproduce ``state`` (Streamlit pushes a history entry: Back works)."""
    params = params_from_state(state)
    if _normalised(params) != _url_now():
        st.query_params.from_dict(params)
    st.session_state[_URL_SEEN] = _normalised(params)


def _clear_filters() -> None:
    ss = st.session_state
    set_pending(**{f.name: getattr(ss[_VIEW].cleared(), f.name) for f in dataclasses.fields(ViewState)
                   if f.name not in ("view", "lang", "basemap", "sort", "selected", "file", "overlay", "opacity")})
    ss["w_use_view"] = False


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
    counts = result.facets.get(facet)  # None: the catalog cannot count (a plain STAC API)
    fmt = _with_counts(counts, lang, label) if counts is not None else (
        lambda v: label(v, lang) if label else (v or t("unknown", lang)))
    st.multiselect(t(label_key, lang), _options(vocabulary, counts or {}, st.session_state.get(key, [])), key=key,
                   placeholder=t("any", lang), format_func=fmt,
                   # Streamlit's "Select all" is English only, and all values is no filter at all.
                   select_all=False)


def render_top_bar(state: ViewState, result: SearchResult | None) -> None:
    """Title with "N of M", the view switch and the language, on every view."""
    lang = state.lang
    c_title, c_nav, c_lang = st.columns([5, 4, 2], vertical_alignment="center")
    heading = t("app_title", lang)
    if result is not None:
        heading += f" · {t('n_of_m', lang, n=f'{result.matched:,}', m=f'{result.total:,}')}"
    c_title.markdown(f"### {heading}")
    if result is not None and result.expanded:  # the glossary's translations the text also matched
        c_title.caption(t("also_searched", lang, terms=", ".join(result.expanded)), help=t("also_searched_help", lang))
    c_nav.segmented_control(t("view", lang), options=list(VIEWS), key="w_view", label_visibility="collapsed",
                            format_func=lambda v: t(v, lang), width="stretch")
    c_lang.radio(t("language", lang), options=list(LANGS), format_func=lambda k: LANG_NAMES[k], key="w_lang",
                 horizontal=True, label_visibility="collapsed")


def hide_sidebar() -> None:
    """No empty sidebar on the views without filters: coming from Browse, Streamlit keeps its
    panel (and the button that opens it) on screen with nothing in it."""
    st.html("<style>section[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
            " [data-testid='stExpandSidebarButton'] {display: none;}</style>")


def render_sidebar(
    state: ViewState, result: SearchResult, catalog_values: Mapping[str, list[str]], year_span: tuple[int, int]
) -> None:
    """Every filter, with facet counts from ``result`` (the Browse view only)."""
    lang = state.lang
    ss = st.session_state
    with st.sidebar:
        st.markdown(f"**{t('n_of_m', lang, n=f'{result.matched:,}', m=f'{result.total:,}')}**")
        if not result.facets:
            st.caption(t("no_facet_counts", lang))
        st.button(
            t("clear", lang), on_click=_clear_filters, disabled=not state.filtered, width="stretch", key="w_clear"
        )
        st.text_input(t("text", lang), key="w_text", help=t("text_help", lang), placeholder="冻土 / permafrost")
        y0, y1 = year_span
        if not ss.get("w_exact"):
            if y0 < y1:
                st.slider(t("time", lang), min_value=y0, max_value=y1, key="w_years")
        else:
            lo, hi = date_bounds(year_span)
            c1, c2 = st.columns(2)
            c1.date_input(t("from", lang), key="w_from", min_value=lo, max_value=hi)
            c2.date_input(t("to", lang), key="w_to", min_value=lo, max_value=hi)
        st.toggle(t("exact_dates", lang), key="w_exact")
        facet_select("category", "category", catalog_values["category"], "w_cat", result, lang, category_label)
        st.select_slider(
            t("resolution", lang),
            options=list(RESOLUTION_STOPS),
            # Only a range default makes Streamlit treat the slider as a range: without it the
            # two thumbs' values were read as one and every move snapped back.
            value=FULL_RESOLUTION,
            key="w_res",
            format_func=resolution_label,
            help=t("resolution_help", lang),
        )
        facet_select("time_resolution", "time_resolution", list(TIME_RESOLUTIONS), "w_tres", result, lang,
                     value_label)
        facet_select("access", "access", catalog_values["access"], "w_access", result, lang, value_label)
        facet_select("format", "formats", catalog_values["formats"], "w_fmt", result, lang, format_label)
        st.text_input(t("area", lang), key="w_bbox", help=t("area_help", lang), placeholder="73.5,18,135.1,53.6")
        if ss.get("w_bbox", "").strip():
            try:
                parse_bbox(ss["w_bbox"])
            except QueryError as exc:  # the parser's reason in English, the rule in Chinese
                st.error(str(exc) if lang == "en" else t("area_invalid", lang))
        if ss.pop("_use_view_off", False):
            ss["w_use_view"] = False  # a drawn area replaced "follow the map view"
        st.checkbox(t("use_view", lang), key="w_use_view")
        st.divider()
        st.selectbox(
            t("sort", lang),
            options=[k for k in SORT_LABELS if k in SORT_KEYS],
            key="w_sort",
            format_func=lambda k: SORT_LABELS.get(k, ("", ""))[1 if lang == "en" else 0] or str(k),
            help=t("sort_help", lang),
        )
        st.selectbox(
            t("basemap", lang), options=list(BASEMAPS), key="w_basemap", format_func=lambda k: t(f"basemap_{k}", lang)
        )
        st.selectbox(t("map_projection", lang), options=list(PROJECTIONS), key="w_proj",
                     format_func=lambda k: t(f"proj_{k}", lang))
