"""Extent geometry for display: validation, antimeridian split, polar clamp, centres, grid counts.

Pure functions on numbers and DataFrames (no folium), so they are cheap to test.

Conventions (the normalised catalog's): a box is ``west, south, east, north`` in degrees;
``west > east`` means the box crosses the antimeridian (170..-170 is 20 degrees wide);
``west == east and south == north`` is a point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Web Mercator's latitude limit: Leaflet cannot show anything beyond it.
MERCATOR_MAX_LAT = 85.05

EXTENT_COLUMNS = ("west", "south", "east", "north")


@dataclass(frozen=True)
class Box:
    """A validated extent; ``crosses`` when it spans the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    @property
    def crosses(self) -> bool:
        """True when the box spans the antimeridian (west > east)."""
        return self.west > self.east

    @property
    def is_point(self) -> bool:
        """True for a point dataset (zero width and height)."""
        return self.west == self.east and self.south == self.north

    @property
    def width(self) -> float:
        """Longitude span in degrees, antimeridian-aware."""
        return self.east + 360.0 - self.west if self.crosses else self.east - self.west

    @property
    def area(self) -> float:
        """Area in square degrees (a ranking key for 'smallest extent', not a true area)."""
        return self.width * (self.north - self.south)

    def contains(self, lon: float, lat: float, tolerance: float = 0.0) -> bool:
        """Whether (lon, lat) lies in the box, antimeridian-aware, with a tolerance in degrees."""
        if not (self.south - tolerance <= lat <= self.north + tolerance):
            return False
        lon = wrap_lon(lon)
        # Distance east of the west edge, measured modulo 360.
        offset = (lon - self.west) % 360.0
        if self.width >= 360.0:
            return True
        return offset <= self.width + tolerance or offset >= 360.0 - tolerance


def wrap_lon(lon: float) -> float:
    """Wrap a longitude into [-180, 180]; 180 stays 180 (an east edge on the antimeridian)."""
    if -180.0 <= lon <= 180.0:
        return lon
    return ((lon + 180.0) % 360.0) - 180.0


def make_box(west: Any, south: Any, east: Any, north: Any) -> Box | None:
    """Validate raw numbers into a :class:`Box`, or None when the extent is missing/invalid."""
    values = (west, south, east, north)
    try:
        w, s, e, n = (float(v) for v in values)
    except (TypeError, ValueError):
        return None  # None, pd.NA, text: a missing extent
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        return None
    if s > n or s < -90.0 or n > 90.0:
        return None
    if e - w >= 360.0:
        # 0..360 or -180..180 style global boxes.
        return Box(-180.0, s, 180.0, n)
    return Box(wrap_lon(w), s, wrap_lon(e), n)


def display_parts(box: Box) -> list[tuple[float, float, float, float]]:
    """Rectangles ``(south, west, north, east)`` to draw, latitudes clamped for Web Mercator.

    A box crossing the antimeridian becomes two parts, ``west..180`` and ``-180..east``,
    so on the default world view (and the basemap, which spans -180..180) each part sits
    on the side of the map where its data is. Latitudes beyond +-85.05 are clamped, so a
    polar or global box stays visible instead of being cut off.
    """
    s = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, box.south))
    n = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, box.north))
    if s == n and box.south != box.north:
        # A thin polar strip entirely beyond the limit: keep it visible as a sliver.
        s, n = (MERCATOR_MAX_LAT - 0.5, MERCATOR_MAX_LAT) if s > 0 else (-MERCATOR_MAX_LAT, -MERCATOR_MAX_LAT + 0.5)
    if box.crosses:
        return [(s, box.west, n, 180.0), (s, -180.0, n, box.east)]
    return [(s, box.west, n, box.east)]


def display_point(box: Box) -> tuple[float, float]:
    """(lat, lon) of a point dataset, latitude clamped to the Web Mercator band."""
    return max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, box.south)), box.west


def box_center(box: Box) -> tuple[float, float]:
    """(lon, lat) centre: antimeridian-aware longitude midpoint, latitude midpoint."""
    lon = box.west + box.width / 2.0
    return wrap_lon_open(lon), (box.south + box.north) / 2.0


def wrap_lon_open(lon: float) -> float:
    """Wrap into [-180, 180): the antimeridian is -180, so it falls in the first grid column."""
    return ((lon + 180.0) % 360.0) - 180.0


def valid_extent_mask(frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: rows whose extent is present and valid (same rules as :func:`make_box`)."""
    w, s, e, n = (frame[c].to_numpy(dtype=float, na_value=np.nan) for c in EXTENT_COLUMNS)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(w) & np.isfinite(s) & np.isfinite(e) & np.isfinite(n)
        return finite & (s <= n) & (s >= -90.0) & (n <= 90.0)


def extent_centres(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`box_center` for every row: (valid mask, lon, lat).

    A box 170..-170 is centred on the antimeridian (lon -180, the same meridian as 180);
    a circumpolar cap -180..180 x 60..90 is centred at (0, 75): the midpoint, which Web
    Mercator can show, rather than the pole, which it cannot.
    """
    valid = valid_extent_mask(frame)
    w, s, e, n = (frame[c].to_numpy(dtype=float, na_value=np.nan)[valid] for c in EXTENT_COLUMNS)
    glob = (e - w) >= 360.0
    w = np.where(glob, -180.0, w)
    e = np.where(glob, 180.0, e)
    w = np.where((w < -180.0) | (w > 180.0), ((w + 180.0) % 360.0) - 180.0, w)
    e = np.where((e < -180.0) | (e > 180.0), ((e + 180.0) % 360.0) - 180.0, e)
    width = np.where(w > e, e + 360.0 - w, e - w)
    lon = ((w + width / 2.0 + 180.0) % 360.0) - 180.0
    lat = (s + n) / 2.0
    return valid, lon, lat


def aggregate_extents(results: pd.DataFrame, cell_deg: float = 10.0) -> pd.DataFrame:
    """Count datasets per grid cell, each counted once at its extent's centre.

    Returns one row per non-empty cell with columns ``west, south, east, north`` (the
    cell), ``lon, lat`` (its centre) and ``count``, sorted by cell (south then west).
    Rows whose extent is missing or invalid are excluded and reported in
    ``frame.attrs["missing"]``; ``frame.attrs["total"]`` is the number counted.
    Longitudes are binned from -180 (a centre on the antimeridian goes to the first
    column), latitudes from -90 (a centre at 90 goes to the last row).
    """
    if not (cell_deg > 0 and math.isfinite(cell_deg)):
        raise ValueError(f"cell_deg must be a positive number, got {cell_deg!r}")
    valid, lon, lat = extent_centres(results)
    ncols = math.ceil(360.0 / cell_deg)
    nrows = math.ceil(180.0 / cell_deg)
    col = np.clip(np.floor((lon + 180.0) / cell_deg).astype(np.int64), 0, ncols - 1)
    row = np.clip(np.floor((lat + 90.0) / cell_deg).astype(np.int64), 0, nrows - 1)
    cells, counts = np.unique(row * ncols + col, return_counts=True)
    rows, cols = np.divmod(cells, ncols)
    west = -180.0 + cols * cell_deg
    south = -90.0 + rows * cell_deg
    east = np.minimum(west + cell_deg, 180.0)
    north = np.minimum(south + cell_deg, 90.0)
    frame = pd.DataFrame(
        {
            "west": west,
            "south": south,
            "east": east,
            "north": north,
            "lon": (west + east) / 2.0,
            "lat": (south + north) / 2.0,
            "count": counts.astype(np.int64),
        }
    )
    frame.attrs["missing"] = int((~valid).sum())
    frame.attrs["total"] = int(valid.sum())
    return frame
