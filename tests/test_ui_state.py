"""The URL form of the view state, drawn boxes and framing: pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.timeline import coverage_by_year, spans
from dataset_atlas.ui.state import (
    ViewState,
    bbox_from_geojson,
    bbox_from_leaflet_bounds,
    params_from_state,
    resolution_label,
    state_from_params,
    view_for_bbox,
)

from .conftest import CALC_ID, MAGT_ID, SEEDS, SMMR_ID


def test_round_trip_through_the_url() -> None:
    state = ViewState(lang="en", text="冻土 permafrost", start=date(2010, 1, 1), end=date(2020, 6, 30),
                      categories=("冻土", "基础地理"), res_min=10.0, res_max=1000.0, time_resolutions=("daily",),
                      access=("open-access",), formats=("GeoTIFF",), bbox=(170.0, 50.0, -170.0, 70.0),
                      selected="abc", file="China-EASE-N07-ML1978299D.37V", sort="-start", basemap="osm", page=3,
                      overlay=False, opacity=0.5)
    params = params_from_state(state)
    assert params["cat"] == ["冻土", "基础地理"] and params["bbox"] == "170,50,-170,70"
    assert params["file"] == "China-EASE-N07-ML1978299D.37V"
    assert state_from_params(params) == state


@pytest.mark.parametrize(("value", "expected"), [
    ("China-EASE-N07-ML1978298A.18H", "China-EASE-N07-ML1978298A.18H"),
    ("sub/folder/a.tif", "sub/folder/a.tif"),  # a name relative to the dataset's folder
    ("", None), ("x" * 5000, "x" * 1000),  # empty is no choice; a huge value is cut, never an error
])
def test_the_file_to_preview_is_in_the_url(value: str, expected: str | None) -> None:
    """Back and a shared link restore the chosen file; whether the dataset has it is the page's check."""
    assert state_from_params({"id": "abc", "file": value}).file == expected
    assert "file" not in params_from_state(ViewState(selected="abc"))  # the first file: a short link


def test_defaults_make_an_empty_url() -> None:
    assert params_from_state(ViewState()) == {}
    assert state_from_params({}) == ViewState()


@pytest.mark.parametrize(
    "params",
    [{"lang": "fr"}, {"bbox": "1,2,3"}, {"bbox": "0,95,1,96"}, {"from": "yesterday"}, {"rmin": "-5"},
     {"rmax": "abc"}, {"sort": "drop table"}, {"basemap": "http://evil"}, {"page": "x"}, {"opacity": "9"}],
)
def test_bad_url_values_fall_back_to_defaults(params: dict[str, str]) -> None:
    state = state_from_params(params)
    assert state.lang == "zh" and state.bbox is None and state.sort == "relevance" and state.basemap == "offline"
    assert state.res_min is None and state.res_max is None and state.page == 1 and 0 <= state.opacity <= 1


def test_lists_accept_repeated_and_single_values() -> None:
    assert state_from_params({"cat": "冻土"}).categories == ("冻土",)
    assert state_from_params({"cat": ["冻土", "冻土", "冰川"]}).categories == ("冻土", "冰川")


@pytest.mark.parametrize(
    ("coords", "expected"),
    [
        ([[[100, 30], [110, 30], [110, 40], [100, 40], [100, 30]]], (100, 30, 110, 40)),
        ([[[170, 50], [190, 50], [190, 60], [170, 60], [170, 50]]], (170, 50, -170, 60)),  # past 180 wraps
        ([[[-190, 0], [-170, 0], [-170, 5], [-190, 5], [-190, 0]]], (170, 0, -170, 5)),
        ([[[-200, -10], [200, -10], [200, 10], [-200, 10], [-200, -10]]], (-180, -10, 180, 10)),
    ],
)
def test_drawn_rectangle_to_bbox(coords: list, expected: tuple) -> None:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": coords}}
    assert bbox_from_geojson(feature) == pytest.approx(expected)


def test_map_view_bounds_and_junk() -> None:
    bounds = {"_southWest": {"lat": 10, "lng": 350}, "_northEast": {"lat": 20, "lng": 370}}
    assert bbox_from_leaflet_bounds(bounds) == pytest.approx((-10, 10, 10, 20))
    assert bbox_from_leaflet_bounds({"nope": 1}) is None  # type: ignore[dict-item]
    assert bbox_from_geojson({"geometry": "x"}) is None


def test_framing() -> None:
    (lat, lon), zoom = view_for_bbox((112.75, 38.0, 135.0, 54.35))
    assert 38 < lat < 55 and 112 < lon < 135 and zoom >= 3
    (lat, lon), zoom = view_for_bbox((170.0, -10.0, -170.0, 10.0))
    assert lon in (180.0, -180.0) and zoom >= 4
    (_, _), zoom = view_for_bbox((-180.0, 60.0, 180.0, 90.0))
    assert zoom == 1


@pytest.mark.parametrize(("metres", "label"), [(1, "1 m"), (30, "30 m"), (1000, "1 km"), (25000, "25 km")])
def test_resolution_labels(metres: float, label: str) -> None:
    assert resolution_label(metres) == label


def test_timeline_spans_and_coverage() -> None:
    frame = LocalCatalog.from_paths([SEEDS]).frame
    table = spans(frame, "en", today=date(2026, 1, 1))
    assert list(table["id"]) == [SMMR_ID, MAGT_ID, CALC_ID]  # ordered by start
    assert not table["ongoing"].any()
    coverage = coverage_by_year(frame, today=date(2026, 1, 1)).set_index("year")["datasets"]
    assert coverage[1980] == 1 and coverage[2020] == 2 and coverage[2024] == 1 and coverage[2000] == 0


def test_framing_half_the_globe_or_more_shows_the_world() -> None:
    assert view_for_bbox((141.7, -81.33, 6.3, 81.33)) == ((20.0, 0.0), 1)  # GOES across 180°
    assert view_for_bbox((-180.0, -90.0, 180.0, 90.0)) == ((20.0, 0.0), 1)


def test_rejected_url_params_are_named() -> None:
    from dataset_atlas.ui.state import rejected_params

    params = {"rmax": "-1", "from": "99999", "q": "ice", "lang": "en", "page": "2", "rmin": "30",
              "to": "2020-05", "sort": "nonsense", "ql": "0", "opacity": "2", "bbox": "70,20,100,40"}
    assert rejected_params(params) == ("rmax", "from", "sort")
    assert rejected_params({"lang": "fr", "view": "x", "page": "0", "bbox": "1,2", "opacity": "a"}) == (
        "lang", "view", "page", "bbox", "opacity")
    assert rejected_params({"tres": ["8-day"], "q": "", "rmax": ""}) == ()  # empty values are just absent
    assert rejected_params({"rmax": ["30", "-1"]}) == ("rmax",)  # the value used is the last one

