"""Decide what the catalog map shows for the current view: extents, shared outlines, counts.

Pure numpy on the result frame (no folium), so it is cheap at 100k rows and easy to test.
The rules, so that what the map shows is true at every zoom:

* Extents that **cover the whole view** (a global dataset on the world view, a province-wide
  one when zoomed into a valley) are not drawn: a box around the whole screen says nothing.
  They are counted and listed in a corner of the map instead, and a click anywhere lists them.
* Extents **much larger than the view** that reach into it are drawn when there are a few
  (their edges say where they end); when there are many, they are listed with the covering
  ones instead of crossing the view as a plaid of lines.
* Extents with **identical geometry** (thousands of Arctic caps, dozens of global STAC boxes)
  become one outline that says how many datasets share it.
* If what remains fits the budget, every extent in view is drawn. Otherwise the view is cut
  into square screen cells (:data:`CELL_PX` pixels, anchored to the world so they do not
  shift while panning); each extent falls in the cell holding the centre of its *visible*
  part (not its own centre: a global box is not a dot in Africa). Extents larger than
  :data:`LARGE_PX` are drawn anyway (a count could not say where they are). Then the
  sparsest cells are drawn as extents until the budget is spent and the rest show counts,
  so zooming in turns counts into extents cell by cell. A view is never empty where data is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dataset_atlas.geometry import (
    MERCATOR_MAX_LAT,
    WORLD,
    lon_arc,
    lon_widths,
    normalise_boxes,
    project,
    projection,
    unproject,
    view_bbox,
)
from dataset_atlas.maps.extents import EXTENT_COLUMNS

# Side of a count cell on screen: count circles are up to ~45 px wide.
CELL_PX = 96.0
# Half the width of the largest count circle (atlas-map.js sizes them 22 + 6 log10(n) px).
CELL_RADIUS_PX = 24.0
# An extent this many pixels wide or tall (its visible part) is drawn, never counted.
LARGE_PX = 160.0
# When some cells must stay counts, only cells with at most this many outlines are drawn:
# more in one cell is a tangle, a count reads better.
EXPAND_MAX = 40
# Extents larger than the view reaching into it are drawn up to this many, else listed.
BIG_DRAW_MAX = 40
# The world view the map opens on (Leaflet fits -180..180 into a ~900 px wide map).
WORLD_ZOOM = 1.75
_TILE = 256.0
# A polar map's zoom z (32768 m per pixel at 0) shows metres like Web Mercator's zoom
# z + this at the equator (156543 m per pixel at 0): plan_map and click slack reckon in those.
POLAR_ZOOM_OFFSET = math.log2(2 * 20037508.342789244 / 256.0 / 32768.0)


def _merc_y(lat: np.ndarray | float) -> np.ndarray:
    """Web Mercator y (radians scale) of latitudes, clamped to Leaflet's band."""
    phi = np.radians(np.clip(lat, -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT))
    return np.log(np.tan(np.pi / 4.0 + phi / 2.0))


def _merc_lat(y: np.ndarray | float) -> np.ndarray:
    return np.degrees(np.arctan(np.sinh(y)))


@dataclass(frozen=True)
class MapView:
    """The part of the world the map shows: a lon/lat box (``west > east`` crosses 180) and a zoom.

    ``west`` is kept as Leaflet reports it after wrapping into -180..180, and ``width`` is
    the longitude span (360 for a view showing the whole world or more).
    """

    west: float
    south: float
    east: float
    north: float
    zoom: float

    @property
    def width(self) -> float:
        """Longitude span in degrees (antimeridian-aware, at most 360)."""
        if self.east - self.west >= 360.0:
            return 360.0
        span = (self.east - self.west) % 360.0
        return 360.0 if span == 0.0 and self.east != self.west else span

    @property
    def px_per_deg(self) -> float:
        """Screen pixels per degree of longitude at this zoom."""
        return _TILE * 2.0**self.zoom / 360.0

    @classmethod
    def world(cls) -> MapView:
        """The view the map opens on, before the browser has reported one."""
        return cls(-180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT, WORLD_ZOOM)


def view_from_return(ret: Mapping[str, Any] | None, epsg: int = WORLD) -> MapView | None:
    """The view reported by ``st_folium`` (``bounds`` and ``zoom``), or None when absent/odd.

    On a polar map ``bounds`` holds the bottom-left and top-right screen corners as they are
    (atlas-polar.js): the view is the lon/lat box of that rectangle on the projected plane,
    all longitudes when it holds the pole (``geometry.view_bbox``).
    """
    if not ret:
        return None
    if projection(epsg).polar:
        return _polar_view(ret, epsg)
    bounds, zoom = ret.get("bounds"), ret.get("zoom")
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]  # type: ignore[index]
        west, south, east, north = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
        z = float(zoom)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north, z)) or south >= north or east <= west:
        return None
    if east - west >= 360.0:
        west, east = -180.0, 180.0
    else:
        west, east = ((west + 180.0) % 360.0) - 180.0, ((east + 180.0) % 360.0) - 180.0
        if east == -180.0:
            east = 180.0
    return MapView(west, max(-90.0, south), east, min(90.0, north), z)


def _polar_view(ret: Mapping[str, Any], epsg: int) -> MapView | None:
    try:
        sw, ne = ret["bounds"]["_southWest"], ret["bounds"]["_northEast"]
        corners = ((float(sw["lat"]), float(sw["lng"])), (float(ne["lat"]), float(ne["lng"])))
        zoom = float(ret["zoom"])
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for pair in corners for v in pair) or not math.isfinite(zoom):
        return None
    bbox = view_bbox(corners[0], corners[1], epsg)
    if bbox is None or bbox[1] >= bbox[3]:
        return None
    return MapView(*bbox, zoom=zoom + POLAR_ZOOM_OFFSET)


@dataclass
class Cell:
    """A count drawn where many small extents sit: ``lat, lon`` is the mean of their visible
    centres; ``bounds`` (south, west, north, east) is the cell, which a click zooms to."""

    lat: float
    lon: float
    count: int
    bounds: tuple[float, float, float, float]


def _cell_means(keys: np.ndarray, sizes: np.ndarray, xs: np.ndarray,
                ys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cell key: the keys, the datasets counted and the size-weighted mean position."""
    ukeys, where = np.unique(keys, return_inverse=True)
    where = where.ravel()
    weight = sizes.astype(float)
    total = np.bincount(where, weights=weight)
    return (ukeys, total, np.bincount(where, weights=weight * xs) / total,
            np.bincount(where, weights=weight * ys) / total)


def _choose_counts(
    cell_key: np.ndarray, large: np.ndarray, budget: int, expand_max: int
) -> np.ndarray:
    """Which groups stay outlines (True): large ones up to half the budget, then the sparsest cells."""
    shown = np.zeros(len(cell_key), dtype=bool)
    shown[large[: budget // 2]] = True  # large extents stay outlines: a count could not say where
    spent = int(shown.sum())
    small = np.flatnonzero(~shown)
    _, cell_of = np.unique(cell_key[small], return_inverse=True)
    cell_of = cell_of.ravel()
    groups_per_cell = np.bincount(cell_of)
    by_cell = np.argsort(cell_of, kind="stable")
    cell_starts = np.concatenate([[0], np.cumsum(groups_per_cell)])
    for c in np.argsort(groups_per_cell, kind="stable"):  # sparsest cells first
        if spent + groups_per_cell[c] > budget or groups_per_cell[c] > expand_max:
            break
        shown[small[by_cell[cell_starts[c] : cell_starts[c + 1]]]] = True
        spent += int(groups_per_cell[c])
    return shown


def _polar_cells(
    plan: MapPlan, view: MapView, epsg: int, reps: np.ndarray, w: np.ndarray, s: np.ndarray, n: np.ndarray,
    width: np.ndarray, sizes: np.ndarray, members: Any, budget: int, cell_px: float, large_px: float,
    expand_max: int,
) -> None:
    """:func:`plan_map`'s counts on a polar map: the same rules, cells square on the polar plane.

    Cells are anchored at the pole (a corner of four cells, so no count hides it); an extent
    falls in the cell holding the centre of its part within the view's latitudes (a cap that
    reaches the pole is centred on it).
    """
    proj = projection(epsg)
    res = 2.0 * proj.half_extent / _TILE / 2.0 ** (view.zoom - POLAR_ZOOM_OFFSET)  # metres per pixel
    s_v, n_v = np.maximum(s[reps], view.south), np.minimum(n[reps], view.north)
    lon_c = w[reps] + width[reps] / 2.0
    lat_c = (s_v + n_v) / 2.0
    rho_s = np.hypot(*project(lon_c, s_v, epsg))
    rho_n = np.hypot(*project(lon_c, n_v, epsg))
    around = (width[reps] >= 360.0) & ((n_v >= 90.0) if not proj.south else (s_v <= -90.0))
    lat_c = np.where(around, proj.pole_lat(), lat_c)
    x, y = project(lon_c, lat_c, epsg)
    px, py = x / res, -y / res  # screen pixels from the pole, y down
    h_px = np.abs(rho_s - rho_n) / res
    w_px = np.where(width[reps] >= 180.0, 2.0 * np.maximum(rho_s, rho_n),
                    np.radians(width[reps]) * np.maximum(rho_s, rho_n)) / res
    large = np.flatnonzero((w_px >= large_px) | (h_px >= large_px))
    # Cells left of and above the pole have negative numbers: shift them for the key.
    shift = 1 << 19
    col = np.floor(px / cell_px).astype(np.int64) + shift
    row = np.floor(py / cell_px).astype(np.int64) + shift
    cell_key = row * 1_000_003 + col
    shown = _choose_counts(cell_key, large, budget, expand_max)
    counted = np.flatnonzero(~shown)
    if counted.size:
        ukeys, total, mean_x, mean_y = _cell_means(cell_key[counted], sizes[counted], px[counted], py[counted])
        inset = min(CELL_RADIUS_PX, cell_px / 2.0)
        for k, count, mx, my in zip(ukeys, total, mean_x, mean_y, strict=True):
            r, c0 = divmod(int(k), 1_000_003)
            x0, y0 = (c0 - shift) * cell_px, (r - shift) * cell_px
            mx = min(max(mx, x0 + inset), x0 + cell_px - inset)
            my = min(max(my, y0 + inset), y0 + cell_px - inset)
            lon, lat = unproject(mx * res, -my * res, epsg)
            corner_lon, corner_lat = unproject(np.array([x0, x0 + cell_px, x0 + cell_px, x0]) * res,
                                               -np.array([y0, y0, y0 + cell_px, y0 + cell_px]) * res, epsg)
            west, east = lon_arc(corner_lon)
            bounds = (float(corner_lat.min()), west, float(corner_lat.max()), east)
            plan.cells.append(Cell(float(lat), float(lon), int(count), bounds))
    plan.groups = members(np.flatnonzero(shown))


@dataclass
class MapPlan:
    """What to draw. Indices are positions (``iloc``) in the frame given to :func:`plan_map`."""

    groups: list[np.ndarray] = field(default_factory=list)  # drawn outlines, each 1+ identical extents
    cells: list[Cell] = field(default_factory=list)  # counts
    cover: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # smallest first
    # Extents much larger than the view that reach into it, listed (not drawn) when many.
    partial: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    in_view: int = 0
    outside: int = 0
    missing: int = 0

    @property
    def aggregated(self) -> bool:
        """True when some extents are shown as counts."""
        return bool(self.cells)

    @property
    def drawn_datasets(self) -> int:
        """Datasets drawn as (possibly shared) outlines."""
        return int(sum(len(g) for g in self.groups))


def normalised_extents(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(valid, west, south, east, north) with global boxes as -180..180 and longitudes wrapped."""
    return normalise_boxes(*(frame[c].to_numpy(dtype=float, na_value=np.nan) for c in EXTENT_COLUMNS))


def extent_areas(frame: pd.DataFrame) -> np.ndarray:
    """Area in square degrees per row (NaN when missing): the 'smallest first' key."""
    valid, w, s, e, n = normalised_extents(frame)
    width = lon_widths(w, e)
    return np.where(valid, width * (n - s), np.nan)


def _visible_lon(w: np.ndarray, e: np.ndarray, view: MapView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per extent: (intersects, visible start, visible end) in degrees east of the view's west edge.

    An extent is the interval [a, a + width] east of the view's west edge, or the same
    interval one turn earlier; the longer visible piece is kept.
    """
    vw = view.width
    width = lon_widths(w, e)
    a = (w - view.west) % 360.0
    if vw >= 360.0:
        # The whole world is in view: the extent as it is, split at the edge of the map.
        lo1, hi1 = a, np.minimum(a + width, 360.0)
        lo2, hi2 = np.zeros_like(a), np.maximum(a + width - 360.0, 0.0)
        full = width >= 360.0 - 1e-9
        lo2 = np.where(full, 0.0, lo2)
        hi2 = np.where(full, 0.0, hi2)
        take2 = (hi2 - lo2) > (hi1 - lo1)
        return np.ones(len(w), dtype=bool), np.where(take2, lo2, lo1), np.where(take2, hi2, hi1)
    full = width >= 360.0 - 1e-9  # a global extent covers any view in longitude
    a = np.where(full, 0.0, a)
    width = np.where(full, 720.0, width)
    in1 = a <= vw
    lo1, hi1 = a, np.minimum(a + width, vw)
    end2 = a - 360.0 + width
    in2 = end2 >= 0.0
    lo2, hi2 = np.zeros_like(a), np.minimum(end2, vw)
    len1 = np.where(in1, hi1 - lo1, -1.0)
    len2 = np.where(in2, hi2 - lo2, -1.0)
    take2 = len2 > len1
    return in1 | in2, np.where(take2, lo2, lo1), np.where(take2, hi2, hi1)


def plan_map(
    frame: pd.DataFrame,
    view: MapView | None = None,
    *,
    max_features: int = 1500,
    cell_px: float = CELL_PX,
    large_px: float = LARGE_PX,
    expand_max: int = EXPAND_MAX,
    big_draw_max: int = BIG_DRAW_MAX,
    epsg: int = WORLD,
) -> MapPlan:
    """Decide what the map shows of ``frame`` (columns west, south, east, north) in ``view``.

    ``max_features`` bounds the outlines drawn (shared outlines count once). See the module
    docstring for the rules.
    """
    view = view or MapView.world()
    valid, w, s, e, n = normalised_extents(frame)
    plan = MapPlan(missing=int((~valid).sum()))
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return plan
    w, s, e, n = w[idx], s[idx], e[idx], n[idx]
    lon_in, lo, hi = _visible_lon(w, e, view)
    lat_in = (s <= view.north) & (n >= view.south)
    in_view = lon_in & lat_in
    # Points on the edge are in; a hair of tolerance lets "-180..180 x -90..90" cover any view.
    tol_lon = 0.01 * view.width
    tol_lat = 0.01 * (view.north - view.south)
    width = lon_widths(w, e)
    covers = in_view & (lo <= tol_lon) & (hi >= view.width - tol_lon) & (width > 0)
    covers &= (s <= view.south + tol_lat) & (n >= view.north - tol_lat)
    plan.in_view = int(in_view.sum())
    plan.outside = int(idx.size - plan.in_view)
    cover_pos = np.flatnonzero(covers)
    plan.cover = idx[cover_pos[np.argsort(width[cover_pos] * (n[cover_pos] - s[cover_pos]), kind="stable")]]

    # Extents at least twice the view's size that reach into it without covering it: a few
    # are drawn (their edges say where they end), many would only cross the view as a
    # plaid of lines, so then they are listed with the covering ones.
    view_h = view.north - view.south
    big = in_view & ~covers & (width >= 2.0 * view.width) & ((n - s) >= 2.0 * view_h)
    if big.sum() > big_draw_max:
        big_pos = np.flatnonzero(big)
        plan.partial = idx[big_pos[np.argsort(width[big_pos] * (n[big_pos] - s[big_pos]), kind="stable")]]
    else:
        big[:] = False
    rest = np.flatnonzero(in_view & ~covers & ~big)
    if rest.size == 0:
        return plan
    # Identical extents (rounded to ~10 m) become one shared outline.
    keys = np.round(np.column_stack([w[rest], s[rest], e[rest], n[rest]]), 4) + 0.0  # -0.0 -> 0.0
    _, first, inverse = np.unique(
        np.ascontiguousarray(keys).view(np.dtype((np.void, 32))).ravel(), return_index=True, return_inverse=True
    )
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    sizes = np.bincount(inverse)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    reps = rest[first]  # one member per group, positions into w/s/e/n

    def members(groups: np.ndarray) -> list[np.ndarray]:
        # Largest extent first, so smaller ones are drawn on top and stay clickable.
        area = width[reps[groups]] * (n[reps[groups]] - s[reps[groups]])
        return [idx[rest[order[starts[g] : starts[g + 1]]]] for g in groups[np.argsort(-area, kind="stable")]]

    budget = max(0, int(max_features))
    if len(sizes) <= budget:
        plan.groups = members(np.arange(len(sizes)))
        return plan

    if projection(epsg).polar:
        _polar_cells(plan, view, epsg, reps, w, s, n, width, sizes, members, budget, cell_px, large_px, expand_max)
        return plan
    # Too many: screen geometry of each group's visible part.
    scale = view.px_per_deg
    y_scale = _TILE * 2.0**view.zoom / (2.0 * np.pi)
    ys, yn = _merc_y(np.maximum(s[reps], view.south)), _merc_y(np.minimum(n[reps], view.north))
    w_px = (hi[reps] - lo[reps]) * scale
    h_px = (yn - ys) * y_scale
    large = np.flatnonzero((w_px >= large_px) | (h_px >= large_px))
    # Cells anchored to the world's pixel grid (x from -180, y from the top of the Mercator band).
    cx_deg = view.west + (lo[reps] + hi[reps]) / 2.0
    cy = (ys + yn) / 2.0
    top = float(_merc_y(MERCATOR_MAX_LAT))
    col = np.floor((cx_deg + 180.0) * scale / cell_px).astype(np.int64)
    row = np.floor((top - cy) * y_scale / cell_px).astype(np.int64)
    cell_key = row * 1_000_003 + col

    # Sparsest cells first: they turn into extents while the budget lasts.
    shown = _choose_counts(cell_key, large, budget, expand_max)
    counted = np.flatnonzero(~shown)
    if counted.size:
        ukeys, total, mean_x, mean_y = _cell_means(cell_key[counted], sizes[counted], cx_deg[counted],
                                                   cy[counted])
        # The count sits at the mean of its extents, but inside its own cell (less the
        # circle's radius), so neighbouring counts never overlap.
        inset = min(CELL_RADIUS_PX, cell_px / 2.0)
        for k, count, mx, my in zip(ukeys, total, mean_x, mean_y, strict=True):
            r, c0 = divmod(int(k), 1_000_003)
            west = c0 * cell_px / scale - 180.0
            mx = min(max(mx, west + inset / scale), west + (cell_px - inset) / scale)
            y_top = top - r * cell_px / y_scale
            my = min(max(my, y_top - (cell_px - inset) / y_scale), y_top - inset / y_scale)
            north = float(_merc_lat(y_top))
            south = float(_merc_lat(top - (r + 1) * cell_px / y_scale))
            bounds = (south, west, north, west + cell_px / scale)
            plan.cells.append(Cell(float(_merc_lat(my)), float(mx), int(count), bounds))
    plan.groups = members(np.flatnonzero(shown))
    return plan
