"""Polar maps (EPSG:3413 / EPSG:3031) built by the map layer: assets, shapes, views, overlays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit_folium
from affine import Affine

from dataset_atlas import geometry as g
from dataset_atlas.maps import (
    MapOptions,
    add_polar_quicklook_overlay,
    asset_urls,
    build_extent_map,
    build_map,
    build_map_parts,
    default_polar_view,
    external_urls,
    polar_frame,
    view_from_return,
)
from dataset_atlas.maps.click import datasets_at_click
from dataset_atlas.maps.extents import extent_edges
from dataset_atlas.maps.offline import STATIC_PREFIX
from dataset_atlas.quicklook.render import render_quicklook
from dataset_atlas.ui.state import bbox_from_geojson, bbox_from_leaflet_bounds, params_from_state, state_from_params

from .helpers import write_tif
from .test_maps import box, extent_payload, frame, rendered

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def polar_sample():  # type: ignore[no-untyped-def]
    return frame([
        box("arctic", -180, 60, 180, 90, title_en="Arctic cap"),
        box("bering", 170, 60, -170, 75, title_en="Bering"),
        box("svalbard", 15.6, 78.2, 15.6, 78.2, extent_quality="exact", title_en="Station"),
        box("antarctic", -180, -90, 180, -60, title_en="Antarctica"),
        box("tibet", 75, 27, 104, 40, title_en="Tibet"),
    ])


def features_by_id(html: str) -> dict[str, list[object]]:
    return {str(f[4]).rsplit("⟨id:", 1)[1].split("⟩")[0]: f for f in extent_payload(html)["f"]}  # type: ignore[attr-defined]


def test_arctic_map_uses_local_proj4leaflet_and_the_polar_crs(polar_sample) -> None:  # type: ignore[no-untyped-def]
    m = build_map(polar_sample, MapOptions(epsg=3413))
    html = rendered(m)
    assert "crs: L.CRS.EPSG3413" in html and "DatasetAtlasPolar.setup(" in html
    urls = asset_urls(m)
    assert external_urls(m) == []
    order = [u.rsplit("/", 1)[-1] for u in urls if u.endswith(".js")]
    assert order.index("leaflet.js") < order.index("proj4.js") < order.index("proj4leaflet.js") < order.index(
        "atlas-polar.js")
    for url in urls:
        assert (ROOT / "static" / url.removeprefix(f"{STATIC_PREFIX}/")).is_file(), url
    assert "arctic-50m.geojson" in html
    for licence in ("static/proj4/LICENSE.md", "static/proj4leaflet/LICENSE"):
        assert (ROOT / licence).is_file()
    # streamlit-folium sends the same (local) links and script.
    script = streamlit_folium._get_map_string(m)
    assert "http" not in script


def test_the_js_projection_definitions_equal_the_geometry_module() -> None:
    js = (ROOT / "static/atlas/atlas-polar.js").read_text(encoding="utf-8")
    for epsg in (3413, 3031):
        assert f'"EPSG:{epsg}", "{g.PROJECTIONS[epsg].proj4}"' in js
        assert g.PROJECTIONS[epsg].half_extent == 4194304.0 and "var HALF = 4194304;" in js


def test_polar_shapes_are_densified_and_per_hemisphere(polar_sample) -> None:  # type: ignore[no-untyped-def]
    arctic = features_by_id(rendered(build_map(polar_sample, MapOptions(epsg=3413, view=None))))
    # The cap is a disc (one ring on one latitude), Bering one piece past 180°, the station a point.
    cap = arctic["arctic"]
    assert cap[0] == "g" and len(cap[1]) == 1 and len(cap[1][0]) == 1  # type: ignore[arg-type, index]
    assert {lat for lat, _ in cap[1][0][0]} == {60.0}  # type: ignore[index]
    bering = arctic["bering"]
    lons = [lon for _, lon in bering[1][0][0]]  # type: ignore[index]
    assert bering[0] == "g" and len(bering[1]) == 1 and min(lons) == 170 and max(lons) == 190  # type: ignore[arg-type]
    assert arctic["svalbard"][0] == "p" and arctic["svalbard"][1] == [78.2, 15.6]
    # The other hemisphere is not in the Arctic view.
    assert "antarctic" not in arctic and arctic["tibet"][0] == "g"  # Tibet is at the rim of the default view
    antarctic = features_by_id(rendered(build_map(polar_sample, MapOptions(epsg=3031))))
    assert set(antarctic) == {"antarctic"} and len(antarctic["antarctic"][1][0]) == 1  # type: ignore[arg-type]


def test_polar_view_from_the_browser_is_the_lon_lat_box_of_the_screen() -> None:
    # atlas-polar.js reports the bottom-left and top-right screen corners as they are.
    bl = g.unproject(-2_000_000, -1_500_000, 3413)
    tr = g.unproject(2_000_000, 1_500_000, 3413)
    ret = {"bounds": {"_southWest": {"lat": float(bl[1]), "lng": float(bl[0])},
                      "_northEast": {"lat": float(tr[1]), "lng": float(tr[0])}}, "zoom": 2}
    view = view_from_return(ret, 3413)
    assert view is not None and (view.west, view.east, view.north) == (-180, 180, 90)
    corner_lat = float(g.unproject(2_000_000, 1_500_000, 3413)[1])
    assert view.south == pytest.approx(corner_lat, abs=0.01)
    as_area = bbox_from_leaflet_bounds(ret["bounds"], 3413)
    assert as_area == pytest.approx((view.west, view.south, view.east, view.north))
    assert view_from_return({"bounds": "x", "zoom": 1}, 3413) is None
    default = default_polar_view(3031)
    assert (default.west, default.south, default.east) == (-180, -90, 180) and -50 < default.north < -20


def test_a_rectangle_dragged_around_the_pole_becomes_a_cap(polar_sample) -> None:  # type: ignore[no-untyped-def]
    corners = [g.unproject(x, y, 3413) for x, y in ((-1e6, -1e6), (1e6, -1e6), (1e6, 1e6), (-1e6, 1e6))]
    ring = [[float(lon), float(lat)] for lon, lat in corners]
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}
    bbox = bbox_from_geojson(feature, 3413)
    assert bbox is not None and (bbox[0], bbox[2], bbox[3]) == (-180, 180, 90) and 70 < bbox[1] < 80
    # The same shape read as a Web Mercator box would have been a strip that misses the pole.
    assert bbox_from_geojson(feature)[3] < 90  # type: ignore[index]


def test_clicks_on_a_polar_map_list_what_is_under_them(polar_sample) -> None:  # type: ignore[no-untyped-def]
    ret = {"last_clicked": {"lat": 67.0, "lng": -179.0}, "zoom": 2}
    assert datasets_at_click(ret, polar_sample, 3413) == ["bering", "arctic"]  # smallest first
    ret = {"last_clicked": {"lat": 89.0, "lng": 123.0}, "zoom": 2}
    assert datasets_at_click(ret, polar_sample, 3413) == ["arctic"]


def test_polar_quicklook_overlay_is_placed_by_its_projected_bounds(tmp_path: Path, polar_sample) -> None:  # type: ignore[no-untyped-def]
    tif = write_tif(tmp_path / "a.tif", np.full((64, 64), 3, np.uint8), "EPSG:3413",
                    Affine(50_000, 0, -1_600_000, 0, -50_000, 1_600_000), nodata=0)
    look = render_quicklook(tif, crs="EPSG:3413", max_size=64)
    parts = build_map_parts(polar_sample, MapOptions(epsg=3413, overlays=[look]))
    script = streamlit_folium._get_feature_group_string(parts.features, parts.map)
    match = re.search(r"DatasetAtlasPolar\.addImage\(\w+, \"data:image/png;base64,[^\"]+\", (\[[^\]]+\])", script)
    assert match and json.loads(match.group(1)) == [-1_600_000, -1_600_000, 1_600_000, 1_600_000]
    mercator = render_quicklook(tif, max_size=64)
    with pytest.raises(ValueError, match="is in EPSG:3857, not EPSG:3413"):
        add_polar_quicklook_overlay(parts.features, mercator, 3413)


def test_detail_map_is_polar_poleward_of_60(polar_sample) -> None:  # type: ignore[no-untyped-def]
    assert "L.CRS.EPSG3413" in rendered(build_extent_map(-180, 60, 180, 90, lang="en"))
    assert "L.CRS.EPSG3031" in rendered(build_extent_map(160, -80, -150, -65, lang="en"))
    world = rendered(build_extent_map(75, 27, 104, 40, lang="en"))
    assert "EPSG3413" not in world and "EPSG3031" not in world
    assert "EPSG3413" not in rendered(build_extent_map(-180, 50, 180, 90))  # reaches below 60°
    assert g.polar_epsg([0, 100], [61, 80], [10, 120], [70, 85]) == 3413
    assert g.polar_epsg([], [], [], []) == 3857
    assert g.polar_epsg(160, -80, -150, -65) == 3031  # one box, scalars
    # Framing: a cap centred on its pole; a small box zoomed in further than the whole cap.
    (lat, _), zoom_cap = polar_frame((-180, 60, 180, 90), 3413)
    assert lat == pytest.approx(90)
    (_, _), zoom_small = polar_frame((10, 75, 30, 80), 3413)
    assert zoom_small > zoom_cap


def test_the_result_is_polar_when_every_extent_is(polar_sample) -> None:  # type: ignore[no-untyped-def]
    assert g.polar_epsg(*extent_edges(polar_sample)) == 3857
    assert g.polar_epsg(*extent_edges(polar_sample[polar_sample["id"].isin(["arctic", "bering", "svalbard"])])) == 3413
    assert g.polar_epsg(*extent_edges(polar_sample[polar_sample["id"] == "antarctic"])) == 3031
    assert g.polar_epsg(*extent_edges(polar_sample.iloc[0:0])) == 3857


@pytest.mark.parametrize(("value", "expected"), [("3413", "3413"), ("3031", "3031"), ("4326", "3857"), ("", "3857"),
                                                 ("EPSG:3413", "3857")])
def test_projection_in_the_url_falls_back_to_the_world(value: str, expected: str) -> None:
    state = state_from_params({"proj": value})
    assert state.proj == expected
    assert params_from_state(state).get("proj") == (None if expected == "3857" else expected)
    assert state.cleared().proj == expected  # clearing filters keeps the map's projection


def test_count_cells_on_a_polar_map_are_square_on_its_plane_and_count_everything() -> None:
    from dataset_atlas.maps.aggregate import CELL_PX, CELL_RADIUS_PX, POLAR_ZOOM_OFFSET, plan_map

    rng = np.random.default_rng(7)
    lon = rng.uniform(-180, 180, 3000)
    lat = rng.uniform(62, 88, 3000)
    many = frame([box(f"b{i}", lo, la, lo + 0.5, la + 0.2) for i, (lo, la) in enumerate(zip(lon, lat, strict=True))])
    view = default_polar_view(3413)
    plan = plan_map(many, view, max_features=300, epsg=3413)
    assert plan.cells and plan.in_view == 3000
    assert sum(c.count for c in plan.cells) + plan.drawn_datasets == 3000  # every dataset drawn or counted
    # Counts sit where their extents are (62–88°N) and inside their own cell, on every side of the pole.
    assert all(61 <= c.lat <= 89 and c.bounds[0] <= c.lat <= c.bounds[2] for c in plan.cells), plan.cells
    assert {np.sign(c.lon - 45 + 1e-9) for c in plan.cells} == {-1, 1}
    # On screen (polar plane at the view's zoom) the counts are at least two radii apart.
    res = 2 * 4194304 / 256 / 2 ** (view.zoom - POLAR_ZOOM_OFFSET)
    x, y = g.project([c.lon for c in plan.cells], [c.lat for c in plan.cells], 3413)
    pts = np.column_stack([x, y]) / res
    gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) + np.eye(len(pts)) * 1e9
    assert gaps.min() >= 2 * CELL_RADIUS_PX - 1e-6
    # Each count lies in its own cell of the grid anchored at the pole.
    cells = {(int(np.floor(px / CELL_PX)), int(np.floor(-py / CELL_PX))) for px, py in pts}
    assert len(cells) == len(plan.cells)
    # Zoomed in four levels over part of the Arctic, the same extents split into more, smaller cells.
    corners = {"_southWest": {"lat": 75.0, "lng": -60.0}, "_northEast": {"lat": 70.0, "lng": 40.0}}
    closer = view_from_return({"bounds": corners, "zoom": 4}, 3413)
    assert closer is not None
    zoomed = plan_map(many, closer, max_features=300, epsg=3413)
    assert zoomed.in_view < 3000 and sum(c.count for c in zoomed.cells) + zoomed.drawn_datasets == zoomed.in_view


@pytest.mark.parametrize("epsg", [3413, 3031])
def test_a_large_catalog_on_a_polar_map_stays_within_the_payload_limit(epsg: int) -> None:
    from dataset_atlas.maps import PAYLOAD_LIMIT_BYTES, payload_bytes

    rng = np.random.default_rng(3)
    n = 20_000
    west = rng.uniform(-180, 180, n)
    south = rng.uniform(-90, 80, n)
    east = west + rng.uniform(0, 30, n)
    many = frame([box(f"r{i}", w, s, e - 360 if e > 180 else e, min(s + 8, 90), title_en="长标题 " * 20)
                  for i, (w, s, e) in enumerate(zip(west, south, east, strict=True))])
    parts = build_map_parts(many, MapOptions(epsg=epsg))
    assert parts.stats.aggregated and parts.stats.outside > 0  # the other hemisphere is outside
    parts.features.add_to(parts.map)
    assert payload_bytes(parts.map) <= PAYLOAD_LIMIT_BYTES
