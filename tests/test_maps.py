"""Tests of the map layer: offline links, escaping, geometry on the map, click lookup."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import folium
import folium.plugins
import numpy as np
import pandas as pd
import pytest
import streamlit_folium

from dataset_atlas.maps import (
    MERCATOR_MAX_LAT,
    OTHER_COLOR,
    PALETTE,
    MapOptions,
    OfflineAssetError,
    add_quicklook_overlay,
    asset_urls,
    build_extent_map,
    build_map,
    build_map_parts,
    category_color,
    dataset_id_from_click,
    datasets_at_click,
    display_parts,
    extent_tooltip,
    external_urls,
    is_local,
    legend_html,
    make_box,
    make_offline,
)
from dataset_atlas.maps.offline import STATIC_PREFIX
from dataset_atlas.maps.style import FIXED_COLORS, MIXED_COLOR

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.domain)>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "</script><script>alert(1)</script>",
]


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "title_zh": "",
        "title_en": "",
        "category": "glacier",
        "extent_quality": "exact",
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def box(id_: str, w: float, s: float, e: float, n: float, **extra: object) -> dict[str, object]:
    return {"id": id_, "west": w, "south": s, "east": e, "north": n, **extra}


@pytest.fixture
def sample() -> pd.DataFrame:
    return frame(
        [
            box("tibet", 75, 27, 104, 40, title_zh="青藏高原冰川", title_en="Tibet glaciers"),
            box("lhasa", 91.1, 29.6, 91.1, 29.6, category="station", extent_quality="point"),
            box("bering", 170, 50, -170, 66, category="sea ice", extent_quality="approximate"),
            box("antarctic", -180, -90, 180, -60, category="ice sheet"),
            box("arctic", -180, 60, 180, 90, category="sea ice"),
            box("nowhere", np.nan, np.nan, np.nan, np.nan, extent_quality="missing"),
        ]
    )


def extent_payload(html: str) -> dict[str, object]:
    """The JSON handed to DatasetAtlas.addExtents in a rendered map."""
    match = re.search(r"DatasetAtlas\.addExtents\([\w]+, (\{.*?\})\);\n", html)
    assert match, "no extent layer in the map"
    return json.loads(match.group(1))


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


# --- offline -------------------------------------------------------------------------


def test_vendored_files_exist_for_every_local_link(sample: pd.DataFrame) -> None:
    m = build_map(sample)
    urls = asset_urls(m)
    assert any(u.endswith("leaflet.js") for u in urls)
    assert any(u.endswith("leaflet.draw.js") for u in urls)
    for url in urls:
        path = ROOT / "static" / url.removeprefix(f"{STATIC_PREFIX}/")
        assert path.is_file(), url
    assert (ROOT / "static/basemap/world-50m.geojson").is_file()
    assert (ROOT / "static/leaflet/LICENSE").is_file()
    assert (ROOT / "static/leaflet-draw/LICENSE").is_file()


def test_every_link_of_a_rendered_map_is_local(sample: pd.DataFrame) -> None:
    m = build_map(sample, MapOptions(selected_id="tibet"))
    assert external_urls(m) == []
    html = rendered(m)
    links = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert links and all(is_local(u) for u in links), links
    assert "://" not in html  # no URL of any scheme anywhere in the page
    assert "$(" not in html  # nothing needs jQuery, which is not vendored


def test_streamlit_folium_sends_only_local_links_and_script(sample: pd.DataFrame) -> None:
    # The same walk st_folium does, on both the map and the feature group it adds.
    parts = build_map_parts(sample)
    script = streamlit_folium._get_map_string(parts.map)
    group_script = streamlit_folium._get_feature_group_string(parts.features, parts.map)
    assert "http" not in script and "http" not in group_script
    assert "DatasetAtlas.addBasemap(map_div" in script
    assert "DatasetAtlas.addExtents(feature_group_feature_group_0" in group_script
    assert all(is_local(u) for u in asset_urls(parts.map))


def test_base_map_script_does_not_depend_on_results(sample: pd.DataFrame) -> None:
    # streamlit-folium keys the component on the map script: same script, no remount.
    a = build_map_parts(sample, MapOptions(lang="zh", selected_id="tibet"))
    b = build_map_parts(sample.iloc[:2], MapOptions(lang="en", selected_id=None))
    assert streamlit_folium.generate_js_hash(
        streamlit_folium._get_map_string(a.map)
    ) == streamlit_folium.generate_js_hash(streamlit_folium._get_map_string(b.map))


def test_online_basemap_only_when_chosen(sample: pd.DataFrame) -> None:
    assert "tile.openstreetmap.org" not in rendered(build_map(sample))
    osm = rendered(build_map(sample, MapOptions(basemap="osm")))
    assert "tile.openstreetmap.org" in osm
    assert "DatasetAtlas.addBasemap" not in osm
    assert "arcgisonline" in rendered(build_map(sample, MapOptions(basemap="esri")))
    with pytest.raises(ValueError, match="basemap"):
        build_map(sample, MapOptions(basemap="google"))  # type: ignore[arg-type]


def test_make_offline_replaces_folium_cdn_links_without_touching_the_class() -> None:
    m = make_offline(folium.Map(tiles=None))
    assert all(is_local(u) for u in asset_urls(m))
    assert any("cdn.jsdelivr.net" in url for _, url in folium.Map.default_js)


def test_make_offline_refuses_what_is_not_vendored() -> None:
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(OfflineAssetError, match="Fullscreen"):
        make_offline(m)


def test_a_colormap_is_refused_because_streamlit_folium_fetches_d3_for_it() -> None:
    import branca.colormap

    m = folium.Map(tiles=None)
    branca.colormap.LinearColormap(["white", "blue"], vmin=0, vmax=1).add_to(m)
    assert external_urls(m) and not all(is_local(u) for u in asset_urls(m))
    with pytest.raises(OfflineAssetError, match="d3"):
        make_offline(m)


# --- escaping ------------------------------------------------------------------------


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_are_escaped_in_map_and_tooltip(title: str) -> None:
    results = frame([box("x1", 10, 10, 20, 20, title_zh=title, title_en=title, category=title)])
    html = rendered(build_map(results, MapOptions(lang="en")))
    assert "<script>alert" not in html
    assert "<img" not in html and "<svg" not in html
    # The script carries no raw '<' from data at all, so nothing can close it.
    tip = extent_payload(html)["f"][0][4]  # type: ignore[index]
    assert tip == extent_tooltip("x1", title, "exact", "en")
    assert "<script" not in tip and "<img" not in tip and "<svg" not in tip
    assert re.sub(r"<[^>]+>", "", tip).startswith(title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


@pytest.mark.parametrize("title", HOSTILE)
def test_legend_escapes_category_names(title: str) -> None:
    html = legend_html({title: 3, "glacier": 1}, "zh")
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;" in html or "javascript:" in html
    assert "href" not in html  # no links, so "javascript:" stays inert text


def test_legend_lists_categories_colours_and_approximate() -> None:
    html = legend_html(["冰川", "气象"], "zh")
    assert category_color("冰川") in html and category_color("气象") in html
    assert "近似范围" in html and "dashed" in html
    assert "approximate extent" in legend_html(["a"], "en")


def test_category_colour_is_stable_and_from_the_palette() -> None:
    assert category_color("冰川") == category_color("冰川")
    assert re.fullmatch(r"#[0-9a-f]{6}", category_color("anything"))
    assert len({category_color(f"c{i}") for i in range(50)}) > 8


# --- drawing ---------------------------------------------------------------------------


def test_extents_points_and_approximate(sample: pd.DataFrame) -> None:
    payload = extent_payload(rendered(build_map(sample, MapOptions(lang="zh"))))
    features = payload["f"]  # type: ignore[index]
    by_id = {f[4].rsplit("⟨id:", 1)[1].split("⟩")[0]: f for f in features}
    assert set(by_id) == {"tibet", "lhasa", "bering", "antarctic", "arctic"}
    assert by_id["lhasa"][0] == "p" and by_id["lhasa"][1] == [29.6, 91.1]
    assert by_id["tibet"][0] == "b" and by_id["tibet"][1] == [[27, 75, 40, 104]]
    assert by_id["bering"][3] & 1 and "近似范围" in by_id["bering"][4]
    assert not by_id["tibet"][3] & 1
    colours = payload["c"]  # type: ignore[index]
    assert colours[by_id["tibet"][2]] == category_color("glacier")


def test_antimeridian_box_is_two_parts_on_each_side() -> None:
    parts = display_parts(make_box(170, 50, -170, 66))  # type: ignore[arg-type]
    assert parts == [(50, 170, 66, 180), (50, -180, 66, -170)]
    html = rendered(build_map(frame([box("b", 170, 50, -170, 66)])))
    assert extent_payload(html)["f"][0][1] == [[50, 170, 66, 180], [50, -180, 66, -170]]  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((-180, -90, 180, -60), [(-MERCATOR_MAX_LAT, -180, -60, 180)]),
        ((-180, -90, 180, 90), [(-MERCATOR_MAX_LAT, -180, MERCATOR_MAX_LAT, 180)]),
        ((0, 360 - 360, 360, 80), [(0, -180, 80, 180)]),  # 0..360 convention, global
        ((-40, 87, 40, 90), [(MERCATOR_MAX_LAT - 0.5, -40, MERCATOR_MAX_LAT, 40)]),
    ],
)
def test_polar_and_global_boxes_are_clamped_and_visible(
    raw: tuple[float, float, float, float], expected: list[tuple[float, ...]]
) -> None:
    b = make_box(*raw)
    assert b is not None
    assert display_parts(b) == expected


@pytest.mark.parametrize("raw", [(np.nan, 0, 1, 1), (0, 10, 1, 5), (0, -95, 1, 1), (None, 1, 2, 3), ("x", 1, 2, 3)])
def test_invalid_extents_are_missing(raw: tuple[object, ...]) -> None:
    assert make_box(*raw) is None


def test_selected_is_highlighted_and_drawn_last(sample: pd.DataFrame) -> None:
    features = extent_payload(rendered(build_map(sample, MapOptions(selected_id="tibet"))))["f"]  # type: ignore[index]
    assert features[-1][4].endswith("⟨id:tibet⟩</span>")
    assert features[-1][3] & 2
    assert not any(f[3] & 2 for f in features[:-1])


def test_larger_extents_are_drawn_first(sample: pd.DataFrame) -> None:
    features = extent_payload(rendered(build_map(sample)))["f"]  # type: ignore[index]
    assert features[-1][0] == "p"  # the point, smallest, on top


def test_missing_extents_are_counted_not_drawn(sample: pd.DataFrame) -> None:
    stats = build_map_parts(sample).stats
    assert (stats.total, stats.drawn, stats.missing, stats.aggregated) == (6, 5, 1, False)


def test_columns_are_checked() -> None:
    with pytest.raises(ValueError, match="extent_quality"):
        build_map(pd.DataFrame({"id": ["a"]}))


def test_extent_map_of_one_dataset() -> None:
    html = rendered(build_extent_map(75, 27, 104, 40, "approximate", "zh"))
    payload = extent_payload(html)
    assert payload["f"][0][3] & 1 and "近似范围" in payload["f"][0][4]  # type: ignore[index]
    assert "fitBounds" in html and "Draw" not in html
    assert "⟨id:" not in html
    assert "addExtents" not in rendered(build_extent_map(np.nan, 0, 0, 0, "missing", "en"))
    crossing = rendered(build_extent_map(170, 50, -170, 66, "exact", "en"))
    assert extent_payload(crossing)["f"][0][1] == [[50, 170, 66, 180], [50, -180, 66, -170]]  # type: ignore[index]


# --- quicklook overlay -----------------------------------------------------------------


def test_quicklook_overlay_is_a_png_data_url_without_reprojection() -> None:
    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 255
    m = folium.Map(tiles=None)
    overlay = add_quicklook_overlay(m, rgba, (80, 30, 100, 40), opacity=0.5, name="ql")
    assert overlay.url.startswith("data:image/png;base64,")
    html = rendered(make_offline(m))
    assert "L.imageOverlay" in html and '"opacity": 0.5' in html
    assert "[[30.0, 80.0], [40.0, 100.0]]" in html


def test_quicklook_overlay_crossing_antimeridian_and_checks() -> None:
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    overlay = add_quicklook_overlay(folium.Map(tiles=None), rgba, (170, -90, -170, -60))
    assert overlay.bounds == [[-MERCATOR_MAX_LAT, 170.0], [-60.0, 190.0]]
    with pytest.raises(ValueError, match="uint8"):
        add_quicklook_overlay(folium.Map(tiles=None), rgba.astype(float), (0, 0, 1, 1))
    with pytest.raises(ValueError, match="shape"):
        add_quicklook_overlay(folium.Map(tiles=None), rgba[..., :3], (0, 0, 1, 1))
    with pytest.raises(ValueError, match="bounds"):
        add_quicklook_overlay(folium.Map(tiles=None), rgba, (0, 5, 1, 1))


def test_build_map_accepts_overlays(sample: pd.DataFrame) -> None:
    rgba = np.full((3, 3, 4), 255, dtype=np.uint8)
    html = rendered(build_map(sample, MapOptions(overlays=[(rgba, (75.0, 27.0, 104.0, 40.0))])))
    assert "L.imageOverlay" in html


# --- click lookup ----------------------------------------------------------------------


def tooltip_text(html_fragment: str) -> str:
    """What streamlit-folium returns: the tooltip's text content (tags stripped)."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html_fragment)).strip()


def test_click_identifies_dataset_from_tooltip(sample: pd.DataFrame) -> None:
    for f in extent_payload(rendered(build_map(sample)))["f"]:  # type: ignore[index]
        text = tooltip_text(f[4])
        expected = text.rsplit("⟨id:", 1)[1][:-1]
        ret = {"last_object_clicked_tooltip": text, "last_object_clicked": None}
        assert dataset_id_from_click(ret, sample) == expected


@pytest.mark.parametrize("title", [*HOSTILE, "⟨id:antarctic⟩", "x ⟨id:bering⟩ y"])
def test_hostile_title_cannot_redirect_the_click(title: str) -> None:
    results = frame([box("victim", 0, 0, 10, 10, title_en=title), box("antarctic", -180, -90, 180, -60)])
    text = tooltip_text(extent_tooltip("victim", title, "exact", "en"))
    assert dataset_id_from_click({"last_object_clicked_tooltip": text}, results) == "victim"


def test_click_with_ids_containing_the_marks() -> None:
    odd = "a⟨id:b⟩"
    results = frame([box(odd, 0, 0, 10, 10), box("b", 50, 0, 60, 10)])
    text = tooltip_text(extent_tooltip(odd, "t", "exact", "en"))
    assert dataset_id_from_click({"last_object_clicked_tooltip": text}, results) == odd


def test_click_falls_back_to_smallest_extent_containing_the_point(sample: pd.DataFrame) -> None:
    def at(lat: float, lng: float, zoom: int = 4) -> str | None:
        ret = {"last_object_clicked": {"lat": lat, "lng": lng}, "zoom": zoom}
        return dataset_id_from_click(ret, sample)

    assert at(35, 90) == "tibet"
    assert at(29.6, 91.12) == "lhasa"  # a point, within a few pixels
    assert at(60, 179) == "bering"  # smaller than the arctic cap it overlaps
    assert at(60, -175) == "bering"
    assert at(60, 185) == "bering"  # a wrapped world copy
    assert at(-70, 10) == "antarctic"
    assert at(80, 10) == "arctic"
    assert at(0, 0) is None


def test_click_on_a_count_cell_or_nothing(sample: pd.DataFrame) -> None:
    assert dataset_id_from_click(None, sample) is None
    assert dataset_id_from_click({}, sample) is None
    ret = {
        "last_object_clicked_tooltip": "12 datasets in this cell ⟨cell⟩",
        "last_object_clicked": {"lat": 35, "lng": 90},
    }
    assert dataset_id_from_click(ret, sample) is None
    unknown = {"last_object_clicked_tooltip": "gone ⟨id:deleted⟩", "last_object_clicked": None}
    assert dataset_id_from_click(unknown, sample) is None


# --- palette, tooltips, overlap chooser (issue 8) ----------------------------------------


def visible_text(html_fragment: str) -> str:
    """What a person sees in a tooltip: hidden spans removed, tags stripped."""
    return tooltip_text(re.sub(r"<span hidden>.*?</span>", "", html_fragment))


def test_tooltip_shows_the_title_and_hides_the_id_marker() -> None:
    tip = extent_tooltip("urn:x:1", "Glacier inventory of the Tien Shan", "approximate", "en")
    assert visible_text(tip) == "Glacier inventory of the Tien Shanapproximate extent"
    assert "⟨id:" not in visible_text(tip)
    assert tooltip_text(tip).endswith("⟨id:urn:x:1⟩")  # what the click handler reads


def test_tooltip_css_keeps_words_on_a_line() -> None:
    css = (ROOT / "static/atlas/atlas-map.css").read_text()
    rule = css[css.index(".leaflet-tooltip.atlas-tooltip") :].split("}")[0]
    assert "white-space: normal" in rule and "min-width" in rule and "max-width" in rule


def test_colours_on_one_map_are_all_distinct_and_stable() -> None:
    # Replaces the rank-based test: ranks beyond the palette all shared OTHER_COLOR (issue 22).
    order = [f"cat{i}" for i in range(40)] + ["冻土", "冰川"]
    colours = [category_color(c, order) for c in order]
    assert len(set(colours)) == len(order)  # no two categories on one map share a colour
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert category_color("冻土", order) == FIXED_COLORS["冻土"] == category_color("冻土")
    # Without an order: a stable hash of the name, from the palette.
    assert category_color("cat0") == category_color("cat0") and category_color("cat0") in PALETTE


def test_a_category_keeps_its_colour_across_catalogs() -> None:
    one = ["冻土", "气象", "something local"]
    two = ["海洋", "冰川", "冻土", "遥感及产品", "x", "y", "z"]
    assert category_color("冻土", one) == category_color("冻土", two) == category_color("冻土")
    assert len(set(FIXED_COLORS.values())) == len(FIXED_COLORS)  # the table's colours are distinct
    # Stable across processes: the hash is blake2b, not Python's salted hash().
    import subprocess
    import sys

    code = "from dataset_atlas.maps.style import category_color as c; print(c('some theme', ['some theme', 'b']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "123"}).stdout.strip()
    assert out == category_color("some theme", ["some theme", "b"])


def test_seeds_and_corpus_categories_get_distinct_colours(stac_corpus: Path) -> None:
    from dataset_atlas.catalog.local import LocalCatalog

    order = [str(c) for c in LocalCatalog.from_paths([ROOT / "seeds", stac_corpus]).values("category")]
    colours = {c: category_color(c, order) for c in order}
    assert len(set(colours.values())) == len(order), colours
    assert colours.get("冻土", FIXED_COLORS["冻土"]) == FIXED_COLORS["冻土"]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_palette_colours_are_far_apart() -> None:
    # No two palette colours (nor the selection colour) closer than this in plain RGB
    # distance: the old palette had cyans ~25 apart.
    colours = [*PALETTE, OTHER_COLOR, MIXED_COLOR, "#d6005c"]
    for i, a in enumerate(colours):
        for b in colours[i + 1 :]:
            distance = sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5
            assert distance > 60, (a, b, distance)


def test_legend_follows_the_catalog_order() -> None:
    html = legend_html({"rare": 1, "common": 9}, "en", order=["common", "rare"])
    assert html.index("common") < html.index("rare")
    assert category_color("common", ["common", "rare"]) in html and category_color("rare", ["common", "rare"]) in html


def test_map_uses_the_catalog_order_for_colours(sample: pd.DataFrame) -> None:
    order = ["sea ice", "glacier", "station", "ice sheet"]
    payload = extent_payload(rendered(build_map(sample, MapOptions(category_order=order))))
    tibet = next(f for f in payload["f"] if "⟨id:tibet⟩" in f[4])  # type: ignore[union-attr]
    # The colour of "glacier" among these categories (no longer its rank's palette entry).
    assert payload["c"][tibet[2]] == category_color("glacier", order)  # type: ignore[index]


def click_at(lat: float, lng: float, zoom: float = 4, **extra: object) -> dict[str, object]:
    return {"last_clicked": {"lat": lat, "lng": lng}, "zoom": zoom, **extra}


def test_datasets_at_click_lists_every_overlap_smallest_first(sample: pd.DataFrame) -> None:
    assert datasets_at_click(click_at(60, 179), sample) == ["bering", "arctic"]
    assert datasets_at_click(click_at(60, -175), sample) == ["bering", "arctic"]
    assert datasets_at_click(click_at(60, 185), sample) == ["bering", "arctic"]  # a wrapped copy
    assert datasets_at_click(click_at(35, 90), sample) == ["tibet"]
    assert datasets_at_click(click_at(0, 0), sample) == []
    assert datasets_at_click(click_at(29.6, 91.1), sample) == ["lhasa", "tibet"]


def test_datasets_at_click_has_pixel_slack_for_points_and_outlines(sample: pd.DataFrame) -> None:
    # 0.05 degrees east of Lhasa: ~2 px at zoom 4 (hit), ~900 px at zoom 14 (miss).
    assert "lhasa" in datasets_at_click(click_at(29.6, 91.15, zoom=4), sample)
    assert "lhasa" not in datasets_at_click(click_at(29.6, 91.15, zoom=14), sample)
    # Just outside Tibet's east edge, on its outline at zoom 3.
    assert datasets_at_click(click_at(35, 104.3, zoom=3), sample) == ["tibet"]
    assert datasets_at_click(click_at(35, 104.3, zoom=10), sample) == []


def test_datasets_at_click_ignores_cells_and_missing_clicks(sample: pd.DataFrame) -> None:
    cell = click_at(35, 90, last_object_clicked_tooltip="12 datasets here ⟨cell⟩")
    assert datasets_at_click(cell, sample) == []
    assert datasets_at_click(None, sample) == []
    assert datasets_at_click({"last_clicked": None}, sample) == []
    # An object click without a map click still has a point.
    assert datasets_at_click({"last_object_clicked": {"lat": 35, "lng": 90}, "zoom": 4}, sample) == ["tibet"]


def test_english_labels_use_the_singular_for_one() -> None:
    from dataset_atlas.maps.style import cover_control_data, label

    assert label("cover", "en", n="1") == "1 dataset covers this whole view"
    assert label("cover", "en", n="2") == "2 datasets cover this whole view"
    assert label("missing", "en", n=1).startswith("1 dataset has")
    assert cover_control_data(1, ["A"], "en")["h"] == "1 dataset covers this whole view"
    assert label("cover", "zh", n="1") == "1 个数据集覆盖整个视图"
