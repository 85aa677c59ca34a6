"""What the Browse map remembers between runs, and its events: pure functions, no Streamlit.

streamlit-folium returns the map's whole state on every run (the last click, the shapes in
the draw layer, the view), not events. Each function here takes the :class:`MapSession` and
that return value and gives the new session and what the page must do (select a dataset,
set the area, frame a box); the page keeps the session in ``st.session_state`` and acts.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dataset_atlas.bbox import BBox
from dataset_atlas.geometry import WORLD
from dataset_atlas.maps import (
    MapView,
    dataset_id_from_click,
    datasets_at_click,
    is_cell_click,
    polar_frame,
)
from dataset_atlas.ui.state import bbox_from_geojson, bbox_from_leaflet_bounds, view_for_bbox

MAP_KEY = "atlas_map"
CHOOSER_MAX = 200  # datasets listed under the map after a click (smallest extent first)
# What st_folium is asked to return. It fixes this when the map mounts (later changes are
# ignored), so the view is always returned: "use the current map view" works at once.
RETURNED = ("last_clicked", "last_object_clicked", "last_object_clicked_tooltip",
            "last_active_drawing", "all_drawings", "bounds", "zoom")


@dataclass(frozen=True)
class MapSession:
    """The Browse map's memory across runs (one value in the session state)."""

    framed: tuple[str, int] | None = None  # (dataset id, epsg) the map was last framed on
    generation: int = 0  # bumped to remount the map, which empties the draw layer
    framed_generation: int = 0  # the remount whose view has been set to the area
    last_drawing: str | None = None  # JSON of the last shape handled from the draw layer
    last_click: tuple[str, Any] | None = None  # (JSON of the point, object-click count) handled last
    choices: tuple[str, ...] = ()  # datasets under the last click, when several

    def map_key(self, proj: str) -> str:
        """The map component's key: each projection is its own map, a new generation remounts it."""
        return f"{MAP_KEY}_{proj}_{self.generation}"


@dataclass(frozen=True)
class AreaChange:
    """The area filter becomes ``bbox``: a shape was drawn (``drawn``) or the view moved."""

    bbox: BBox
    drawn: bool


@dataclass(frozen=True)
class Chooser:
    """The datasets under a click, listed below the map to pick one from."""

    ids: list[str]  # those shown, smallest extent first
    names: dict[str, str]  # id -> title · category
    index: int | None  # the selected one's position, if it is listed
    key: str  # widget key: a new list is a new widget
    total: int  # datasets under the click (more than shown beyond CHOOSER_MAX)


def framing_box(
    session: MapSession, record_id: str | None, record_bbox: BBox | None, area: BBox | None, epsg: int,
    view: MapView | None = None,
) -> tuple[MapSession, BBox | None]:
    """The box to move the map to in this run, if any.

    A newly selected dataset (with an extent) is framed once per projection, however it was
    selected (at world zoom a regional quicklook is a few pixels); later runs leave the
    person's pan and zoom alone. A person already zoomed in on the extent (``view``, the
    map's last reported view, at least as close as the framing and over the extent's
    centre) keeps that view. A remounted map (a new generation) is framed on the area
    filter, once.
    """
    if record_id is not None and record_bbox and session.framed != (record_id, epsg):
        session = dataclasses.replace(session, framed=(record_id, epsg))
        return session, None if _zoomed_in_on(view, record_bbox, epsg) else record_bbox
    if session.generation and session.framed_generation != session.generation:
        return dataclasses.replace(session, framed_generation=session.generation), area
    return session, None


def _zoomed_in_on(view: MapView | None, bbox: BBox, epsg: int) -> bool:
    """Whether the world map's ``view`` is already as close as framing ``bbox`` and over its centre."""
    if view is None or epsg != WORLD:
        return False
    (lat, lon), zoom = view_for_bbox(bbox)
    lon_in = view.west <= lon <= view.east if view.west <= view.east else (lon >= view.west or lon <= view.east)
    return view.zoom >= zoom and view.south <= lat <= view.north and lon_in


def framing(bbox: BBox | None, epsg: int, height_px: int) -> dict[str, Any]:
    """st_folium's ``center``/``zoom`` that frame ``bbox`` on the map in ``epsg`` ({} for None)."""
    if bbox is None:
        return {}
    center, zoom = polar_frame(bbox, epsg, height_px=height_px) if epsg != WORLD else view_for_bbox(bbox)
    return {"center": center, "zoom": zoom}


def map_events(ret: Mapping[str, Any] | None) -> dict[str, Any]:
    """st_folium's return, with ``last_active_drawing`` kept only for a shape from the draw tool.

    streamlit-folium also reports a clicked extent or count cell as the "last drawing"; only
    the draw tool's own layer (``all_drawings``) holds shapes the person drew.
    """
    events = dict(ret or {})
    drawing = events.get("last_active_drawing")
    drawn = [d.get("geometry") for d in events.get("all_drawings") or [] if isinstance(d, dict)]
    if not isinstance(drawing, dict) or drawing.get("geometry") not in drawn:
        events["last_active_drawing"] = None
    return events


def on_click(
    session: MapSession, events: Mapping[str, Any], frame: pd.DataFrame, epsg: int, selected: str | None
) -> tuple[MapSession, str | None]:
    """A new click: the datasets under it become the choices; returns the dataset to select, if any.

    A click on a shape selects it (its hidden id says which; a shared outline has none), a
    click on one dataset's extent selects that one; a click on a count cell selects nothing
    (the map zooms into the cell by itself). The end of a rectangle drawn with the draw tool
    is not a click.
    """
    point = events.get("last_clicked")
    key = (json.dumps(point, sort_keys=True), events.get("last_object_clicked_count"))
    if not point or key == session.last_click:
        return session, None
    # A new object-click count: this click landed on a shape (not on the bare map).
    on_shape = session.last_click is None or key[1] != session.last_click[1]
    session = dataclasses.replace(session, last_click=key)
    if events.get("last_active_drawing"):
        return session, None
    if on_shape and is_cell_click(events):
        return dataclasses.replace(session, choices=()), None
    ids = datasets_at_click(events, frame, epsg)
    session = dataclasses.replace(session, choices=tuple(ids) if len(ids) > 1 else ())
    tooltip = {"last_object_clicked_tooltip": events.get("last_object_clicked_tooltip")}
    clicked = dataset_id_from_click(tooltip, frame) if on_shape else None
    if clicked is None and len(ids) == 1:
        clicked = ids[0]
    if not clicked or clicked == selected:
        return session, None
    return session, clicked  # framed on the next run (framing_box) unless zoomed in on it


def chooser(ids: Sequence[str], frame: pd.DataFrame, lang: str, selected: str | None,
            limit: int = CHOOSER_MAX) -> Chooser | None:
    """The list of datasets under a click to choose from, or None when fewer than two are in ``frame``."""
    if len(ids) < 2:
        return None
    shown = list(ids[:limit])
    rows = frame[frame["id"].isin(shown)].set_index("id")
    shown = [i for i in shown if i in rows.index]
    if len(shown) < 2:
        return None
    title = rows["title_en"] if lang == "en" else rows["title_zh"]
    other = rows["title_zh"] if lang == "en" else rows["title_en"]
    names = {i: str(title[i] or other[i] or i)[:90] + " · " + str(rows.at[i, "category"]) for i in shown}
    index = shown.index(selected) if selected in shown else None
    return Chooser(shown, names, index, f"map_choice_{abs(hash(tuple(shown))) % 10**9}", len(ids))


def on_area(
    session: MapSession, events: Mapping[str, Any], epsg: int, follow_view: bool, area: BBox | None
) -> tuple[MapSession, AreaChange | None]:
    """A shape newly drawn, or (``follow_view``) a moved view, becomes the area filter.

    A drawn shape also remounts the map (a new generation): its outline is drawn from the
    filter, and the draw layer starts empty.
    """
    drawings = events.get("all_drawings") or []
    if drawings:
        latest = json.dumps(drawings[-1], sort_keys=True)
        if latest != session.last_drawing:
            session = dataclasses.replace(session, last_drawing=latest)
            drawn = bbox_from_geojson(drawings[-1], epsg)
            if drawn is not None:
                return dataclasses.replace(session, generation=session.generation + 1), AreaChange(drawn, True)
    if follow_view and events.get("bounds"):
        bbox = bbox_from_leaflet_bounds(events["bounds"], epsg)
        if bbox and bbox != area:
            w, s, e, n = (round(v, 4) for v in bbox)
            return session, AreaChange((w, s, e, n), False)
    return session, None
