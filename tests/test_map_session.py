"""The Browse map's events (clicks, choices, drawn areas, the view) as pure functions over MapSession."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

from dataset_atlas.maps import MapView, polar_frame
from dataset_atlas.ui.mapsession import (
    CHOOSER_MAX,
    AreaChange,
    MapSession,
    chooser,
    framing,
    framing_box,
    map_events,
    on_area,
    on_click,
)
from dataset_atlas.ui.state import view_for_bbox

from .test_maps import box, frame

TIBET = (75.0, 27.0, 104.0, 40.0)


@pytest.fixture
def results() -> pd.DataFrame:
    return frame([
        box("tibet", *TIBET, title_zh="青藏高原", title_en="Tibet", category="冰川"),
        box("lake", 90, 30, 92, 32, title_zh="", title_en="Lake", category="湖泊"),
        box("far", -60, -10, -50, 0, title_en="Amazon"),
    ])


def click(lat: float, lng: float, count: int | None = None, tooltip: str | None = None, **extra: Any) -> dict[str, Any]:
    """What streamlit-folium returns after a click (a shape click bumps the object-click count)."""
    return {"last_clicked": {"lat": lat, "lng": lng}, "last_object_clicked_count": count,
            "last_object_clicked_tooltip": tooltip, "zoom": 4, "last_active_drawing": None, **extra}


def rectangle(w: float, s: float, e: float, n: float) -> dict[str, Any]:
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_the_module_loads_without_streamlit() -> None:
    code = "import sys, dataset_atlas.ui.mapsession; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_each_projection_and_generation_is_its_own_map() -> None:
    assert MapSession().map_key("3857") == "atlas_map_3857_0"
    assert MapSession(generation=2).map_key("3413") == "atlas_map_3413_2"


def test_a_selected_dataset_is_framed_once_per_projection() -> None:
    session, target = framing_box(MapSession(), "tibet", TIBET, None, 3857)
    assert target == TIBET and session.framed == ("tibet", 3857)
    again, target = framing_box(session, "tibet", TIBET, None, 3857)
    assert target is None and again == session  # the person's pan and zoom are left alone
    _, target = framing_box(session, "tibet", TIBET, None, 3413)
    assert target == TIBET
    unchanged, target = framing_box(MapSession(), "nowhere", None, None, 3857)  # no extent: nothing to frame
    assert target is None and unchanged == MapSession()


def test_a_dataset_selected_at_world_zoom_is_framed_unless_zoomed_in_on_it() -> None:
    world = MapView(-180.0, -85.0, 180.0, 85.0, 1.75)
    session, target = framing_box(MapSession(), "tibet", TIBET, None, 3857, world)
    assert target == TIBET and session.framed == ("tibet", 3857)  # a few pixels at world zoom: fit it
    (lat, lon), zoom = view_for_bbox(TIBET)
    close = MapView(lon - 5, lat - 3, lon + 5, lat + 3, zoom + 1)  # the person has zoomed in on it
    session, target = framing_box(MapSession(), "tibet", TIBET, None, 3857, close)
    assert target is None and session.framed == ("tibet", 3857)
    elsewhere = MapView(0.0, 40.0, 10.0, 50.0, zoom + 1)  # zoomed in, but somewhere else
    assert framing_box(MapSession(), "tibet", TIBET, None, 3857, elsewhere)[1] == TIBET


def test_a_remounted_map_is_framed_on_the_area_once() -> None:
    area = (10.0, 10.0, 20.0, 20.0)
    assert framing_box(MapSession(), None, None, area, 3857) == (MapSession(), None)  # never remounted
    session, target = framing_box(MapSession(generation=1), None, None, area, 3857)
    assert target == area and session.framed_generation == 1
    assert framing_box(session, None, None, area, 3857) == (session, None)
    session, target = framing_box(MapSession(generation=1), None, None, None, 3857)
    assert target is None and session.framed_generation == 1  # no area: the remount is done all the same
    # A newly selected dataset wins; the remount is framed on a later run.
    session, target = framing_box(MapSession(generation=1), "tibet", TIBET, area, 3857)
    assert target == TIBET and session.framed_generation == 0


def test_framing_is_centre_and_zoom_for_the_map() -> None:
    assert framing(None, 3857, 580) == {}
    centre, zoom = view_for_bbox(TIBET)
    assert framing(TIBET, 3857, 580) == {"center": centre, "zoom": zoom}
    centre, zoom = polar_frame((-180, 60, 180, 90), 3413, height_px=580)
    assert framing((-180, 60, 180, 90), 3413, 580) == {"center": centre, "zoom": zoom}


def test_only_a_shape_from_the_draw_tool_is_a_drawing() -> None:
    drawn = rectangle(0, 0, 10, 10)
    assert map_events({"last_active_drawing": drawn, "all_drawings": [drawn]})["last_active_drawing"] == drawn
    extent = rectangle(75, 27, 104, 40)  # a clicked extent, reported as the "last drawing"
    assert map_events({"last_active_drawing": extent, "all_drawings": [drawn]})["last_active_drawing"] is None
    assert map_events({"last_active_drawing": extent, "all_drawings": None})["last_active_drawing"] is None
    assert map_events(None) == {"last_active_drawing": None}


def test_a_click_on_a_shape_selects_it_once(results: pd.DataFrame) -> None:
    events = click(35, 80, count=1, tooltip="Tibet ⟨id:tibet⟩")
    session, selected = on_click(MapSession(), events, results, 3857, None)
    assert selected == "tibet" and session.framed is None  # framed on the next run (framing_box)
    assert session.choices == ()
    assert on_click(session, events, results, 3857, "tibet") == (session, None)  # the same return: no new click
    # A click on the dataset already selected changes nothing else.
    _, selected = on_click(MapSession(), events, results, 3857, "tibet")
    assert selected is None


def test_a_click_over_several_datasets_lists_them_smallest_first(results: pd.DataFrame) -> None:
    # A shared outline's tooltip carries no id: the datasets under the point become the choices.
    session, selected = on_click(MapSession(), click(31, 91, count=1, tooltip="2 datasets"), results, 3857, None)
    assert selected is None and session.choices == ("lake", "tibet")


def test_a_click_on_the_bare_map_selects_the_only_dataset_under_it(results: pd.DataFrame) -> None:
    before = MapSession(last_click=(json.dumps({"lat": 0, "lng": 0}), 3))
    # The object-click count did not change: not on a shape, so a stale tooltip is not used.
    session, selected = on_click(before, click(-5, -55, count=3, tooltip="Tibet ⟨id:tibet⟩"), results, 3857, None)
    assert selected == "far" and session.choices == ()
    session, selected = on_click(before, click(-50, 100, count=3), results, 3857, None)
    assert selected is None and session.choices == () and session.last_click is not None


def test_a_click_on_a_count_cell_selects_nothing(results: pd.DataFrame) -> None:
    before = MapSession(choices=("lake", "tibet"))
    session, selected = on_click(before, click(31, 91, count=1, tooltip="12 datasets ⟨cell⟩"),
                                 results, 3857, None)
    assert selected is None and session.choices == ()  # the map zooms into the cell by itself


def test_the_end_of_a_drawn_rectangle_is_not_a_click(results: pd.DataFrame) -> None:
    events = click(35, 80, count=1, tooltip="Tibet ⟨id:tibet⟩", last_active_drawing=rectangle(70, 20, 110, 45))
    session, selected = on_click(MapSession(choices=("a", "b")), events, results, 3857, None)
    assert selected is None and session.choices == ("a", "b") and session.last_click is not None


def test_no_click_is_no_event(results: pd.DataFrame) -> None:
    assert on_click(MapSession(), {"last_clicked": None}, results, 3857, None) == (MapSession(), None)


def test_the_chooser_lists_titles_and_marks_the_selected(results: pd.DataFrame) -> None:
    listed = chooser(("lake", "tibet"), results, "zh", "tibet")
    assert listed is not None
    assert listed.ids == ["lake", "tibet"] and listed.index == 1 and listed.total == 2
    assert listed.names == {"lake": "Lake · 湖泊", "tibet": "青藏高原 · 冰川"}  # no Chinese title: the English one
    assert listed.key.startswith("map_choice_") and listed.key == chooser(("lake", "tibet"), results, "en", None).key
    assert chooser(("lake",), results, "zh", None) is None
    assert chooser(("lake", "gone"), results, "zh", None) is None  # one left in this result
    assert chooser(("tibet", "lake", "far"), results, "en", None, limit=2).total == 3  # type: ignore[union-attr]
    assert CHOOSER_MAX == 200


def test_a_new_drawing_becomes_the_area_and_remounts_the_map() -> None:
    drawn = rectangle(10, 20, 30, 40)
    session, change = on_area(MapSession(), {"all_drawings": [drawn]}, 3857, False, None)
    assert change == AreaChange((10.0, 20.0, 30.0, 40.0), drawn=True)
    assert session.generation == 1 and session.last_drawing == json.dumps(drawn, sort_keys=True)
    assert on_area(session, {"all_drawings": [drawn]}, 3857, False, None) == (session, None)  # handled already


def test_a_drawing_without_a_box_is_remembered_but_changes_nothing() -> None:
    odd = {"type": "Feature", "geometry": {"type": "Point", "coordinates": "x"}}
    session, change = on_area(MapSession(), {"all_drawings": [odd]}, 3857, False, None)
    assert change is None and session.last_drawing is not None and session.generation == 0


def test_following_the_view_sets_the_area_to_the_rounded_view() -> None:
    bounds = {"_southWest": {"lat": 10.123456, "lng": 20.987654}, "_northEast": {"lat": 30.5, "lng": 40.25}}
    session, change = on_area(MapSession(), {"bounds": bounds}, 3857, True, None)
    assert change == AreaChange((20.9877, 10.1235, 40.25, 30.5), drawn=False) and session == MapSession()
    assert on_area(MapSession(), {"bounds": bounds}, 3857, False, None) == (MapSession(), None)  # not asked
    same = (20.987654, 10.123456, 40.25, 30.5)
    assert on_area(MapSession(), {"bounds": bounds}, 3857, True, same) == (MapSession(), None)
