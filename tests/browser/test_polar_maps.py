"""Polar maps in a real Chromium against `streamlit run`: the Arctic and the Antarctic views.

A server of its own: the seeds plus a few polar records (a box across the antimeridian in
each hemisphere, a cap around the North Pole, a station on Svalbard, Antarctica). Each test
asserts what a person sees (shapes where the data is, the header, the URL, the panel) and,
through the `page` fixture, that no console error or failed request happened.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect
from pyproj import Transformer

from ..conftest import CALC_ID
from ..helpers import free_port
from .conftest import MAP_FRAME, ROOT, Server, runs, seeds_app, settled, stop
from .test_user_flows import TIMEOUT, expect_header, expect_url, shot

pytestmark = pytest.mark.browser
README_SHOT = ROOT / "docs" / "screenshots" / "arctic.png"
SELECTED = "#d6005c"  # atlas-map.js STYLE.selectedColor


def record(id_: str, title: str, w: float, s: float, e: float, n: float) -> dict[str, Any]:
    return {"id": id_, "title_cn": title, "title_en": title, "ds_acq_lon_west": w, "ds_acq_lon_east": e,
            "ds_acq_lat_south": s, "ds_acq_lat_north": n, "ds_acq_start_time": "2015-01-01 00:00:00",
            "ds_acq_end_time": "2019-12-31 00:00:00", "category": "冰冻圈", "ds_space_res": "1km", "ds_time_res": "年"}


POLAR = {
    "bering": record("polar-bering", "Bering Strait sea ice", 170, 60, -170, 75),
    "pole": record("polar-pole", "North Pole drift buoys", -180, 85, 180, 90),
    "svalbard": record("polar-svalbard", "Ny-Alesund station", 11.9, 78.9, 11.9, 78.9),
    "antarctica": record("polar-antarctica", "Antarctic ice sheet", -180, -90, 180, -60),
    "ross": record("polar-ross", "Ross Sea polynya", 160, -80, -150, -68),
}
TOTAL = 3 + len(POLAR)  # the seeds and these


@pytest.fixture(scope="module")
def polar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with seeds_app(tmp_path_factory.mktemp("polar"), POLAR) as server:
        yield server


# In the map's iframe: the Leaflet map (folium's global), shapes with their tooltip, screen points.
MAP_JS = "Object.values(window).find(v => v instanceof L.Map)"
SHAPES_JS = f"""() => {{
  const map = {MAP_JS}, out = [];
  map.eachLayer(l => {{
    if (l instanceof L.Polygon && l.getTooltip() && l.getElement()) {{
      const r = l.getElement().getBoundingClientRect();
      out.push({{tip: l.getTooltip().getContent(), parts: l.getLatLngs().length,
                 x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}});
    }}
  }});
  return out;
}}"""
ZOOM_AT_LEAST_JS = """z => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]'), w = f && f.contentWindow;
  const m = w && w.L && Object.values(w).find(v => v instanceof w.L.Map);
  return !!m && m.getZoom() >= z;
}"""
POINT_JS = f"""([lat, lng]) => {{ const p = {MAP_JS}.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }}"""


def open_polar(page: Page, server: Server, query: str) -> FrameLocator:
    page.goto(f"{server.url}/{query}")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=TIMEOUT, state="attached")
    expect(frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-basemap", "drawn",
                                                                       timeout=TIMEOUT)
    return frame


def in_frame(frame: FrameLocator, js: str, arg: Any = None) -> Any:
    """Run the function ``js`` with ``arg`` in the map's iframe (Locator.evaluate passes the element first)."""
    return frame.locator("body").evaluate(f"(element, arg) => ({js})(arg)", arg)


def shapes(frame: FrameLocator) -> dict[str, dict[str, float]]:
    found = {}
    for s in in_frame(frame, SHAPES_JS):
        for key, doc in POLAR.items():
            if doc["title_en"] in s["tip"]:
                found[key] = s
        if "CALC-2020" in s["tip"]:
            found["calc"] = s
    return found


def map_origin(page: Page) -> tuple[float, float]:
    box = page.locator(MAP_FRAME).first.bounding_box()
    assert box is not None
    return box["x"], box["y"]


def test_arctic_view_draws_extents_as_they_are_and_a_click_selects(page: Page, polar: Server) -> None:
    frame = open_polar(page, polar, "?lang=en&proj=3413")
    expect(frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-crs", "EPSG:3413")
    expect_header(page, f"{TOTAL} of {TOTAL} datasets")
    drawn = shapes(frame)
    pole_x, pole_y = in_frame(frame, POINT_JS, [90, 0])
    # The 60–90°N CALC box and the 85–90°N cap are discs centred on the pole.
    for key in ("calc", "pole"):
        s = drawn[key]
        width, height = s["x1"] - s["x0"], s["y1"] - s["y0"]
        assert abs(width - height) < 0.03 * width, (key, s)
        assert abs((s["x0"] + s["x1"]) / 2 - pole_x) < 3 and abs((s["y0"] + s["y1"]) / 2 - pole_y) < 3, (key, s)
    assert drawn["calc"]["x1"] - drawn["calc"]["x0"] > 5 * (drawn["pole"]["x1"] - drawn["pole"]["x0"])
    # Across the antimeridian: one continuous shape that holds 180° at its middle latitude.
    bering = drawn["bering"]
    assert bering["parts"] == 1
    bx, by = in_frame(frame, POINT_JS, [67.5, 180])
    assert bering["x0"] < bx < bering["x1"] and bering["y0"] < by < bering["y1"]
    assert "antarctica" not in drawn and "ross" not in drawn  # the other hemisphere is not in this view
    expect(frame.locator(".atlas-cell")).to_have_count(0)
    # A station stays a marker: a circle on Svalbard.
    sx, sy = in_frame(frame, POINT_JS, [78.9, 11.9])
    markers = in_frame(frame, f"""() => {{ const map = {MAP_JS}, out = [];
      map.eachLayer(l => {{ if (l instanceof L.CircleMarker) {{
        const p = map.latLngToContainerPoint(l.getLatLng()); out.push([p.x, p.y]); }} }});
      return out; }}""")
    assert any(abs(x - sx) < 1 and abs(y - sy) < 1 for x, y in markers), (sx, sy, markers)
    # Hover, then click the Bering box where it crosses 180°: tooltip, then selected; the filters stay.
    ox, oy = map_origin(page)
    page.mouse.move(ox + bx, oy + by)
    expect(frame.locator(".leaflet-tooltip")).to_contain_text("Bering Strait sea ice", timeout=TIMEOUT)
    page.mouse.click(ox + bx, oy + by)
    expect_url(page, r"[?&]id=polar-bering")
    expect_url(page, r"[?&]proj=3413")
    expect(page.get_by_role("heading", name="Bering Strait sea ice")).to_be_visible(timeout=TIMEOUT)
    expect_header(page, f"{TOTAL} of {TOTAL} datasets")
    # Under the click lie Bering and CALC: the chooser lists both (smallest first, as in the world view).
    expect(page.get_by_role("radio", name="Bering Strait sea ice")).to_be_visible(timeout=TIMEOUT)
    expect(page.frame_locator(MAP_FRAME).first.locator(f"path[stroke='{SELECTED}']")).to_have_count(
        1, timeout=TIMEOUT)
    shot(page, "polar_arctic_click")


def test_an_area_drawn_around_the_pole_is_a_latitude_cap(page: Page, polar: Server) -> None:
    from dataset_atlas.catalog import LocalCatalog
    from dataset_atlas.catalog.base import Query

    frame = open_polar(page, polar, "?lang=en&proj=3413")
    pole_x, pole_y = in_frame(frame, POINT_JS, [90, 0])
    # The farthest corner from the pole sets the cap's edge.
    corner = in_frame(frame, f"""([x, y]) => {MAP_JS}.containerPointToLatLng([x, y]).lat""",
                      [pole_x + 120, pole_y + 90])
    frame.locator("a.leaflet-draw-draw-rectangle").click()
    ox, oy = map_origin(page)
    since = runs(page)
    page.mouse.move(ox + pole_x - 120, oy + pole_y + 90)
    page.mouse.down()
    page.mouse.move(ox + pole_x + 120, oy + pole_y - 90, steps=12)
    page.mouse.up()
    expect_url(page, r"[?&]bbox=-180,")
    href = page.evaluate("decodeURIComponent(location.href)")
    bbox = [float(v) for v in href.split("bbox=")[1].split("&")[0].split(",")]
    assert bbox[0] == -180 and bbox[2] == 180 and bbox[3] == 90
    assert bbox[1] == pytest.approx(corner, abs=0.05)
    # The right datasets: everything reaching north of the cap's edge, nothing else.
    expected = LocalCatalog.load(polar.index).search(Query(bbox=tuple(bbox))).frame  # type: ignore[arg-type]
    titles = set(expected["title_en"])
    assert {"North Pole drift buoys", "Ny-Alesund station", "Bering Strait sea ice"} <= titles
    assert "Antarctic ice sheet" not in titles and len(titles) < TOTAL
    expect_header(page, f"{len(titles)} of {TOTAL} datasets")
    settled(page, since)
    outline = page.frame_locator(MAP_FRAME).first.locator("path.atlas-area")
    expect(outline).to_have_count(1, timeout=TIMEOUT)  # the cap: one circle around the pole
    shot(page, "polar_area_cap")


def test_the_calc_quicklook_lies_where_its_pixels_are(page: Page, polar: Server) -> None:
    from dataset_atlas.quicklook import find_data_files
    from dataset_atlas.quicklook.render import render_quicklook

    page.set_viewport_size({"width": 1400, "height": 1000})
    frame = open_polar(page, polar, f"?lang=en&proj=3413&id={CALC_ID}")
    images = frame.locator("img.atlas-quicklook")
    expect(images).to_have_count(2, timeout=TIMEOUT)
    files = [f.path for f in find_data_files(CALC_ID, data_root=polar.data_root) if f.previewable]
    looks = [render_quicklook(p, crs="EPSG:3413", max_size=768, data_root=polar.data_root) for p in files]
    to_lonlat = Transformer.from_crs(3413, 4326, always_xy=True)
    rects = [images.nth(i).evaluate("e => { const r = e.getBoundingClientRect(); "
                                    "return [r.left, r.top, r.right, r.bottom, e.naturalWidth]; }")
             for i in range(images.count())]
    for look in looks:
        x0, y0, x1, y1 = look.image_bounds  # type: ignore[misc]
        nw = in_frame(frame, POINT_JS, list(reversed(to_lonlat.transform(x0, y1))))
        se = in_frame(frame, POINT_JS, list(reversed(to_lonlat.transform(x1, y0))))
        match = [r for r in rects if abs(r[0] - nw[0]) < 2 and abs(r[1] - nw[1]) < 2
                 and abs(r[2] - se[0]) < 2 and abs(r[3] - se[1]) < 2]
        assert match and match[0][4] > 0, (look.source, nw, se, rects)
    # The 3413 tile is its own image (no warp): square in the file, square on the screen.
    own = [look for look in looks if look.source_crs == "EPSG:3413"]
    assert own and own[0].rgba.shape[0] == own[0].rgba.shape[1]
    shot(page, "polar_calc_quicklook")


def test_readme_screenshot_arctic_view_of_the_seeds(page: Page, atlas: Server, tmp_path: Path) -> None:
    # The app on the seeds (and the hostile record, far from the Arctic), CALC-2020 selected.
    page.set_viewport_size({"width": 1400, "height": 1000})
    frame = open_polar(page, atlas, f"?lang=en&proj=3413&id={CALC_ID}")
    images = frame.locator("img.atlas-quicklook")
    expect(images).to_have_count(2, timeout=TIMEOUT)
    for i in range(2):
        images.nth(i).evaluate("e => e.decode()")  # both previews loaded and decodable
    expect(page.get_by_role("heading", name="Circumpolar Arctic Land Cover for circa 2020 (CALC-2020)")).to_be_visible(
        timeout=TIMEOUT)
    settled(page)
    # The README's picture is refreshed only when asked: a test run leaves the repository as it was.
    target = README_SHOT if os.environ.get("ATLAS_UPDATE_SCREENSHOTS") else tmp_path / README_SHOT.name
    page.screenshot(path=str(target))


def test_antarctic_view(page: Page, polar: Server) -> None:
    frame = open_polar(page, polar, "?lang=en&proj=3031")
    expect(frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-crs", "EPSG:3031")
    drawn = shapes(frame)
    assert set(drawn) == {"antarctica", "ross"}, drawn.keys()
    pole_x, pole_y = in_frame(frame, POINT_JS, [-90, 0])
    ice = drawn["antarctica"]
    assert abs((ice["x0"] + ice["x1"]) / 2 - pole_x) < 3 and abs((ice["y0"] + ice["y1"]) / 2 - pole_y) < 3
    assert abs((ice["x1"] - ice["x0"]) - (ice["y1"] - ice["y0"])) < 0.03 * (ice["x1"] - ice["x0"])
    ross = drawn["ross"]
    rx, ry = in_frame(frame, POINT_JS, [-74, 180])
    assert ross["parts"] == 1 and ross["x0"] < rx < ross["x1"] and ross["y0"] < ry < ross["y1"]
    ox, oy = map_origin(page)
    page.mouse.click(ox + rx, oy + ry)
    expect_url(page, r"[?&]id=polar-ross")
    expect(page.get_by_role("heading", name="Ross Sea polynya")).to_be_visible(timeout=TIMEOUT)
    # The map (now beside the panel) stays Antarctic, the selection highlighted on it.
    selected = page.frame_locator(MAP_FRAME).first.locator(f"path[stroke='{SELECTED}']")
    expect(selected).to_have_count(1, timeout=TIMEOUT)
    expect(page.frame_locator(MAP_FRAME).first.locator(".leaflet-container").first).to_have_attribute(
        "data-atlas-crs", "EPSG:3031")
    shot(page, "polar_antarctic")


def test_projection_menu_hint_and_detail_map(page: Page, polar: Server) -> None:
    frame = open_polar(page, polar, "?lang=en&q=Bering")
    expect(frame.locator(".leaflet-container").first).not_to_have_attribute("data-atlas-crs", "EPSG:3413")
    # Every extent in the result is Arctic: a one-click hint, no switch by surprise.
    button = page.get_by_role("button", name="Show the Arctic view")
    expect(button).to_be_visible(timeout=TIMEOUT)
    expect_url(page, r"[?&]proj=", present=False)
    since = runs(page)
    button.click()
    expect_url(page, r"[?&]proj=3413")
    polar_frame = page.frame_locator(MAP_FRAME).first
    expect(polar_frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-crs", "EPSG:3413",
                                                                             timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Show the Arctic view")).to_have_count(0)
    # The menu beside the basemap goes back to the world (and the URL forgets proj).
    settled(page, since)
    menu = page.get_by_role("combobox", name="Map projection")
    expect(menu).to_have_value("Arctic (EPSG:3413 polar stereographic)", timeout=TIMEOUT)
    menu.scroll_into_view_if_needed()
    menu.click()
    since = runs(page)
    page.get_by_role("option", name="World (Web Mercator)").click()
    expect_url(page, r"[?&]proj=", present=False)
    settled(page, since)
    # The detail page's mini-map of a dataset poleward of 60° is polar.
    page.goto(f"{polar.url}/?lang=en&view=dataset&id=polar-ross")
    detail = page.frame_locator(MAP_FRAME).first
    expect(detail.locator(".leaflet-container").first).to_have_attribute("data-atlas-crs", "EPSG:3031",
                                                                         timeout=TIMEOUT)
    detail.locator("path.leaflet-interactive").first.wait_for(timeout=TIMEOUT, state="attached")
    shot(page, "polar_detail")


@pytest.fixture(scope="module")
def cells_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Streamlit serves static/ next to the entry script: run the app from a folder whose static/ is ours.
    work = tmp_path_factory.mktemp("polar_cells")
    shutil.copy(ROOT / "tests" / "browser" / "apps" / "polar_map_app.py", work / "app.py")
    (work / "static").symlink_to(ROOT / "static", target_is_directory=True)
    port = free_port()
    with (work / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={port}", "--server.enableStaticServing=true",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=work, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # readiness polling, not a timing assertion
        if proc.poll() is not None:
            raise RuntimeError((work / "streamlit.log").read_text(errors="replace"))
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    break
        except OSError:
            time.sleep(0.2)
    yield url
    stop(proc)


@pytest.mark.parametrize("proj", ["3413", "3031"])
def test_count_cells_in_polar_views_do_not_overlap_and_zoom_in(page: Page, cells_app: str, proj: str) -> None:
    page.goto(f"{cells_app}/?n=3000&proj={proj}")
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator(".atlas-cell").first.wait_for(timeout=TIMEOUT)
    expect(frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-basemap", "drawn",
                                                                       timeout=TIMEOUT)
    expect(frame.locator(".leaflet-container").first).to_have_attribute("data-atlas-crs", f"EPSG:{proj}")
    # The first run is built for the opening view; the browser then reports its real view and
    # the app reruns once for it: wait for that run to finish before reading the counts.
    expect(page.get_by_text("cells:")).to_be_visible(timeout=TIMEOUT)
    settled(page, since=1)
    labels = frame.locator(".atlas-cell span").all_inner_texts()
    drawn = frame.locator("path.leaflet-interactive").count()
    assert sum(int(t) for t in labels) + drawn == 3000  # every dataset counted or drawn
    boxes = [b for b in (frame.locator(".atlas-cell").nth(i).bounding_box() for i in range(len(labels))) if b]
    centres = [(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2) for b in boxes]
    for i, (x, y) in enumerate(centres):  # count circles never overlap
        for xo, yo in centres[i + 1:]:
            assert ((x - xo) ** 2 + (y - yo) ** 2) ** 0.5 >= 40, (x, y, xo, yo)
    shot(page, f"polar_cells_{proj}")
    zoom = float(in_frame(frame, f"() => {MAP_JS}.getZoom()"))
    busiest = max(range(len(labels)), key=lambda i: int(labels[i]))
    frame.locator(".atlas-cell").nth(busiest).click()
    page.wait_for_function(ZOOM_AT_LEAST_JS, arg=zoom + 2, timeout=TIMEOUT)


def test_the_current_polar_view_with_the_pole_is_a_cap(page: Page, polar: Server) -> None:
    frame = open_polar(page, polar, "?lang=en&proj=3413")
    page.locator("[data-testid='stCheckbox']").filter(has_text="Use the current map view").click()
    # The view holds the pole: all longitudes, from the farthest screen corner up to 90°N.
    area = page.get_by_role("textbox", name="Area")
    expect(area).to_have_value(re.compile(r"^-180,[0-9.]+,180,90$"), timeout=TIMEOUT)
    south = float(area.input_value().split(",")[1])
    size = in_frame(frame, f"() => {{ const s = {MAP_JS}.getSize(); return [s.x, s.y]; }}")
    corners = [in_frame(frame, f"([x, y]) => {MAP_JS}.containerPointToLatLng([x, y]).lat", [x, y])
               for x in (0, size[0]) for y in (0, size[1])]
    assert south == pytest.approx(min(corners), abs=0.05)
    expect_header(page, f"{TOTAL - 2} of {TOTAL} datasets")  # all but the two Antarctic ones
