"""The Browse page: map, selected-dataset panel, results table, timeline and export."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dataset_atlas.catalog import Catalog, SearchResult
from dataset_atlas.errors import AtlasError
from dataset_atlas.geometry import WORLD
from dataset_atlas.maps import (
    add_quicklook_overlay,
    build_map_parts,
    category_color,
    dataset_id_from_click,
    legend_html,
)
from dataset_atlas.maps.area import add_area_outline
from dataset_atlas.maps.build import add_polar_quicklook_overlay, polar_frame
from dataset_atlas.maps.extents import polar_epsg_of_frame
from dataset_atlas.model import BBox, DatasetRecord
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
from dataset_atlas.ui.detail import overlay_looks, render_detail
from dataset_atlas.ui.errors import guarded, show_error
from dataset_atlas.ui.exports import render_export
from dataset_atlas.ui.i18n import category_label, t, value_label
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


def prepare() -> tuple[Catalog, ViewState, SearchResult]:
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
    result = catalog.search(state.query(limit=catalog.result_rows))
    render_top_bar(state, result if state.view == "browse" else None)
    if state.view == "browse":
        render_sidebar(state, result, values, span)
    else:
        hide_sidebar()
    return catalog, state, result


def _drawn_area(ret: dict[str, Any], epsg: int = WORLD) -> BBox | None:
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
    return bbox_from_geojson(drawings[-1], epsg)


def _handle_map_events(ret: dict[str, Any] | None, state: ViewState) -> None:
    """A drawn box or (when asked) the map view becomes the area (clicks: see render_map)."""
    if not ret:
        return
    ss = st.session_state
    epsg = int(state.proj)
    drawn = _drawn_area(ret, epsg)
    if drawn is not None:
        ss["_use_view_off"] = True  # a drawn area replaces "follow the map view"
        _new_map()  # the outline is redrawn from the state; the draw layer starts empty
        set_pending(bbox=drawn, page=1)
        st.rerun()
    if ss.get("w_use_view") and ret.get("bounds"):
        bbox = bbox_from_leaflet_bounds(ret["bounds"], epsg)
        if bbox and bbox != state.bbox:
            set_pending(bbox=tuple(round(v, 4) for v in bbox), page=1)
            st.rerun()


def _new_map() -> None:
    """Remount the map on the next run (clears shapes left in the draw tool's layer)."""
    st.session_state["_map_generation"] = st.session_state.get("_map_generation", 0) + 1


def render_map(record: DatasetRecord | None, state: ViewState, result: SearchResult) -> None:
    """The map of the current result, with the selected dataset's quicklooks.

    The map lives in a fragment: a pan or zoom reruns only the map (with the view the
    browser reported), not the search, sidebar, table and timeline. What it shows for that
    view (extents, shared outlines, counts, the corner list of datasets covering the view)
    is decided by ``maps.plan_map``. A click lists every dataset under it (a chooser below
    the map when there are several); a click on a shape selects it; a count cell zooms in.
    """
    from dataset_atlas.maps import (
        datasets_at_click,
        is_cell_click,
        view_from_return,
    )
    from dataset_atlas.maps import (
        label as map_label,
    )

    chooser_max = 200  # datasets listed under the map after a click (smallest extent first)
    lang = state.lang
    epsg = int(state.proj)
    looks = _looks_in(overlay_looks(record), epsg) if record is not None else []
    ss = st.session_state
    frame = result.frame
    order = overview()[0].get("category")  # catalog-wide rank: a category keeps its colour
    framing: dict[str, Any] = {}
    if record is not None and record.extent.bbox and ss.get("_framed") != (record.id, epsg):
        # Frame a newly selected dataset once; later reruns leave the user's pan and zoom alone.
        ss["_framed"] = (record.id, epsg)
        framing = _framing(record.extent.bbox, epsg)

    generation = ss.get("_map_generation", 0)
    # A new generation remounts the map (empties the draw layer); each projection is its own map.
    map_key = f"{MAP_KEY}_{state.proj}_{generation}"
    if generation and ss.get("_framed_generation") != generation and not framing:
        ss["_framed_generation"] = generation  # a remounted map keeps the area in view
        if state.bbox is not None:
            framing = _framing(state.bbox, epsg)

    @st.fragment
    def map_fragment() -> None:
        # The view the browser reported last (component state, read before drawing): the
        # map is built for it in this run, so a zoom costs one rerun of this fragment.
        view = view_from_return(ss.get(map_key), epsg)
        parts = build_map_parts(frame, lang=lang, selected_id=state.selected, max_features=MAX_FEATURES,
                                view=view, basemap=state.basemap, category_order=order,  # type: ignore[arg-type]
                                epsg=epsg)
        for look in looks if state.overlay else []:
            name = look.source.rsplit("/", 1)[-1]
            if epsg == WORLD and look.overlay_bounds is not None:
                add_quicklook_overlay(parts.features, look.rgba, look.overlay_bounds, opacity=state.opacity, name=name)
            elif epsg != WORLD:
                add_polar_quicklook_overlay(parts.features, look, epsg, opacity=state.opacity, name=name)
        if state.bbox is not None:
            add_area_outline(parts.features, state.bbox, epsg)
        # streamlit-folium fixes what it returns when the map mounts (later changes are
        # ignored), so the view is always returned: "use the current map view" works at once.
        returned = ["last_clicked", "last_object_clicked", "last_object_clicked_tooltip",
                    "last_active_drawing", "all_drawings", "bounds", "zoom"]
        ret = st_folium(parts.map, feature_group_to_add=parts.features, key=map_key, height=MAP_HEIGHT,
                        use_container_width=True, returned_objects=returned, **framing)
        if parts.stats.aggregated:
            st.caption(t("map_aggregated", lang))
        events = dict(ret or {})
        if not _drawn_with_tool(events):
            # streamlit-folium also reports a clicked extent or cell as the "last drawing".
            events["last_active_drawing"] = None
        _map_click(events)
        _choices()
        # Drawing and "use the current view" stay with the page's handler; clicks are handled here.
        _handle_map_events({k: v for k, v in events.items() if not k.startswith("last_object")}, state)

    def _drawn_with_tool(ret: dict[str, Any]) -> bool:
        drawing = ret.get("last_active_drawing")
        if not isinstance(drawing, dict):
            return False
        drawn = [d.get("geometry") for d in ret.get("all_drawings") or [] if isinstance(d, dict)]
        return drawing.get("geometry") in drawn

    def _map_click(ret: dict[str, Any]) -> None:
        point = ret.get("last_clicked")
        key = (json.dumps(point, sort_keys=True), ret.get("last_object_clicked_count"))
        if not point or key == ss.get("_map_click"):
            return
        on_shape = ss.get("_map_click") is None or key[1] != ss["_map_click"][1]
        ss["_map_click"] = key
        drawing = ret.get("last_active_drawing")
        if drawing and drawing != ss.get("_last_drawing"):
            return  # the end of a rectangle drawn with the draw tool, not a click
        if on_shape and is_cell_click(ret):
            ss["_map_choices"] = []  # the map zooms into the cell by itself
            return
        ids = datasets_at_click(ret, frame, epsg)
        ss["_map_choices"] = ids if len(ids) > 1 else []
        # A click on a shape selects it (its hidden id says which; a shared outline has none).
        clicked = dataset_id_from_click({"last_object_clicked_tooltip": ret.get("last_object_clicked_tooltip")},
                                        frame) if on_shape else None
        if clicked is None and len(ids) == 1:
            clicked = ids[0]
        if clicked and clicked != state.selected:
            ss["_framed"] = (clicked, epsg)  # the person is looking at it already: do not move the map
            select(clicked)

    def _choices() -> None:
        ids = list(ss.get("_map_choices") or [])
        if len(ids) < 2:
            return
        shown = ids[:chooser_max]
        rows = frame[frame["id"].isin(shown)].set_index("id")
        shown = [i for i in shown if i in rows.index]
        if len(shown) < 2:
            return
        title = rows["title_en"] if lang == "en" else rows["title_zh"]
        other = rows["title_zh"] if lang == "en" else rows["title_en"]
        names = {i: str(title[i] or other[i] or i)[:90] + " · " + str(rows.at[i, "category"]) for i in shown}
        index = shown.index(state.selected) if state.selected in shown else None
        key = f"map_choice_{abs(hash(tuple(shown))) % 10**9}"
        text = map_label("choose", lang, n=f"{len(ids):,}")
        if len(shown) <= 6:
            choice = st.radio(text, shown, index=index, format_func=names.__getitem__, key=key)
        else:
            choice = st.selectbox(text, shown, index=index, format_func=names.__getitem__, key=key,
                                  placeholder=map_label("choose_none", lang))
        if len(ids) > len(shown):
            st.caption(map_label("choose_more", lang, shown=len(shown), n=f"{len(ids):,}"))
        if choice and choice != state.selected:
            select(choice)

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


def _framing(bbox: BBox, epsg: int) -> dict[str, Any]:
    """st_folium's center/zoom that frame ``bbox`` on the map in ``epsg``."""
    center, zoom = polar_frame(bbox, epsg, height_px=MAP_HEIGHT) if epsg != WORLD else view_for_bbox(bbox)
    return {"center": center, "zoom": zoom}


def _looks_in(looks: list[Quicklook], epsg: int) -> list[Quicklook]:
    """The selected dataset's quicklooks rendered in the map's projection (polar: re-rendered, cached).

    A quicklook the polar map cannot show (the other hemisphere) is left out; the detail
    panel still lists it.
    """
    if epsg == WORLD:
        return looks
    out = []
    for look in looks:
        try:
            stat = Path(look.source).stat()
            out.append(quicklook(look.source, stat.st_size, stat.st_mtime_ns, crs=f"EPSG:{epsg}"))
        except (AtlasError, OSError):
            continue
    return out


def _polar_hint(state: ViewState, frame: pd.DataFrame) -> None:
    """Offer the polar view (one click) when every extent of the result lies poleward of ±60°."""
    if state.proj != "3857":
        return
    epsg = polar_epsg_of_frame(frame)
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
        order = overview()[0].get("category")
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
    catalog, state, result = prepare()
    lang = state.lang
    # One read of the selected record per run (at scale it decodes a row group from disk).
    record = selected_record(catalog, state)
    if result.matched > len(result.frame):  # a database catalog's result, read up to its cap
        st.info(t("result_capped", lang, n=f"{len(result.frame):,}", m=f"{result.matched:,}"), icon=":material/info:")
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
