"""Which dataset did the user click? (streamlit-folium returns text and a point, not a feature.)"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dataset_atlas.geometry import WORLD, boxes_contain, clamp_lat, lon_widths, make_box, projection
from dataset_atlas.maps.aggregate import POLAR_ZOOM_OFFSET, normalised_extents
from dataset_atlas.maps.style import CELL_MARK, ID_CLOSE, ID_OPEN

# Pixels of slack around a point dataset when falling back to the clicked position.
_POINT_SLACK_PX = 8
# Pixels of slack around a box: its outline is drawn that wide and takes clicks too.
_BOX_SLACK_PX = 3


def _id_from_tooltip(text: str, ids: set[str]) -> str | None:
    text = text.strip()
    if not text.endswith(ID_CLOSE):
        return None
    start = text.rfind(ID_OPEN)
    candidate = text[start + len(ID_OPEN) : -len(ID_CLOSE)] if start >= 0 else None
    if candidate in ids:
        return candidate
    # An id that itself contains the opening mark: accept only a known id that the
    # tooltip ends with; the longest wins. Titles come before the mark, so they cannot
    # forge this suffix.
    matches = [i for i in ids if text.endswith(f"{ID_OPEN}{i}{ID_CLOSE}")]
    return max(matches, key=len) if matches else None


def _id_from_point(lat: float, lng: float, zoom: float, results: pd.DataFrame) -> str | None:
    degrees_per_px = 360.0 / (256.0 * 2.0**zoom)
    tolerance = _POINT_SLACK_PX * degrees_per_px
    best: tuple[float, str] | None = None
    for row in results[["id", "west", "south", "east", "north"]].itertuples(index=False):
        box = make_box(row.west, row.south, row.east, row.north)
        if box is None:
            continue
        slack = tolerance if box.is_point else 0.0
        if box.contains(lng, lat, slack) and (best is None or box.area < best[0]):
            best = (box.area, str(row.id))
    return best[1] if best else None


def dataset_id_from_click(st_folium_return: Mapping[str, Any] | None, results: pd.DataFrame) -> str | None:
    """The id of the clicked dataset, or None (nothing clicked, a count cell, no match).

    First the tooltip: every extent tooltip ends with ``⟨id:…⟩``, and only an id present
    in ``results`` is accepted, so a hostile title cannot redirect the click. Without a
    usable tooltip (e.g. a click inside a drawn rectangle), the clicked point is looked up:
    the smallest extent containing it wins, antimeridian-aware, with a few pixels of slack
    for point datasets. A click on an aggregated count cell gives None.
    """
    if not st_folium_return:
        return None
    ids = set(results["id"].astype(str))
    tooltip = st_folium_return.get("last_object_clicked_tooltip")
    if isinstance(tooltip, str) and tooltip.strip():
        if tooltip.strip().endswith(CELL_MARK):
            return None
        found = _id_from_tooltip(tooltip, ids)
        if found is not None:
            return found
    point = st_folium_return.get("last_object_clicked")
    if not isinstance(point, Mapping):
        return None
    try:
        lat, lng = float(point["lat"]), float(point["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    zoom = st_folium_return.get("zoom")
    zoom_level = float(zoom) if isinstance(zoom, int | float) else 2.0
    return _id_from_point(lat, lng, zoom_level, results)


def clicked_point(st_folium_return: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(lat, lng) of the last click on the map (any click, on a shape or not), or None."""
    if not st_folium_return:
        return None
    for key in ("last_clicked", "last_object_clicked"):
        point = st_folium_return.get(key)
        if isinstance(point, Mapping):
            try:
                lat, lng = float(point["lat"]), float(point["lng"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(lat) and math.isfinite(lng):
                return lat, lng
    return None


def is_cell_click(st_folium_return: Mapping[str, Any] | None) -> bool:
    """True when the last object clicked was a count cell (the map zooms; nothing is selected)."""
    tooltip = (st_folium_return or {}).get("last_object_clicked_tooltip")
    return isinstance(tooltip, str) and tooltip.strip().endswith(CELL_MARK)


def datasets_at_click(
    st_folium_return: Mapping[str, Any] | None, results_frame: pd.DataFrame, epsg: int = WORLD
) -> list[str]:
    """Ids of every dataset whose extent lies under the last click, smallest extent first.

    The point is ``last_clicked`` (any click on the map) or else ``last_object_clicked``.
    Antimeridian-aware (a click on a wrapped world copy counts), with a few pixels of slack
    (at the reported zoom) for points and the outline of boxes, so thin boxes and points
    can be hit. A click on a count cell, or no click, gives []. Datasets without an extent
    never match. Ties keep the order of ``results_frame``.
    """
    point = clicked_point(st_folium_return)
    if point is None or is_cell_click(st_folium_return) or results_frame.empty:
        return []
    lat, lng = point
    zoom = (st_folium_return or {}).get("zoom")
    zoom_level = float(zoom) if isinstance(zoom, int | float) and math.isfinite(zoom) else 2.0
    if projection(epsg).polar:
        zoom_level += POLAR_ZOOM_OFFSET  # the slack is reckoned in Web Mercator pixels
    deg_per_px = 360.0 / (256.0 * 2.0**zoom_level)
    valid, w, s, e, n = normalised_extents(results_frame)
    width = lon_widths(w, e)
    is_point = (width == 0) & (s == n)
    slack = np.where(is_point, _POINT_SLACK_PX, _BOX_SLACK_PX) * deg_per_px
    # Latitude slack in degrees shrinks towards the poles on Web Mercator.
    lat_slack = slack * math.cos(math.radians(clamp_lat(lat)))
    hit = np.flatnonzero(valid & boxes_contain(w, s, e, n, lng, lat, slack, lat_slack))
    area = width[hit] * (n[hit] - s[hit])
    ids = results_frame["id"].to_numpy()[hit[np.argsort(area, kind="stable")]]
    return [str(i) for i in ids]
