"""Extents on the map: display parts, centres, grid counts (the box rules live in ``geometry``).

Pure functions on numbers and DataFrames (no folium), so they are cheap to test.

Conventions (the normalised catalog's): a box is ``west, south, east, north`` in degrees;
``west > east`` means the box crosses the antimeridian (170..-170 is 20 degrees wide);
``west == east and south == north`` is a point.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dataset_atlas.geometry import (
    MERCATOR_MAX_LAT,
    WORLD,
    Box,
    box_center,
    clamp_lat,
    lon_widths,
    make_box,
    mercator_parts,
    normalise_boxes,
    wrap_lon,
    wrap_lon_open,
    wrap_lons_open,
)

__all__ = ["EXTENT_COLUMNS", "MERCATOR_MAX_LAT", "Box", "aggregate_extents", "box_center", "display_parts",
           "display_point", "extent_centres", "extent_edges", "make_box", "valid_extent_mask", "wrap_lon",
           "wrap_lon_open"]

EXTENT_COLUMNS = ("west", "south", "east", "north")


def display_parts(box: Box) -> list[tuple[float, float, float, float]]:
    """Rectangles ``(south, west, north, east)`` to draw in Web Mercator.

    A box crossing the antimeridian becomes two parts, ``west..180`` and ``-180..east``,
    so on the default world view (and the basemap, which spans -180..180) each part sits
    on the side of the map where its data is. Latitudes beyond +-85.05 are clamped, so a
    polar or global box stays visible instead of being cut off (:func:`geometry.mercator_parts`).
    """
    return mercator_parts(box)


def display_point(box: Box, epsg: int = WORLD) -> tuple[float, float]:
    """(lat, lon) of a point dataset, latitude clamped to what the view shows."""
    return clamp_lat(box.south, epsg), box.west


def extent_edges(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows' west, south, east, north as float arrays (a missing value is NaN), e.g. for
    :func:`geometry.polar_epsg`."""
    west, south, east, north = (frame[c].to_numpy(dtype=float, na_value=np.nan) for c in EXTENT_COLUMNS)
    return west, south, east, north


def valid_extent_mask(frame: pd.DataFrame) -> np.ndarray:
    """Boolean array: rows whose extent is present and valid (same rules as :func:`make_box`)."""
    return normalise_boxes(*extent_edges(frame))[0]


def extent_centres(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`box_center` for every row: (valid mask, lon, lat).

    A box 170..-170 is centred on the antimeridian (lon -180, the same meridian as 180);
    a circumpolar cap -180..180 x 60..90 is centred at (0, 75): the midpoint, which Web
    Mercator can show, rather than the pole, which it cannot.
    """
    valid, w, s, e, n = normalise_boxes(*extent_edges(frame))
    w, s, e, n = w[valid], s[valid], e[valid], n[valid]
    width = lon_widths(w, e)
    lon = wrap_lons_open(w + width / 2.0)
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
