"""The Browse page: map, selected-dataset panel, results table, timeline and export."""

from __future__ import annotations

import json
import math
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.catalog import LocalCatalog, SearchResult
from dataset_atlas.catalog.export import result_to_csv, result_to_geojson
from dataset_atlas.catalog.query import bbox_mask
from dataset_atlas.errors import AtlasError
from dataset_atlas.maps import (
    add_quicklook_overlay,
    build_map_parts,
    category_color,
    cell_deg_for_zoom,
    dataset_id_from_click,
    legend_html,
)
from dataset_atlas.maps.area import add_area_outline
from dataset_atlas.model import BBox, DatasetRecord
from dataset_atlas.timeline import GANTT_LIMIT, coverage_by_year, spans
from dataset_atlas.ui.controls import (
    current_state,
    render_sidebar,
    render_top_bar,
    select,
    set_pending,
    write_url,
)
from dataset_atlas.ui.data import get_catalog, overview
from dataset_atlas.ui.detail import overlay_looks, render_detail
from dataset_atlas.ui.errors import guarded, show_error
from dataset_atlas.ui.i18n import t, value_label
from dataset_atlas.ui.state import (
    PAGE_SIZE,
    ViewState,
    bbox_from_geojson,
    bbox_from_leaflet_bounds,
    resolution_label,
    view_for_bbox,
)

MAP_KEY = "atlas_map"
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


def prepare() -> tuple[LocalCatalog, ViewState, SearchResult]:
    """Catalog, view state (URL/widgets) and the search result, with the sidebar drawn."""
    run_through_entry_script()
    try:
        catalog = get_catalog()
    except AtlasError as exc:  # e.g. $DATASET_ATLAS_INDEX names a missing or broken file
        lang = st.session_state.get("w_lang") or st.query_params.get("lang", "zh")
        show_error(exc, lang)
        st.stop()
    values, span = overview()
    state = current_state(span)
    result = catalog.search(state.query())
    render_top_bar(state, result if state.view == "browse" else None)
    if state.view == "browse":
        render_sidebar(state, result, values, span)
    return catalog, state, result


def _drawn_area(ret: dict[str, Any]) -> BBox | None:
    """The box of a shape newly drawn with the draw tool, or None.

    streamlit-folium reports a click on *any* vector layer (an extent, a count cell) as
    ``last_active_drawing``; only the draw tool's own layer (``all_drawings``) holds shapes
    the user drew, so only a change there may become an area.
    """
    drawings = ret.get("all_drawings") or []
    if not drawings:
        return None
    ss = st.session_state
    latest = json.dumps(drawings[-1], sort_keys=True)
    if latest == ss.get("_last_drawing"):
        return None
    ss["_last_drawing"] = latest
    return bbox_from_geojson(drawings[-1])


def _handle_map_events(ret: dict[str, Any] | None, state: ViewState, frame: pd.DataFrame) -> None:
    """A click selects a dataset; a drawn box or (when asked) the map view becomes the area."""
    if not ret:
        return
    ss = st.session_state
    click = ret.get("last_object_clicked")
    if click and click != ss.get("_last_click"):
        ss["_last_click"] = click
        record_id = dataset_id_from_click(ret, frame)
        if record_id and record_id != state.selected:
            select(record_id)
    drawn = _drawn_area(ret)
    if drawn is not None:
        ss["_use_view_off"] = True  # a drawn area replaces "follow the map view"
        _new_map()  # the outline is redrawn from the state; the draw layer starts empty
        set_pending(bbox=drawn, page=1)
        st.rerun()
    if ss.get("w_use_view") and ret.get("bounds"):
        bbox = bbox_from_leaflet_bounds(ret["bounds"])
        if bbox and bbox != state.bbox:
            set_pending(bbox=tuple(round(v, 4) for v in bbox), page=1)
            st.rerun()


def _new_map() -> None:
    """Remount the map on the next run (clears shapes left in the draw tool's layer)."""
    st.session_state["_map_generation"] = st.session_state.get("_map_generation", 0) + 1


def render_map(record: DatasetRecord | None, state: ViewState, result: SearchResult) -> None:
    """The map of the current result, with the selected dataset's quicklooks."""
    lang = state.lang
    looks = overlay_looks(record) if record is not None else []
    ss = st.session_state
    frame = result.frame
    # A result too large to draw one by one is drawn as counts; the map then reports its view
    # so that zooming in swaps the counts for the extents inside the view.
    large = int(frame["west"].notna().sum()) > MAX_FEATURES
    cell_deg = cell_deg_for_zoom(None)
    reported_view = ss.get("_map_view") if large else None
    if reported_view is not None:
        view_bbox, zoom = reported_view
        cell_deg = cell_deg_for_zoom(zoom)
        if view_bbox is not None and zoom is not None and zoom >= 3:
            frame = frame[bbox_mask(frame, view_bbox)]
    parts = build_map_parts(frame, lang=lang, selected_id=state.selected, max_features=MAX_FEATURES,
                            cell_deg=cell_deg, basemap=state.basemap)  # type: ignore[arg-type]
    for look in looks if state.overlay else []:
        assert look.bounds is not None
        add_quicklook_overlay(parts.features, look.rgba, look.overlay_bounds, opacity=state.opacity,
                              name=look.source.rsplit("/", 1)[-1])
    if state.bbox is not None:
        add_area_outline(parts.features, state.bbox)
    # streamlit-folium fixes what it returns when the map mounts (later changes are ignored),
    # so the view is always returned: "use the current map view" then works at once.
    returned = ["last_object_clicked", "last_object_clicked_tooltip", "all_drawings", "bounds", "zoom"]
    framing: dict[str, Any] = {}
    if record is not None and record.extent.bbox and st.session_state.get("_framed") != record.id:
        # Frame a newly selected dataset once; later reruns leave the user's pan and zoom alone.
        st.session_state["_framed"] = record.id
        framing = dict(zip(("center", "zoom"), view_for_bbox(record.extent.bbox), strict=True))
    generation = ss.get("_map_generation", 0)
    if generation and ss.get("_framed_generation") != generation and not framing:
        ss["_framed_generation"] = generation  # a remounted map keeps the area in view
        if state.bbox is not None:
            framing = dict(zip(("center", "zoom"), view_for_bbox(state.bbox), strict=True))
    ret = st_folium(parts.map, feature_group_to_add=parts.features, key=f"{MAP_KEY}_{generation}",
                    height=MAP_HEIGHT, use_container_width=True, returned_objects=returned, **framing)
    notes = []
    if parts.stats.aggregated:
        notes.append(t("map_aggregated", lang))
    if result.without_extent:
        notes.append(t("no_extent_note", lang, n=result.without_extent))
    if (result.frame["extent_quality"] == "approximate").any():
        notes.append(t("approx_note", lang))
    categories = {str(k): int(v) for k, v in result.frame["category"].value_counts().items()}
    st.html(legend_html(categories, lang))
    if notes:
        st.caption(" · ".join(notes))
    if looks:
        c1, c2 = st.columns(2)
        c1.toggle(t("overlay", lang), key="w_overlay")
        c2.slider(t("opacity", lang), 0.0, 1.0, step=0.05, key="w_opacity", disabled=not state.overlay)
    _handle_map_events(ret, state, result.frame)
    if large and ret and ret.get("bounds"):
        reported = (bbox_from_leaflet_bounds(ret["bounds"]), ret.get("zoom"))
        if reported != ss.get("_map_view"):
            ss["_map_view"] = reported
            st.rerun()


def _table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    title = frame["title_en"] if lang == "en" else frame["title_zh"]
    return pd.DataFrame({
        t("title", lang): title.to_numpy(),
        t("category", lang): frame["category"].to_numpy(),
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
    pages = max(1, math.ceil(result.matched / PAGE_SIZE))
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


def render_timeline(state: ViewState, result: SearchResult) -> None:
    """Each dataset's span (few results) or the number of datasets per year (many)."""
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
        colours = alt.Scale(domain=categories, range=[category_color(c) for c in categories])  # as on the map
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


def render_export(state: ViewState, result: SearchResult) -> None:
    """Download the current result (generated only when clicked)."""
    lang = state.lang
    frame = result.frame
    c1, c2 = st.columns(2)
    c1.download_button(t("export_csv", lang), data=lambda: result_to_csv(frame).encode("utf-8"),
                       file_name="dataset-atlas.csv", mime="text/csv", width="stretch", on_click="ignore")
    c2.download_button(t("export_geojson", lang), data=lambda: result_to_geojson(frame).encode("utf-8"),
                       file_name="dataset-atlas.geojson", mime="application/geo+json", width="stretch",
                       on_click="ignore")


def render_browse() -> None:
    """The whole Browse page: the map gets the width unless a dataset is selected."""
    catalog, state, result = prepare()
    lang = state.lang
    # One read of the selected record per run (at scale it decodes a row group from disk).
    record = selected_record(catalog, state)
    if record is None:
        render_map(None, state, result)
        st.caption(t("select_hint", lang))
    else:
        map_col, side_col = st.columns([3, 2], gap="medium")
        with map_col:
            render_map(record, state, result)
        with side_col:
            guarded(record.id, lang, lambda: render_detail(record, lang, compact=True, on_open=open_dataset_page))
    tab_results, tab_time, tab_export = st.tabs([t("results", lang), t("timeline", lang), t("export", lang)])
    with tab_results:
        render_results(state, result)
    with tab_time:
        render_timeline(state, result)
    with tab_export:
        render_export(state, result)
    write_url(state)


def open_dataset_page() -> None:
    """Button callback: show the selected dataset's full page (a history entry: Back returns)."""
    set_pending(view="dataset")


def selected_record(catalog: LocalCatalog, state: ViewState) -> DatasetRecord | None:
    """The selected dataset, or None (a missing one is reported by the caller)."""
    if not state.selected:
        return None
    try:
        return catalog.get(state.selected)
    except AtlasError as exc:
        show_error(exc, state.lang)
        return None
