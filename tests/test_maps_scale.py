"""Scale (issues 5 and 8): what the map shows at each view, and a payload bounded at any size."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import streamlit_folium

from dataset_atlas.maps import (
    FEATURE_BUDGET_BYTES,
    PAYLOAD_LIMIT_BYTES,
    MapOptions,
    MapPlan,
    MapView,
    aggregate_extents,
    box_center,
    build_map,
    build_map_parts,
    make_box,
    payload_bytes,
    plan_map,
    view_from_return,
)


def boxes(rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    w, s, e, n = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pd.DataFrame(
        {
            "id": [f"d{i}" for i in range(len(rows))],
            "title_zh": "",
            "title_en": "",
            "category": "c",
            "extent_quality": "exact",
            "west": w,
            "south": s,
            "east": e,
            "north": n,
        }
    )


def synthetic(n: int, seed: int = 5, title_len: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    west = rng.uniform(-180, 175, n)
    south = rng.uniform(-90, 80, n)
    width = rng.uniform(0, 40, n)
    height = rng.uniform(0, 10, n)
    east = west + width
    east = np.where(east > 180, east - 360, east)  # some cross the antimeridian
    north = np.minimum(south + height, 90)
    point = rng.random(n) < 0.1
    east = np.where(point, west, east)
    north = np.where(point, south, north)
    missing = rng.random(n) < 0.05
    west = np.where(missing, np.nan, west)
    title = ("冰川<script>" * title_len)[: title_len * 2]
    return pd.DataFrame(
        {
            "id": [f"urn:ncdc:{i:08d}" for i in range(n)],
            "title_zh": title,
            "title_en": title,
            "category": [f"cat{i % 23}" for i in range(n)],
            "extent_quality": np.where(rng.random(n) < 0.3, "approximate", "exact"),
            "west": west,
            "south": south,
            "east": east,
            "north": north,
        }
    )


def cell_of(agg: pd.DataFrame, lon: float, lat: float) -> pd.Series:
    hit = agg[(agg.west <= lon) & (lon < agg.east) & (agg.south <= lat) & (lat < agg.north)]
    assert len(hit) == 1, agg
    return hit.iloc[0]


# --- aggregation -------------------------------------------------------------------------


def test_each_dataset_counted_once_at_its_centre() -> None:
    agg = aggregate_extents(boxes([(0, 0, 4, 4), (1, 1, 2, 2), (12, 0, 14, 2)]), cell_deg=10)
    assert agg["count"].sum() == 3
    assert cell_of(agg, 5, 5)["count"] == 2
    assert cell_of(agg, 15, 5)["count"] == 1
    assert list(agg.columns) == ["west", "south", "east", "north", "lon", "lat", "count"]
    assert agg.attrs == {"missing": 0, "total": 3}


def test_antimeridian_box_is_centred_on_180() -> None:
    b = make_box(170, 0, -170, 10)
    assert b is not None and box_center(b) == (-180.0, 5.0)
    agg = aggregate_extents(boxes([(170, 0, -170, 10), (175, 0, -165, 10)]), cell_deg=10)
    # 170..-170 -> 180 == -180 (first column); 175..-165 -> -175: same first cell.
    assert len(agg) == 1
    row = agg.iloc[0]
    assert (row.west, row.east, row.south, row["count"]) == (-180, -170, 0, 2)


def test_antimeridian_box_does_not_land_on_greenwich() -> None:
    # The naive (west + east) / 2 would put 160..-160 at 0 degrees.
    agg = aggregate_extents(boxes([(160, 0, -160, 10)]), cell_deg=10)
    assert agg.iloc[0].west == -180


def test_polar_and_global_boxes() -> None:
    frame = boxes(
        [
            (-180, 60, 180, 90),  # Arctic cap -> (0, 75)
            (-180, -90, 180, -60),  # Antarctic -> (0, -75)
            (-180, -90, 180, 90),  # global -> (0, 0)
            (0, 90, 0, 90),  # the North Pole as a point -> last row
            (0, 0, 360, 10),  # 0..360 global convention -> (0, 5)
        ]
    )
    agg = aggregate_extents(frame, cell_deg=10)
    assert cell_of(agg, 0, 75)["count"] == 1
    assert cell_of(agg, 0, -75)["count"] == 1
    assert cell_of(agg, 0, 0)["count"] == 2
    pole = agg[agg.north == 90]
    assert pole["count"].sum() == 1 and pole.iloc[0].south == 80
    assert agg["count"].sum() == 5


def test_points_included_missing_excluded_and_reported() -> None:
    frame = boxes([(10, 10, 10, 10), (np.nan, 0, 1, 1), (0, 5, 1, 2), (1, 1, 2, 2)])
    agg = aggregate_extents(frame, cell_deg=30)
    assert agg["count"].sum() == 2
    assert agg.attrs == {"missing": 2, "total": 2}


def test_aggregation_of_nothing_and_bad_cell() -> None:
    agg = aggregate_extents(boxes([]), cell_deg=5)
    assert agg.empty and agg.attrs["missing"] == 0
    with pytest.raises(ValueError, match="cell_deg"):
        aggregate_extents(boxes([]), cell_deg=0)


def test_aggregation_is_pure_and_counts_everything() -> None:
    frame = synthetic(5000)
    before = frame.copy()
    agg = aggregate_extents(frame, cell_deg=7.5)
    pd.testing.assert_frame_equal(frame, before)
    assert agg["count"].sum() + agg.attrs["missing"] == len(frame)
    assert (agg.east <= 180).all() and (agg.north <= 90).all()


# --- what the map shows at each view (issue 8) -------------------------------------------


WORLD = MapView.world()
NE_CHINA_10KM = MapView(125.0, 44.5, 126.5, 45.3, 9)  # ~10 km scale bar
VALLEY_300M = MapView(125.50, 44.90, 125.55, 44.93, 14)  # ~300 m scale bar


def china_catalog(n_small: int = 4000, n_global: int = 5000, n_arctic: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Small boxes in NE China, a regional box over all of it, global and Arctic datasets."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(113, 135, n_small)
    lat = rng.uniform(38, 54, n_small)
    half = rng.uniform(0.02, 0.6, n_small)
    rows = list(zip(lon - half, lat - half * 0.6, lon + half, lat + half * 0.6, strict=True))
    rows += [(-180.0, -90.0, 180.0, 90.0)] * n_global + [(-180.0, 60.0, 180.0, 90.0)] * n_arctic
    rows += [(112.75, 38.0, 135.0, 54.35)]  # Northeast China, covers the close-up views
    frame = boxes(rows)
    frame["category"] = [f"c{i % 5}" for i in range(len(frame))]
    return frame


def accounted(plan: MapPlan) -> int:
    return plan.drawn_datasets + sum(c.count for c in plan.cells) + len(plan.cover) + len(plan.partial)


def test_every_dataset_is_drawn_counted_listed_or_outside() -> None:
    frame = synthetic(20_000)
    for view in (WORLD, NE_CHINA_10KM, MapView(150.0, 20.0, -150.0, 70.0, 3)):
        plan = plan_map(frame, view, max_features=800)
        assert accounted(plan) == plan.in_view
        assert plan.in_view + plan.outside + plan.missing == len(frame)
        assert len(plan.groups) <= 800
        for c in plan.cells:  # each count sits inside its own cell: counts never overlap
            s, w, n, e = c.bounds
            assert s <= c.lat <= n and w <= c.lon <= e


def test_global_extents_are_listed_not_a_cell_in_africa() -> None:
    frame = china_catalog()
    plan = plan_map(frame, WORLD, max_features=500)
    assert len(plan.cover) == 5000  # the global ones, listed in the corner box
    assert plan.aggregated
    assert max(c.count for c in plan.cells) < 5000
    africa = [c for c in plan.cells if -20 < c.lon < 50 and -35 < c.lat < 35]
    assert africa == []
    # The 3000 identical Arctic caps are one outline, not 3000 boxes nor a count.
    assert sorted(len(g) for g in plan.groups)[-1] == 3000


def test_zooming_in_turns_counts_into_extents() -> None:
    frame = china_catalog()
    world = plan_map(frame, WORLD, max_features=500)
    assert world.aggregated
    close = plan_map(frame, NE_CHINA_10KM, max_features=500)
    assert not close.aggregated and close.in_view > 0
    assert close.drawn_datasets == close.in_view - len(close.cover)
    # Global datasets and the Northeast China box cover this view: listed, not drawn.
    assert len(close.cover) == 5001


def test_a_view_inside_large_extents_is_never_empty() -> None:
    frame = china_catalog(n_small=0, n_arctic=0)
    plan = plan_map(frame, VALLEY_300M, max_features=500)
    assert plan.groups == [] and plan.cells == []
    assert len(plan.cover) == 5001  # what the corner box announces
    # Smallest first: the regional box before the global ones.
    assert plan.cover[0] == len(frame) - 1


def test_many_extents_larger_than_the_view_are_listed_a_few_are_drawn() -> None:
    view = MapView(125.0, 44.5, 126.5, 45.3, 9)
    # Boxes 10 degrees wide whose west edge crosses the view: they reach into it, not over it.
    big = [(125.2 + i * 0.01, 40.0, 135.0, 50.0) for i in range(100)]
    small = [(125.5, 44.8, 125.6, 44.9)]
    many = plan_map(boxes(big + small), view)
    assert len(many.partial) == 100 and many.drawn_datasets == 1
    html = build_map(boxes(big + small), MapOptions(view=view, lang="en")).get_root().render()
    assert "100 larger extents reach into it" in html
    few = plan_map(boxes(big[:5] + small), view)
    assert len(few.partial) == 0 and few.drawn_datasets == 6


def test_sparse_cells_become_extents_dense_ones_stay_counts() -> None:
    dense = [(120 + i * 1e-3, 40.0, 120.1 + i * 1e-3, 40.1) for i in range(900)]
    sparse = [(-60.0 + i, -10.0, -59.5 + i, -9.5) for i in range(0, 40, 8)]
    plan = plan_map(boxes(dense + sparse), WORLD, max_features=100)
    assert [c.count for c in plan.cells] == [900]
    assert plan.drawn_datasets == 5  # the five in South America are drawn one by one
    s, w, n, e = plan.cells[0].bounds
    assert w <= 120 <= e and s <= 40 <= n  # the cell a click zooms to holds them


def test_cells_sit_where_the_visible_part_is() -> None:
    # Extents that reach far outside a view over Europe are placed by their visible part.
    rows = [(-170.0 + i * 0.01, 45.0, 15.0 + i * 0.01, 46.0) for i in range(50)]
    rows += [(10.0 + i * 0.001, 48.0, 10.01 + i * 0.001, 48.01) for i in range(400)]
    view = MapView(0.0, 40.0, 20.0, 55.0, 6)
    plan = plan_map(boxes(rows), view, max_features=60)
    for c in plan.cells:
        assert 0 <= c.lon <= 20 and 40 <= c.lat <= 55
    assert accounted(plan) == 450


def test_view_across_the_antimeridian() -> None:
    frame = boxes([(170, 50, -170, 60), (175, 52, 176, 53), (-175, 52, -174, 53), (0, 0, 1, 1)])
    plan = plan_map(frame, MapView(160.0, 40.0, -160.0, 70.0, 4))
    assert plan.in_view == 3 and plan.outside == 1 and not plan.cover.size


def test_view_from_st_folium_return() -> None:
    ret = {"bounds": {"_southWest": {"lat": 10, "lng": -190}, "_northEast": {"lat": 20, "lng": -170}}, "zoom": 5}
    assert view_from_return(ret) == MapView(170.0, 10.0, -170.0, 20.0, 5.0)
    whole = {"bounds": {"_southWest": {"lat": -80, "lng": -300}, "_northEast": {"lat": 80, "lng": 300}}, "zoom": 1}
    assert view_from_return(whole) == MapView(-180.0, -80.0, 180.0, 80.0, 1.0)
    assert view_from_return({"bounds": None, "zoom": 3}) is None
    assert view_from_return(None) is None


def test_large_result_keeps_the_selection_on_top() -> None:
    frame = synthetic(3000)
    parts = build_map_parts(frame, MapOptions(max_features=300, selected_id="urn:ncdc:00000007"))
    assert parts.stats.aggregated and parts.stats.cells > 0
    assert parts.stats.drawn <= 301
    html = build_map(frame, MapOptions(max_features=300, selected_id="urn:ncdc:00000007")).get_root().render()
    assert "DatasetAtlas.addCells" in html
    features = json.loads(re.search(r"DatasetAtlas\.addExtents\(\w+, (\{.*?\})\);\n", html).group(1))["f"]  # type: ignore[union-attr]
    assert features[-1][3] & 2 and "urn:ncdc:00000007" in features[-1][4]
    # Narrowing the filters (fewer results) brings every extent back.
    subset = build_map_parts(frame.iloc[:200], MapOptions(max_features=300))
    assert not subset.stats.aggregated and subset.stats.drawn + subset.stats.missing + subset.stats.outside >= 195


def test_cells_in_the_map_carry_counts_and_zoom_bounds() -> None:
    frame = synthetic(4000)
    html = build_map(frame, MapOptions(max_features=100)).get_root().render()
    match = re.search(r"DatasetAtlas\.addCells\(\w+, (\{.*?\})\);\n", html)
    assert match
    cells = json.loads(match.group(1))["k"]
    plan = plan_map(frame, None, max_features=100)
    assert sum(c[2] for c in cells) == sum(c.count for c in plan.cells)
    assert all(c[3].endswith("<span hidden>⟨cell⟩</span>") for c in cells)
    assert all(len(c[4]) == 4 and c[4][0] < c[4][2] for c in cells)


def test_shared_outline_says_how_many() -> None:
    frame = boxes([(-180.0, 60.0, 180.0, 90.0)] * 40 + [(10.0, 10.0, 11.0, 11.0)])
    html = build_map(frame, MapOptions(lang="en")).get_root().render()
    features = json.loads(re.search(r"DatasetAtlas\.addExtents\(\w+, (\{.*?\})\);\n", html).group(1))["f"]  # type: ignore[union-attr]
    assert len(features) == 2
    assert features[0][3] & 4 and "40 datasets share this extent" in features[0][4]


def test_cover_control_lists_covering_datasets() -> None:
    frame = boxes([(-180.0, -90.0, 180.0, 90.0)] * 12)
    frame["title_en"] = [f"Global <{i}>" for i in range(12)]
    html = build_map(frame, MapOptions(lang="en")).get_root().render()
    data = json.loads(re.search(r"DatasetAtlas\.setCover\(\w+, (\{.*?\})\);\n", html).group(1))  # type: ignore[union-attr]
    assert data["h"] == "12 datasets cover this whole view"
    assert data["l"][0] == "Global &lt;0&gt;" and len(data["l"]) == 8 + 1
    assert data["l"][-1] == "… and 4 more"
    assert "addExtents" not in html  # nothing to draw: no box around the whole world


@pytest.mark.parametrize("n", [1_500, 100_000])
def test_payload_is_capped_at_any_catalog_size(n: int) -> None:
    frame = synthetic(n, title_len=60)
    for view in (None, NE_CHINA_10KM):
        m = build_map(frame, MapOptions(selected_id="urn:ncdc:00000003", view=view))
        size = payload_bytes(m)
        assert size <= PAYLOAD_LIMIT_BYTES, size


def test_streamlit_folium_payload_is_capped_too() -> None:
    parts = build_map_parts(synthetic(100_000))
    sent = streamlit_folium._get_map_string(parts.map) + streamlit_folium._get_feature_group_string(
        parts.features, parts.map
    )
    assert len(sent.encode("utf-8")) <= PAYLOAD_LIMIT_BYTES


def test_huge_titles_fall_back_to_counts() -> None:
    # Hostile sizes: 5000 extents with long, entity-heavy titles and ids would exceed the
    # byte budget one by one; what does not fit is counted instead.
    frame = synthetic(5000, title_len=400)
    frame["id"] = [f"{'&' * 150}{i}" for i in range(len(frame))]
    parts = build_map_parts(frame, MapOptions(max_features=10**6))
    assert parts.stats.aggregated
    assert payload_bytes(build_map(frame, MapOptions(max_features=10**6))) <= PAYLOAD_LIMIT_BYTES
    assert FEATURE_BUDGET_BYTES < PAYLOAD_LIMIT_BYTES

