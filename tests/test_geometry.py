"""One table for the geometry module: boxes, antimeridian, poles, projections (checked with pyproj)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Transformer

from dataset_atlas import geometry as g


def to_crs(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def from_crs(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


# (epsg, lon, lat): points all over each projection's side of the globe.
POINTS = [
    (3857, 0, 0), (3857, 179.9, 85), (3857, -120, -60), (3857, 45, 30),
    (3413, -45, 90 - 1e-9), (3413, 0, 60), (3413, 180, 70), (3413, -179.9, 45), (3413, 135, 88), (3413, 90, 0.5),
    (3031, 0, -89.99), (3031, 180, -60), (3031, -90, -71), (3031, 60, -50), (3031, -179.9, -1),
]


@pytest.mark.parametrize(("epsg", "lon", "lat"), POINTS)
def test_project_and_unproject_agree_with_pyproj(epsg: int, lon: float, lat: float) -> None:
    x, y = g.project(lon, lat, epsg)
    ex, ey = to_crs(epsg).transform(lon, lat)
    assert (float(x), float(y)) == pytest.approx((ex, ey), abs=1e-3)  # a millimetre
    back_lon, back_lat = g.unproject(ex, ey, epsg)
    assert float(back_lat) == pytest.approx(lat, abs=1e-9)
    if abs(lat) < 89.9:  # the longitude of a pole is any
        assert math.remainder(float(back_lon) - lon, 360.0) == pytest.approx(0.0, abs=1e-9)


def test_one_mercator_limit_is_the_square_world() -> None:
    _, lat = from_crs(3857).transform(0.0, 20037508.342789244)
    assert g.MERCATOR_MAX_LAT == pytest.approx(lat, abs=1e-9)
    assert g.clamp_lat(90.0) == g.MERCATOR_MAX_LAT and g.clamp_lat(-89.0) == -g.MERCATOR_MAX_LAT


def dense_bounds(box: g.Box, epsg: int, lat_range: tuple[float, float]) -> tuple[float, float, float, float]:
    """Reference: a dense grid over the whole box through pyproj (no densification rule involved)."""
    s, n = max(box.south, lat_range[0]), min(box.north, lat_range[1])
    lons = np.linspace(box.west, box.west + box.width, 361)
    lats = np.linspace(s, n, 181)
    lon_grid, lat_grid = np.meshgrid(lons, lats)
    x, y = to_crs(epsg).transform(lon_grid.ravel(), lat_grid.ravel())
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


@pytest.mark.parametrize(
    ("epsg", "bbox"),
    [
        (3413, (-180, 60, 180, 90)),  # the Arctic cap: a disc, centred on the pole
        (3413, (170, 55, -170, 75)),  # across the antimeridian
        (3413, (-10, 70, 40, 85)),
        (3413, (100, 30, 140, 50)),
        (3031, (-180, -90, 180, -60)),  # Antarctica
        (3031, (160, -80, -150, -65)),  # Ross Sea, across the antimeridian
        (3031, (-70, -75, -50, -60)),  # Antarctic Peninsula
        (3857, (73.5, 18, 135.1, 53.6)),
    ],
)
def test_projected_bounds_of_densified_boxes_match_a_dense_grid(epsg: int, bbox: tuple[float, ...]) -> None:
    box = g.make_box(*bbox)
    assert box is not None
    got = g.projected_bounds(box, epsg)
    expected = dense_bounds(box, epsg, g.projection(epsg).lat_range)
    # Parallels are densified every 2 degrees: the chord sags less than 0.1 % of the radius.
    scale = max(abs(v) for v in expected)
    assert got == pytest.approx(expected, abs=2e-3 * scale)
    if box.is_global_lon:  # corners alone would be wrong here: the reason to densify
        cx, cy = to_crs(epsg).transform([box.west, box.east, box.west, box.east],
                                        [box.south, box.south, box.north, box.north])
        assert max(cx) - min(cx) < 0.5 * (expected[2] - expected[0])


def test_a_60_to_90_box_is_a_disc_around_the_pole() -> None:
    box = g.make_box(-180, 60, 180, 90)
    assert box is not None
    polygons = g.box_polygons(box, 3413)
    assert len(polygons) == 1 and len(polygons[0]) == 1  # one ring, no seam to the pole
    ring = np.array(polygons[0][0])
    x, y = g.project(ring[:, 1], ring[:, 0], 3413)
    radius = np.hypot(x, y)
    assert np.allclose(radius, radius[0]) and len(ring) >= 180
    # A band stopping short of the pole is a ring with a hole.
    band = g.box_polygons(g.make_box(-180, 60, 180, 80), 3413)  # type: ignore[arg-type]
    assert len(band[0]) == 2
    # Antarctica in the Antarctic view likewise; the Arctic is not drawn there.
    assert len(g.box_polygons(g.make_box(-180, -90, 180, -60), 3031)[0]) == 1  # type: ignore[arg-type]
    assert g.box_polygons(box, 3031) == []


@pytest.mark.parametrize("epsg", [3413, 3031])
def test_antimeridian_box_is_one_continuous_shape_in_polar_views(epsg: int) -> None:
    lat0, lat1 = (55, 75) if epsg == 3413 else (-75, -55)
    box = g.make_box(170, lat0, -170, lat1)
    assert box is not None and box.crosses
    polygons = g.box_polygons(box, epsg)
    assert len(polygons) == 1
    lons = [lon for _, lon in polygons[0][0]]
    assert min(lons) == 170 and max(lons) == 190  # continues past 180, no split
    # In Web Mercator the same box is two rectangles, one each side of the map.
    assert g.box_polygons(box, 3857) == [[[(lat0, 170, ), (lat0, 180), (lat1, 180), (lat1, 170)]],
                                         [[(lat0, -180), (lat0, -170), (lat1, -170), (lat1, -180)]]]


def square(epsg: int, cx: float, cy: float, half: float) -> tuple[list[float], list[float]]:
    """Corners (lon, lat) of a square drawn on the projected plane."""
    xs = [cx - half, cx + half, cx + half, cx - half]
    ys = [cy - half, cy - half, cy + half, cy + half]
    lons, lats = from_crs(epsg).transform(xs, ys)
    return list(lons), list(lats)


def reference_bbox(epsg: int, cx: float, cy: float, half: float) -> tuple[float, float, list[float]]:
    """Latitude range and longitudes along the square's outline, densely, through pyproj."""
    t = np.linspace(-half, half, 2001)
    xs = np.concatenate([cx + t, np.full_like(t, cx + half), cx - t, np.full_like(t, cx - half)])
    ys = np.concatenate([np.full_like(t, cy - half), cy + t, np.full_like(t, cy + half), cy - t])
    lons, lats = from_crs(epsg).transform(xs, ys)
    return float(np.min(lats)), float(np.max(lats)), list(lons)


@pytest.mark.parametrize(
    ("epsg", "centre", "half", "cap"),
    [
        (3413, (0, 0), 1_000_000, True),  # centred on the North Pole
        (3413, (800_000, -300_000), 1_000_000, True),  # off-centre, pole still inside
        (3413, (2_000_000, 0), 500_000, False),
        (3413, (-1_500_000, 1_500_000), 400_000, False),  # straddles 180° (lon_0 is -45)
        (3031, (0, 0), 2_000_000, True),  # the South Pole
        (3031, (0, 2_000_000), 300_000, False),  # straddles 180°
        (3031, (-2_200_000, 800_000), 300_000, False),
    ],
)
def test_area_drawn_in_a_polar_view_becomes_the_right_query(
    epsg: int, centre: tuple[float, float], half: float, cap: bool
) -> None:
    lons, lats = square(epsg, centre[0], centre[1], half)
    got = g.area_bbox(lons, lats, epsg)
    assert got is not None
    lat_min, lat_max, ring_lons = reference_bbox(epsg, centre[0], centre[1], half)
    if cap:  # all longitudes, from the rim to the pole
        expected = (-180.0, lat_min, 180.0, 90.0) if epsg == 3413 else (-180.0, -90.0, 180.0, lat_max)
        assert got == pytest.approx(expected, abs=0.01)
        return
    west, south, east, north = got
    assert (south, north) == pytest.approx((lat_min, lat_max), abs=0.01)
    # Every longitude of the outline lies in the box, and the box is no wider than needed.
    box = g.make_box(*got)
    assert box is not None and box.width < 180.0
    assert all(box.contains(lon, lat_min + 1e-6, tolerance=0.01) for lon in ring_lons)
    ref_w, ref_e = g.lon_arc(ring_lons)
    assert (west, east) == pytest.approx((ref_w, ref_e), abs=0.01)


def test_a_polar_view_holding_the_pole_is_a_cap() -> None:
    lons, lats = square(3413, 0, 0, 3_000_000)
    got = g.view_bbox((lats[0], lons[0]), (lats[2], lons[2]), 3413)  # bottom-left, top-right
    assert got is not None and got[0] == -180.0 and got[2] == 180.0 and got[3] == 90.0
    assert got[1] == pytest.approx(reference_bbox(3413, 0, 0, 3_000_000)[0], abs=0.01)


@pytest.mark.parametrize(
    ("west", "east", "intervals"),
    [(10, 20, [(10, 20)]), (170, -170, [(170, 180), (-180, -170)]), (-180, 180, [(-180, 180)]), (5, 5, [(5, 5)])],
)
def test_lon_intervals_scalar_and_vectorised(west: float, east: float, intervals: list[tuple[float, float]]) -> None:
    assert g.lon_intervals(west, east) == intervals
    a_lo, a_hi, b_lo, b_hi = g.lon_intervals_v(np.array([west], float), np.array([east], float))
    vector = [(a_lo[0], a_hi[0])] + ([(b_lo[0], b_hi[0])] if not np.isnan(b_lo[0]) else [])
    assert vector == intervals


@pytest.mark.parametrize(
    ("lons", "arc"),
    [([170, -170, 175], (170, -170)), ([-10, 10], (-10, 10)), (list(range(-180, 180, 30)), (-180, 180)),
     ([100, 179, -180], (100, 180))],
)
def test_lon_arc_is_the_shortest_covering_arc(lons: list[float], arc: tuple[float, float]) -> None:
    assert g.lon_arc(lons) == arc


@pytest.mark.parametrize(
    ("raw", "expected"),
    [((0, 0, 360, 10), (-180, 0, 180, 10)), ((190, 0, 200, 1), (-170, 0, -160, 1)), ((1, 5, 2, 4), None),
     ((float("nan"), 0, 1, 1), None), ((0, -91, 1, 1), None), ((170, 50, -170, 60), (170, 50, -170, 60))],
)
def test_make_box_scalar_and_vectorised_agree(raw: tuple[float, ...], expected: tuple[float, ...] | None) -> None:
    box = g.make_box(*raw)
    assert (box.bbox if box else None) == expected
    valid, w, s, e, n = g.normalise_boxes(*(np.array([v], float) for v in raw))
    assert bool(valid[0]) == (expected is not None)
    if expected is not None:
        assert (w[0], s[0], e[0], n[0]) == expected


def test_projection_lookup_falls_back_to_web_mercator() -> None:
    assert g.projection("EPSG:3413").epsg == 3413 and g.projection(3031).south
    assert g.projection("4326").epsg == 3857 and g.projection(None).epsg == 3857 and g.projection("x").epsg == 3857


@pytest.mark.parametrize(
    ("bbox", "point", "tolerance", "inside"),
    [((170, 50, -170, 66), (180, 60), 0, True), ((170, 50, -170, 66), (-175, 60), 0, True),
     ((170, 50, -170, 66), (0, 60), 0, False), ((170, 50, -170, 66), (169.5, 60), 1, True),
     ((-180, 60, 180, 90), (123, 89.9), 0, True), ((10, 10, 10, 10), (10.2, 10), 0.5, True),
     ((10, 10, 10, 10), (11, 10), 0.5, False), ((-10, -5, 10, 5), (190, 0), 0, False),
     ((-10, -5, 10, 5), (355, 0), 0, True)],
)
def test_containment_scalar_and_vectorised_agree(
    bbox: tuple[float, ...], point: tuple[float, float], tolerance: float, inside: bool
) -> None:
    box = g.make_box(*bbox)
    assert box is not None and box.contains(*point, tolerance=tolerance) is inside
    w, s, e, n = (np.array([v], float) for v in box.bbox)
    assert bool(g.boxes_contain(w, s, e, n, point[0], point[1], tolerance, tolerance)[0]) is inside


@pytest.mark.parametrize(
    ("edges", "epsg"),
    [(([0, 100], [61, 80], [10, 120], [70, 85]), 3413), (([160], [-80], [-150], [-65]), 3031),
     (([0, 0], [61, -80], [10, 10], [70, -65]), 3857), (([-180], [50], [180], [90]), 3857),
     (([], [], [], []), 3857), (([np.nan, 0], [np.nan, 61], [np.nan, 10], [np.nan, 70]), 3413),  # missing: ignored
     (([0], [70], [10], [60]), 3857), ((-180, 60, 180, 90), 3413)],  # invalid (S > N): ignored; scalars: one box
)
def test_polar_epsg_is_the_pole_every_valid_box_lies_around(edges: tuple[object, ...], epsg: int) -> None:
    assert g.polar_epsg(*edges) == epsg


def test_the_box_type_has_one_home_and_model_and_geometry_do_not_import_each_other() -> None:
    import ast
    from pathlib import Path

    import dataset_atlas

    root = Path(dataset_atlas.__file__).parent

    def imports(name: str) -> set[str]:
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        return {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}

    assert "dataset_atlas.geometry" not in imports("model")  # at any depth: no lazy import either
    assert "dataset_atlas.model" not in imports("geometry")
    assert {"dataset_atlas.bbox"} <= imports("model") & imports("geometry")
    assert not {m for m in imports("bbox") if m.startswith("dataset_atlas")}  # a leaf
