"""The Browse page: map, selected-dataset panel, results table, timeline and export."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.catalog import Catalog, SearchResult
from dataset_atlas.errors import AtlasError
from dataset_atlas.geometry import WORLD, polar_epsg
from dataset_atlas.maps import (
    MapOptions,
    add_polar_quicklook_overlay,
    add_quicklook_overlay,
    build_map_parts,
    category_color,
    legend_html,
    view_from_return,
)
from dataset_atlas.maps import label as map_label
from dataset_atlas.maps.area import add_area_outline
from dataset_atlas.maps.extents import extent_edges
from dataset_atlas.model import DatasetRecord
from dataset_atlas.quicklook import Quicklook
from dataset_atlas.timeline import GANTT_LIMIT, coverage_by_year, spans
from dataset_atlas.ui.controls import (
    current_state,
    hide_sidebar,
    render_sidebar,
    render_top_bar,
    select,
    set_pending,
)
from dataset_atlas.ui.data import get_catalog, overview, quicklook
from dataset_atlas.ui.detail import file_caption, overlay_looks, render_detail
from dataset_atlas.ui.errors import guarded, show_error
from dataset_atlas.ui.exports import render_export
from dataset_atlas.ui.i18n import category_label, t, value_label
from dataset_atlas.ui.mapsession import (
    RETURNED,
    Chooser,
    MapSession,
    chooser,
    framing,
    framing_box,
    map_events,
    on_area,
    on_click,
)
from dataset_atlas.ui.state import PAGE_SIZE, ViewState, resolution_label

MAP_SESSION = "_map_session"  # the map's MapSession (ui/mapsession.py)
MAP_HEIGHT = 580
MAX_FEATURES = 1500  # extents drawn one by one; more become counts per grid cell


def run_through_entry_script() -> None:
    """Rerun through app.py when Streamlit ran a page file directly.

    With a ``pages/`` folder next to the entry script, Streamlit starts in its legacy
    multipage mode and, for a deep link (``/dataset?id=…``) opened before app.py ever ran in
    this server, executes the page file itself: no ``st.navigation``, no wide layout, a
    different menu. Leaving that mode and rerunning lets app.py's navigation take over.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@dataclass(frozen=True)
class PageRun:
    """What every page of one run starts from (each loader called once per run)."""

    catalog: Catalog
    state: ViewState
    result: SearchResult
    values: dict[str, list[str]]  # the whole catalog's facet vocabularies (widgets, category colours)


def prepare() -> PageRun:
    """Catalog, view state (URL/widgets), the search result and the facet values, with the sidebar drawn."""
    run_through_entry_script()
    try:
        catalog = get_catalog()
    except AtlasError as exc:  # e.g. $DATASET_ATLAS_INDEX names a missing or broken file
        lang = st.session_state.get("w_lang") or st.query_params.get("lang", "zh")
        show_error(exc, lang)
        st.stop()
    values, span = overview()
    state = current_state(span)
    result = catalog.search(state.query(limit=catalog.result_rows))
    render_top_bar(state, result if state.view == "browse" else None)
    if state.view == "browse":
        render_sidebar(state, result, values, span)
    else:
        hide_sidebar()
    return PageRun(catalog, state, result, values)


def _map_session() -> MapSession:
    return st.session_state.get(MAP_SESSION) or MapSession()


def render_map(record: DatasetRecord | None, state: ViewState, result: SearchResult,
               order: Sequence[str] | None) -> None:
    """The map of the current result, with the selected dataset's quicklooks.

    The map lives in a fragment: a pan or zoom reruns only the map (with the view the
    browser reported), not the search, sidebar, table and timeline. What it shows for that
    view (extents, shared outlines, counts, the corner list of datasets covering the view)
    is decided by ``maps.plan_map``; what a click, a drawn shape or a moved view does, by
    :mod:`~dataset_atlas.ui.mapsession`. ``order`` is the catalog's categories by rank (a
    category keeps its colour whatever the result).
    """
    lang = state.lang
    epsg = int(state.proj)
    looks = _looks_in(overlay_looks(record, state.file), epsg) if record is not None else []
    ss = st.session_state
    frame = result.frame
    last_view = view_from_return(ss.get(_map_session().map_key(state.proj)), epsg)  # before this run's framing
    session, box = framing_box(_map_session(), record.id if record is not None else None,
                               record.extent.bbox if record is not None else None, state.bbox, epsg, last_view)
    ss[MAP_SESSION] = session
    framed = framing(box, epsg, MAP_HEIGHT)
    map_key = session.map_key(state.proj)

    @st.fragment
    def map_fragment() -> None:
        # The view the browser reported last (component state, read before drawing): the
        # map is built for it in this run, so a zoom costs one rerun of this fragment.
        view = view_from_return(ss.get(map_key), epsg)
        options = MapOptions(lang=lang, selected_id=state.selected, max_features=MAX_FEATURES, view=view,
                             basemap=state.basemap, category_order=order, epsg=epsg)  # type: ignore[arg-type]
        parts = build_map_parts(frame, options)
        for name, look in looks if state.overlay else []:
            if epsg == WORLD and look.overlay_bounds is not None:
                layer: Any = add_quicklook_overlay(parts.features, look.rgba, look.overlay_bounds,
                                                   opacity=state.opacity, name=name)
            elif epsg != WORLD:
                layer = add_polar_quicklook_overlay(parts.features, look, epsg, opacity=state.opacity, name=name)
            else:
                continue
            layer.options["alt"] = file_caption(name, lang)  # the image says which file it is (as the panel)
        if state.bbox is not None:
            add_area_outline(parts.features, state.bbox, epsg)
        ret = st_folium(parts.map, feature_group_to_add=parts.features, key=map_key, height=MAP_HEIGHT,
                        use_container_width=True, returned_objects=list(RETURNED), **framed)
        if parts.stats.aggregated:
            st.caption(t("map_aggregated", lang))
        events = map_events(ret)
        session, clicked = on_click(_map_session(), events, frame, epsg, state.selected)
        ss[MAP_SESSION] = session
        if clicked:
            select(clicked)
        _choices(chooser(session.choices, frame, lang, state.selected), lang, state.selected)
        session, change = on_area(session, events, epsg, bool(ss.get("w_use_view")), state.bbox)
        ss[MAP_SESSION] = session
        if change is not None:
            if change.drawn:
                ss["_use_view_off"] = True  # a drawn area replaces "follow the map view" (see controls)
            set_pending(bbox=change.bbox, page=1)
            st.rerun()

    map_fragment()
    if epsg != WORLD and state.basemap != "offline":
        st.caption(t("polar_online_basemap", lang))
    _polar_hint(state, frame)
    notes = []
    if result.without_extent:
        notes.append(t("no_extent_note", lang, n=result.without_extent))
    if (result.frame["extent_quality"] == "approximate").any():
        notes.append(t("approx_note", lang))
    categories = {str(k): int(v) for k, v in result.frame["category"].value_counts().items()}
    st.html(legend_html(categories, lang, order=order))
    if notes:
        st.caption(" · ".join(notes))
    if looks:
        c1, c2 = st.columns(2)
        c1.toggle(t("overlay", lang), key="w_overlay")
        c2.slider(t("opacity", lang), 0.0, 1.0, step=0.05, key="w_opacity", disabled=not state.overlay)


def _choices(listed: Chooser | None, lang: str, selected: str | None) -> None:
    """The datasets under the last click, to pick one (a radio for a few, a select box for more)."""
    if listed is None:
        return
    text = map_label("choose", lang, n=f"{listed.total:,}")
    if len(listed.ids) <= 6:
        choice = st.radio(text, listed.ids, index=listed.index, format_func=listed.names.__getitem__, key=listed.key)
    else:
        choice = st.selectbox(text, listed.ids, index=listed.index, format_func=listed.names.__getitem__,
                              key=listed.key, placeholder=map_label("choose_none", lang))
    if listed.total > len(listed.ids):
        st.caption(map_label("choose_more", lang, shown=len(listed.ids), n=f"{listed.total:,}"))
    if choice and choice != selected:
        select(choice)


def _looks_in(looks: list[tuple[str, Quicklook]], epsg: int) -> list[tuple[str, Quicklook]]:
    """The selected dataset's quicklooks rendered in the map's projection (polar: re-rendered, cached).

    A quicklook the polar map cannot show (the other hemisphere) is left out; the detail
    panel still lists it.
    """
    if epsg == WORLD:
        return looks
    out = []
    for name, look in looks:
        try:
            stat = Path(look.source).stat()
            out.append((name, quicklook(look.source, stat.st_size, stat.st_mtime_ns, crs=f"EPSG:{epsg}")))
        except (AtlasError, OSError):
            continue
    return out


def _polar_hint(state: ViewState, frame: pd.DataFrame) -> None:
    """Offer the polar view (one click) when every extent of the result lies poleward of ±60°."""
    if state.proj != "3857":
        return
    epsg = polar_epsg(*extent_edges(frame))
    if epsg == WORLD:
        return
    side = t(f"side_{epsg}", state.lang)
    c1, c2 = st.columns([3, 2], vertical_alignment="center")
    c1.caption(t("polar_hint", state.lang, side=side))
    if c2.button(t("polar_hint_go", state.lang, side=side), key="polar_hint", icon=":material/public:"):
        set_pending(proj=str(epsg))
        st.rerun()


def _table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    title = frame["title_en"] if lang == "en" else frame["title_zh"]
    return pd.DataFrame({
        t("title", lang): title.to_numpy(),
        t("category", lang): [category_label(c, lang) for c in frame["category"]],
        t("start", lang): frame["start"].dt.date.to_numpy(),
        t("end", lang): [t("ongoing", lang) if o else (d.date().isoformat() if not pd.isna(d) else "")
                         for d, o in zip(frame["end"], frame["ongoing"], strict=True)],
        t("spatial_res", lang): [resolution_label(v) if not math.isnan(v) else "" for v in frame["resolution_m"]],
        t("temporal_res", lang): [value_label(v, lang) for v in frame["time_resolution"]],
        t("access", lang): [value_label(v, lang) for v in frame["access"]],
        t("extent_quality", lang): [value_label(v, lang) for v in frame["extent_quality"]],
    })


def render_results(state: ViewState, result: SearchResult) -> None:
    """One page of the result as a table; choosing a row selects the dataset."""
    lang = state.lang
    ss = st.session_state
    pages = max(1, math.ceil(len(result.frame) / PAGE_SIZE))  # the rows read (a database result may be capped)
    if ss.get("page", 1) > pages:
        ss["page"] = pages
    page = int(ss.get("page", 1))
    rows = result.frame.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    event = st.dataframe(_table(rows, lang), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"table_{page}_{state.sort}_{result.matched}",
                         height=min(420, 38 + 35 * max(1, len(rows))))
    c1, c2 = st.columns([1, 3])
    if pages > 1:
        c1.number_input(t("page", lang), min_value=1, max_value=pages, step=1, key="page")
    c2.caption(t("rows_shown", lang, a=(page - 1) * PAGE_SIZE + (1 if len(rows) else 0),
                 b=(page - 1) * PAGE_SIZE + len(rows), n=f"{result.matched:,}"))
    chosen = event.selection.rows if event and event.selection else []
    if chosen and chosen != ss.get("_last_rows"):
        ss["_last_rows"] = chosen
        record_id = str(rows["id"].iloc[chosen[0]])
        if record_id != state.selected:
            select(record_id)


def render_timeline(state: ViewState, result: SearchResult, order: Sequence[str] | None) -> None:
    """Each dataset's span (few results) or the number of datasets per year (many); coloured as the map."""
    lang = state.lang
    frame = result.frame
    undated = int((frame["start"].isna() & frame["end"].isna()).sum())
    if result.matched <= GANTT_LIMIT:
        table = spans(frame, lang)
        if table.empty:
            st.caption(t("no_time", lang, n=undated))
            return
        table["title"] = table["title"].str.slice(0, 60)
        categories = sorted(set(table["category"]))
        colours = alt.Scale(domain=categories, range=[category_color(c, order) for c in categories])  # as the map
        chart = alt.Chart(table).mark_bar(height=14).encode(
            x=alt.X("start:T", title=None), x2="end:T",
            y=alt.Y("id:N", sort=None, title=None,
                    axis=alt.Axis(labelExpr=_title_label_expr(table), labelLimit=360, labelOverlap=False)),
            color=alt.Color("category:N", legend=None, scale=colours),
            tooltip=[alt.Tooltip("title:N"), alt.Tooltip("start:T"), alt.Tooltip("end:T"), alt.Tooltip("ongoing:N")],
        ).properties(height=max(120, 30 * len(table)))
    else:
        table = coverage_by_year(frame)
        chart = alt.Chart(table).mark_area(opacity=0.7).encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d"), title=None),
            y=alt.Y("datasets:Q", title=t("coverage_per_year", lang)),
            tooltip=["year:Q", "datasets:Q"],
        ).properties(height=220)
    st.altair_chart(chart, width="stretch")
    if undated:
        st.caption(t("no_time", lang, n=undated))


def _title_label_expr(table: pd.DataFrame) -> str:
    """A Vega expression mapping each row's id to its title (rows are keyed by id: titles repeat)."""
    mapping = {str(i): str(title) for i, title in zip(table["id"], table["title"], strict=True)}
    return f"{json.dumps(mapping, ensure_ascii=False)}[datum.value] || datum.value"


def render_browse() -> None:
    """The whole Browse page: the map gets the width unless a dataset is selected."""
    run = prepare()
    catalog, state, result = run.catalog, run.state, run.result
    order = run.values.get("category")  # catalog-wide rank: a category keeps its colour
    lang = state.lang
    # One read of the selected record per run (at scale it decodes a row group from disk).
    record = selected_record(catalog, state)
    if result.matched > len(result.frame):  # a database catalog's result, read up to its cap
        st.info(t("result_capped", lang, n=f"{len(result.frame):,}", m=f"{result.matched:,}"), icon=":material/info:")
    if record is None:
        render_map(None, state, result, order)
        st.caption(t("select_hint", lang))
    else:
        map_col, side_col = st.columns([3, 2], gap="medium")
        with map_col:
            render_map(record, state, result, order)
        with side_col:
            guarded(record.id, lang, lambda: render_detail(record, lang, compact=True, on_open=open_dataset_page,
                                                           file=state.file))
    tab_results, tab_time, tab_export = st.tabs([t("results", lang), t("timeline", lang), t("export", lang)])
    with tab_results:
        render_results(state, result)
    with tab_time:
        render_timeline(state, result, order)
    with tab_export:
        render_export(state, result, catalog)


def open_dataset_page() -> None:
    """Button callback: show the selected dataset's full page (a history entry: Back returns)."""
    set_pending(view="dataset")


def selected_record(catalog: Catalog, state: ViewState) -> DatasetRecord | None:
    """The selected dataset, or None (a missing one is reported by the caller)."""
    if not state.selected:
        return None
    try:
        return catalog.get(state.selected)
    except AtlasError as exc:
        show_error(exc, state.lang)
        return None
