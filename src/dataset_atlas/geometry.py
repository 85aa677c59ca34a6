"""Boxes on the sphere and the three map projections, in one place (pure numpy, no GIS stack).

Conventions (the normalised catalog's, and STAC's): a box is ``west, south, east, north`` in
degrees WGS84; ``west > east`` crosses the antimeridian (170..-170 is 20 degrees wide);
``west == east and south == north`` is a point; ``east - west >= 360`` is global.

Every rule about these boxes lives here, each as a scalar and (where callers need it) a
vectorised function over arrays: validation, antimeridian splits, widths and containment,
densified outlines, the lon/lat box of a shape drawn in a projection (a shape holding a pole
becomes a latitude cap over all longitudes), and the projections themselves: Web Mercator
(EPSG:3857) and the polar stereographic projections EPSG:3413 (NSIDC Arctic) and EPSG:3031
(Antarctic), with the same formulas as PROJ (tests compare with pyproj). The box type and
its antimeridian split (``lon_intervals``) come from :mod:`dataset_atlas.bbox`, which the CLI
loads without numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dataset_atlas.bbox import BBox, lon_intervals

# Web Mercator's latitude limit (the square world): atan(sinh(pi)). The only one in the code.
MERCATOR_MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))  # 85.0511287798066
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E = math.sqrt(WGS84_F * (2 - WGS84_F))

WORLD, ARCTIC, ANTARCTIC = 3857, 3413, 3031
# Densification step (degrees of longitude/latitude) for outlines drawn in polar views.
DENSIFY_DEG = 2.0
# A box poleward of this latitude (both edges) is "polar": the detail map and the Browse
# hint use the polar view for it.
POLAR_LAT = 60.0


@dataclass(frozen=True)
class Projection:
    """A map projection the app draws in; ``lat_range`` is what its views can show."""

    epsg: int
    proj4: str
    lat_range: tuple[float, float]
    # Polar stereographic parameters (None for Web Mercator).
    lat_ts: float | None = None
    lon_0: float = 0.0
    # The square the map's tile pyramid covers (metres), as NSIDC/Earthdata use it.
    half_extent: float = 20037508.342789244

    @property
    def polar(self) -> bool:
        """True for the two polar stereographic projections."""
        return self.lat_ts is not None

    @property
    def south(self) -> bool:
        """True for the Antarctic projection (the pole at the centre is the South Pole)."""
        return self.lat_ts is not None and self.lat_ts < 0

    @property
    def code(self) -> str:
        """'EPSG:3413'."""
        return f"EPSG:{self.epsg}"

    def pole_lat(self) -> float:
        """The latitude at the centre of a polar view (90 or -90)."""
        return -90.0 if self.south else 90.0


PROJECTIONS: dict[int, Projection] = {
    WORLD: Projection(
        WORLD,
        "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs",
        (-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT),
    ),
    ARCTIC: Projection(
        ARCTIC,
        "+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs",
        (0.0, 90.0), lat_ts=70.0, lon_0=-45.0, half_extent=4194304.0,
    ),
    ANTARCTIC: Projection(
        ANTARCTIC,
        "+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs",
        (-90.0, 0.0), lat_ts=-71.0, lon_0=0.0, half_extent=4194304.0,
    ),
}


def projection(epsg: int | str | None) -> Projection:
    """The projection for 3857/3413/3031 (or 'EPSG:3413'); anything else is Web Mercator."""
    text = str(epsg or "").upper().removeprefix("EPSG:").strip()
    try:
        return PROJECTIONS[int(text)]
    except (ValueError, KeyError):
        return PROJECTIONS[WORLD]


# --- longitudes ------------------------------------------------------------------------------


def wrap_lon(lon: float) -> float:
    """Wrap a longitude into [-180, 180]; 180 stays 180 (an east edge on the antimeridian)."""
    if -180.0 <= lon <= 180.0:
        return lon
    return ((lon + 180.0) % 360.0) - 180.0


def wrap_lon_open(lon: float) -> float:
    """Wrap into [-180, 180): the antimeridian is -180."""
    return ((lon + 180.0) % 360.0) - 180.0


def wrap_lons_open(lon: np.ndarray) -> np.ndarray:
    """Vectorised :func:`wrap_lon_open`."""
    return ((np.asarray(lon, dtype=float) + 180.0) % 360.0) - 180.0


def wrap_lons(lon: np.ndarray) -> np.ndarray:
    """Vectorised :func:`wrap_lon` (values already in [-180, 180] are kept as they are)."""
    with np.errstate(invalid="ignore"):
        out = (lon < -180.0) | (lon > 180.0)
    return np.where(out, ((lon + 180.0) % 360.0) - 180.0, lon)


def lon_width(west: float, east: float) -> float:
    """Longitude span of a box's edges in degrees, antimeridian-aware."""
    return east + 360.0 - west if west > east else east - west


def lon_widths(west: np.ndarray, east: np.ndarray) -> np.ndarray:
    """Vectorised :func:`lon_width`."""
    return np.where(west > east, east + 360.0 - west, east - west)


def boxes_contain(
    west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray, lon: float, lat: float,
    lon_tolerance: np.ndarray | float = 0.0, lat_tolerance: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Vectorised :meth:`Box.contains`: which boxes hold (lon, lat), antimeridian-aware, with tolerances."""
    width = lon_widths(west, east)
    with np.errstate(invalid="ignore"):
        offset = (wrap_lon_open(lon) - west) % 360.0  # distance east of the west edge
        lon_ok = (width >= 360.0) | (offset <= width + lon_tolerance) | (offset >= 360.0 - lon_tolerance)
        return lon_ok & (south - lat_tolerance <= lat) & (lat <= north + lat_tolerance)


def lon_intervals_v(west: np.ndarray, east: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`lon_intervals`: (a_lo, a_hi, b_lo, b_hi); b is NaN unless crossing."""
    cross = west > east
    return (west, np.where(cross, 180.0, east), np.where(cross, -180.0, np.nan), np.where(cross, east, np.nan))


def lon_arc(lons: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """The shortest (west, east) arc covering every longitude: complement of the largest gap.

    West > east when the arc crosses the antimeridian; (-180, 180) when no gap is wider
    than 180° (a shape all around a pole).
    """
    values = np.sort(np.asarray([wrap_lon_open(float(v)) for v in lons], dtype=float))
    if values.size == 0:
        raise ValueError("no longitudes")
    gaps = np.diff(np.concatenate([values, [values[0] + 360.0]]))
    i = int(np.argmax(gaps))
    if gaps[i] < 180.0:
        return -180.0, 180.0
    west = float(values[(i + 1) % values.size])
    east = float(values[i])
    return west, (180.0 if east == -180.0 else east)  # an arc ending on the antimeridian


# --- boxes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A validated extent (see the module conventions); ``crosses`` when it spans 180°."""

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
        return lon_width(self.west, self.east)

    @property
    def is_global_lon(self) -> bool:
        """True when the box goes all the way round (-180..180)."""
        return self.width >= 360.0

    @property
    def area(self) -> float:
        """Area in square degrees (a ranking key for 'smallest extent', not a true area)."""
        return self.width * (self.north - self.south)

    @property
    def bbox(self) -> BBox:
        """(west, south, east, north)."""
        return (self.west, self.south, self.east, self.north)

    def contains(self, lon: float, lat: float, tolerance: float = 0.0) -> bool:
        """Whether (lon, lat) lies in the box, antimeridian-aware, with a tolerance in degrees."""
        if not (self.south - tolerance <= lat <= self.north + tolerance):
            return False
        if self.width >= 360.0:
            return True
        offset = (wrap_lon(lon) - self.west) % 360.0  # distance east of the west edge
        return offset <= self.width + tolerance or offset >= 360.0 - tolerance

    def split(self) -> list[BBox]:
        """The box as one or two (W, S, E, N) boxes that do not cross 180° (for GeoJSON/WKB)."""
        return [(lo, self.south, hi, self.north) for lo, hi in lon_intervals(self.west, self.east)]

    def is_polar(self, limit: float = POLAR_LAT) -> bool:
        """True when the whole box lies poleward of ±``limit`` degrees."""
        return self.south >= limit or self.north <= -limit


def make_box(west: Any, south: Any, east: Any, north: Any) -> Box | None:
    """Validate raw numbers into a :class:`Box`, or None when the extent is missing/invalid."""
    try:
        w, s, e, n = (float(v) for v in (west, south, east, north))
    except (TypeError, ValueError):
        return None  # None, pd.NA, text: a missing extent
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        return None
    if s > n or s < -90.0 or n > 90.0:
        return None
    if e - w >= 360.0:
        return Box(-180.0, s, 180.0, n)  # 0..360 or -180..180 style global boxes
    return Box(wrap_lon(w), s, wrap_lon(e), n)


def normalise_boxes(
    west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`make_box`: (valid, west, south, east, north), global as -180..180."""
    w, s, e, n = (np.asarray(v, dtype=float) for v in (west, south, east, north))
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(w) & np.isfinite(s) & np.isfinite(e) & np.isfinite(n)
        valid &= (s <= n) & (s >= -90.0) & (n <= 90.0)
        glob = (e - w) >= 360.0
    w = wrap_lons(np.where(glob, -180.0, w))
    e = wrap_lons(np.where(glob, 180.0, e))
    return valid, w, s, e, n


def box_center(box: Box) -> tuple[float, float]:
    """(lon, lat) centre: antimeridian-aware longitude midpoint, latitude midpoint."""
    return wrap_lon_open(box.west + box.width / 2.0), (box.south + box.north) / 2.0


def clamp_lat(lat: float, epsg: int = WORLD) -> float:
    """A latitude clamped into what ``epsg``'s views show (±85.05° for Web Mercator)."""
    lo, hi = projection(epsg).lat_range
    return max(lo, min(hi, lat))


def polar_epsg(west: Any, south: Any, east: Any, north: Any, limit: float = POLAR_LAT) -> int:
    """3413 when every valid box lies poleward of ``limit``°N, 3031 when of ``limit``°S, else 3857.

    Scalars or arrays of edges (one box or many). Missing and invalid boxes are ignored (they
    are not drawn); with no valid box at all the answer is 3857.
    """
    edges = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (west, south, east, north))
    valid, _, s, _, n = normalise_boxes(*edges)
    if not valid.any():
        return WORLD
    if (s[valid] >= limit).all():
        return ARCTIC
    if (n[valid] <= -limit).all():
        return ANTARCTIC
    return WORLD


# --- projections -----------------------------------------------------------------------------


def _tsfn(phi: np.ndarray) -> np.ndarray:
    sin = WGS84_E * np.sin(phi)
    return np.tan(np.pi / 4.0 - phi / 2.0) / ((1.0 - sin) / (1.0 + sin)) ** (WGS84_E / 2.0)


def _polar_scale(p: Projection) -> float:
    """a * m_c / t_c of a polar stereographic projection (rho = scale * t)."""
    phi_c = math.radians(abs(p.lat_ts or 90.0))
    m_c = math.cos(phi_c) / math.sqrt(1.0 - (WGS84_E * math.sin(phi_c)) ** 2)
    return float(WGS84_A * m_c / _tsfn(np.asarray(phi_c)))


def project(lon: Any, lat: Any, epsg: int = WORLD) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) metres of lon/lat degrees in ``epsg`` (vectorised; PROJ's formulas).

    Web Mercator clamps latitudes to its limit; polar stereographic takes any latitude but
    the opposite pole (infinite).
    """
    p = projection(epsg)
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if not p.polar:
        phi = np.radians(np.clip(lat_a, -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT))
        return WGS84_A * np.radians(lon_a), WGS84_A * np.log(np.tan(np.pi / 4.0 + phi / 2.0))
    sign = -1.0 if p.south else 1.0
    phi = np.radians(sign * lat_a)
    lam = np.radians(sign * (lon_a - p.lon_0))
    with np.errstate(divide="ignore", over="ignore"):
        rho = _polar_scale(p) * _tsfn(phi)
    return sign * rho * np.sin(lam), sign * -rho * np.cos(lam)


def unproject(x: Any, y: Any, epsg: int = WORLD) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) degrees of projected metres (the inverse of :func:`project`)."""
    p = projection(epsg)
    x_a = np.asarray(x, dtype=float)
    y_a = np.asarray(y, dtype=float)
    if not p.polar:
        return np.degrees(x_a / WGS84_A), np.degrees(np.arctan(np.sinh(y_a / WGS84_A)))
    sign = -1.0 if p.south else 1.0
    xs, ys = sign * x_a, sign * y_a
    rho = np.hypot(xs, ys)
    t = rho / _polar_scale(p)
    phi = np.pi / 2.0 - 2.0 * np.arctan(t)
    for _ in range(8):  # converges to 1e-12 in ~5 steps
        sin = WGS84_E * np.sin(phi)
        phi = np.pi / 2.0 - 2.0 * np.arctan(t * ((1.0 - sin) / (1.0 + sin)) ** (WGS84_E / 2.0))
    lam = np.arctan2(xs, -ys)
    lon = np.degrees(sign * lam) + p.lon_0
    return ((lon + 180.0) % 360.0) - 180.0, sign * np.degrees(phi)


# --- outlines --------------------------------------------------------------------------------


def _steps(a: float, b: float, step: float) -> np.ndarray:
    count = max(1, math.ceil(abs(b - a) / step))
    return np.linspace(a, b, count + 1)


LatLngRing = list[tuple[float, float]]  # (lat, lon) pairs, as Leaflet takes them


def box_polygons(box: Box, epsg: int = WORLD, step: float = DENSIFY_DEG) -> list[list[LatLngRing]]:
    """Polygons (each a list of rings of (lat, lon)) that draw ``box`` in ``epsg``'s view.

    Web Mercator: one rectangle per side of the antimeridian, latitudes clamped to ±85.05°
    (a strip beyond the limit stays a visible sliver). Polar views: one shape whatever the
    antimeridian (longitudes continue past 180), parallels densified every ``step`` degrees
    (meridians are straight lines there); a box all round the pole is a disc (or a ring
    when it stops short of the pole). Latitudes are clipped to the view's hemisphere; a box
    entirely in the other one gives [].
    """
    p = projection(epsg)
    if not p.polar:
        return [[_rect(*part)] for part in mercator_parts(box)]
    lo, hi = p.lat_range
    s, n = max(lo, box.south), min(hi, box.north)
    if s > n or (s == n and box.south != box.north):
        return []
    if box.is_global_lon:
        far, near = (s, n) if not p.south else (n, s)  # far from the pole / near it
        outer = _parallel(far, -180.0, 180.0, step)
        if near == p.pole_lat():
            return [[outer]]
        return [[outer, _parallel(near, -180.0, 180.0, step)]]
    west, east = box.west, box.west + box.width
    ring = _parallel(s, west, east, step) + _parallel(n, east, west, step)
    return [[ring]]


def _parallel(lat: float, lon_from: float, lon_to: float, step: float) -> LatLngRing:
    if abs(lat) == 90.0:
        return [(lat, lon_from), (lat, lon_to)]
    return [(lat, float(v)) for v in _steps(lon_from, lon_to, step)]


def _rect(south: float, west: float, north: float, east: float) -> LatLngRing:
    return [(south, west), (south, east), (north, east), (north, west)]


def mercator_parts(box: Box) -> list[tuple[float, float, float, float]]:
    """Rectangles ``(south, west, north, east)`` to draw in Web Mercator (see :func:`box_polygons`)."""
    s = clamp_lat(box.south)
    n = clamp_lat(box.north)
    if s == n and box.south != box.north:
        # A thin polar strip entirely beyond the limit: keep it visible as a sliver.
        s, n = (MERCATOR_MAX_LAT - 0.5, MERCATOR_MAX_LAT) if s > 0 else (-MERCATOR_MAX_LAT, -MERCATOR_MAX_LAT + 0.5)
    return [(s, lo, n, hi) for lo, hi in lon_intervals(box.west, box.east)]


def projected_bounds(box: Box, epsg: int, step: float = DENSIFY_DEG) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of the densified ``box`` in ``epsg`` (clipped to its latitudes).

    A box holding a pole reaches the pole's (0, 0) with its whole rim around it.
    """
    p = projection(epsg)
    lo, hi = p.lat_range
    s, n = max(lo, box.south), min(hi, box.north)
    if s > n:
        raise ValueError(f"box {box.bbox} lies outside {p.code}'s latitudes {lo}..{hi}")
    lons = _steps(box.west, box.west + box.width, step)
    lats = _steps(s, n, step)
    ring_lon = np.concatenate([lons, np.full(lats.size, lons[-1]), lons[::-1], np.full(lats.size, lons[0])])
    ring_lat = np.concatenate([np.full(lons.size, s), lats, np.full(lons.size, n), lats[::-1]])
    x, y = project(ring_lon, ring_lat, epsg)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


# --- shapes drawn in a projection -> query boxes ----------------------------------------------


def _inside(px: float, py: float, xs: np.ndarray, ys: np.ndarray) -> bool:
    """Even-odd rule: is (px, py) inside the closed polygon xs, ys?"""
    x0, y0 = xs, ys
    x1, y1 = np.roll(xs, -1), np.roll(ys, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        crosses = ((y0 > py) != (y1 > py)) & (px < (x1 - x0) * (py - y0) / (y1 - y0) + x0)
    return bool(np.count_nonzero(crosses) % 2)


def area_bbox(lons: Sequence[float], lats: Sequence[float], epsg: int = WORLD, samples: int = 32) -> BBox | None:
    """The lon/lat query box of a shape drawn on a map in ``epsg`` (vertices in degrees).

    Its edges are straight on that map, so they are densified there (``samples`` points
    each) before going back to lon/lat. In a polar view a shape holding the pole becomes a
    latitude cap over all longitudes; otherwise the box is the latitude range and the
    shortest longitude arc of the densified outline (it may cross 180°). In Web Mercator a
    drawn rectangle is already a lon/lat box (Leaflet longitudes past ±180 wrap).
    """
    if len(lons) == 0 or len(lons) != len(lats):
        return None
    p = projection(epsg)
    lon_a = np.asarray(lons, dtype=float)
    lat_a = np.clip(np.asarray(lats, dtype=float), -90.0, 90.0)
    if not (np.isfinite(lon_a).all() and np.isfinite(lat_a).all()):
        return None
    if not p.polar:
        west, east = float(lon_a.min()), float(lon_a.max())
        south, north = float(lat_a.min()), float(lat_a.max())
        if east - west >= 360.0:
            return (-180.0, south, 180.0, north)
        return (wrap_lon(west), south, wrap_lon(east), north)
    x, y = project(lon_a, lat_a, epsg)
    t = np.linspace(0.0, 1.0, samples, endpoint=False)
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    dx = (x[:, None] + (x1 - x)[:, None] * t[None, :]).ravel()
    dy = (y[:, None] + (y1 - y)[:, None] * t[None, :]).ravel()
    d_lon, d_lat = unproject(dx, dy, epsg)
    if len(lons) >= 3 and _inside(0.0, 0.0, x, y):
        if p.south:
            return (-180.0, -90.0, 180.0, float(d_lat.max()))
        return (-180.0, float(d_lat.min()), 180.0, 90.0)
    west, east = lon_arc(d_lon)
    return (west, float(d_lat.min()), east, float(d_lat.max()))


def view_bbox(corner_a: tuple[float, float], corner_b: tuple[float, float], epsg: int) -> BBox | None:
    """The lon/lat box of a map view given two opposite screen corners as (lat, lon).

    In a polar view the screen is a rectangle on the projected plane (north-up there), so
    the corners give the whole rectangle; see :func:`area_bbox` for the rest.
    """
    p = projection(epsg)
    (lat_a, lon_a), (lat_b, lon_b) = corner_a, corner_b
    if not p.polar:
        return area_bbox([lon_a, lon_b], [lat_a, lat_b], epsg)
    xa, ya = project(lon_a, lat_a, epsg)
    xb, yb = project(lon_b, lat_b, epsg)
    xs = np.array([xa, xb, xb, xa], dtype=float)
    ys = np.array([ya, ya, yb, yb], dtype=float)
    lon, lat = unproject(xs, ys, epsg)
    return area_bbox(lon.tolist(), lat.tolist(), epsg)
