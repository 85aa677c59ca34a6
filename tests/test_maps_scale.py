"""Scale (issue 5): grid aggregation, and a payload that stays bounded at any catalog size."""

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
    aggregate_extents,
    box_center,
    build_map,
    build_map_parts,
    cell_deg_for_zoom,
    make_box,
    payload_bytes,
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


# --- drawing mode and payload ------------------------------------------------------------


def test_beyond_max_features_cells_are_drawn_and_selection_stays() -> None:
    frame = synthetic(3000)
    parts = build_map_parts(frame, max_features=1500, selected_id="urn:ncdc:00000007")
    assert parts.stats.aggregated and parts.stats.cells > 0
    assert parts.stats.drawn == 1  # only the selection, on top of the counts
    html = build_map(frame, max_features=1500).get_root().render()
    assert "DatasetAtlas.addCells" in html
    # Narrowing the filters (a visible subset) brings individual extents back.
    subset = build_map_parts(frame.iloc[:1000], max_features=1500)
    assert not subset.stats.aggregated and subset.stats.drawn > 900


def test_cell_counts_in_the_map_match_the_aggregation() -> None:
    frame = synthetic(4000)
    html = build_map(frame, max_features=100, cell_deg=15).get_root().render()
    match = re.search(r"DatasetAtlas\.addCells\(\w+, (\{.*?\})\);\n", html)
    assert match
    cells = json.loads(match.group(1))["k"]
    expected = aggregate_extents(frame, 15)
    assert sum(c[2] for c in cells) == expected["count"].sum()
    assert all(c[3].endswith("<span hidden>⟨cell⟩</span>") for c in cells)


@pytest.mark.parametrize("n", [1_500, 100_000])
def test_payload_is_capped_at_any_catalog_size(n: int) -> None:
    frame = synthetic(n, title_len=60)
    m = build_map(frame, selected_id="urn:ncdc:00000003")
    size = payload_bytes(m)
    assert size <= PAYLOAD_LIMIT_BYTES, size


def test_streamlit_folium_payload_is_capped_too() -> None:
    parts = build_map_parts(synthetic(100_000))
    sent = streamlit_folium._get_map_string(parts.map) + streamlit_folium._get_feature_group_string(
        parts.features, parts.map
    )
    assert len(sent.encode("utf-8")) <= PAYLOAD_LIMIT_BYTES


def test_huge_titles_and_max_features_fall_back_to_cells() -> None:
    # Hostile sizes: 5000 extents with long, entity-heavy titles and ids would exceed the
    # budget one by one; the map falls back to counts instead of growing.
    frame = synthetic(5000, title_len=400)
    frame["id"] = [f"{'&' * 150}{i}" for i in range(len(frame))]
    parts = build_map_parts(frame, max_features=10**6)
    assert parts.stats.aggregated
    assert payload_bytes(build_map(frame, max_features=10**6)) <= PAYLOAD_LIMIT_BYTES
    assert FEATURE_BUDGET_BYTES < PAYLOAD_LIMIT_BYTES


def test_cell_size_follows_zoom() -> None:
    assert cell_deg_for_zoom(None) == 30
    assert cell_deg_for_zoom(1.5) == 30
    sizes = [cell_deg_for_zoom(z) for z in (1, 2, 3, 4, 5, 6, 8, 12)]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < 1
