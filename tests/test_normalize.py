"""Parametrised tables for every normaliser: valid and invalid inputs."""

from datetime import date

import pytest

from dataset_atlas.model import ExtentQuality, TimeResolution
from dataset_atlas.normalize.dates import parse_date
from dataset_atlas.normalize.extents import normalize_bbox, union_bboxes
from dataset_atlas.normalize.formats import format_label
from dataset_atlas.normalize.identifiers import normalize_cstr, normalize_doi
from dataset_atlas.normalize.places import lookup_place
from dataset_atlas.normalize.resolution import parse_resolution, parse_time_resolution
from dataset_atlas.normalize.text import clean_text, html_to_text, sanitize_html

DEG = 111_320.0


@pytest.mark.parametrize(
    ("text", "metres", "angular"),
    [
        ("10m", 10.0, False),
        ("1km", 1000.0, False),
        ("25000.0m", 25000.0, False),
        ("0.25°", 0.25 * DEG, True),
        ("0.05度", 0.05 * DEG, True),
        ("1/12°", DEG / 12, True),
        ("30″", 30 / 3600 * DEG, True),
        ("30 arc-second", 30 / 3600 * DEG, True),
        ("30 arc-seconds", 30 / 3600 * DEG, True),
        ("30\"", 30 / 3600 * DEG, True),
        ("5′", 5 / 60 * DEG, True),
        ("500米", 500.0, False),
        ("1公里", 1000.0, False),
        ("1 km x 1 km", 1000.0, False),
        ("1km×1km", 1000.0, False),
        ("0.1 degree", 0.1 * DEG, True),
        ("2 KM", 2000.0, False),
        ("30 meters", 30.0, False),
        ("30", 30.0, False),
        ("空间分辨率：1千米", 1000.0, False),
        (" 250 m ", 250.0, False),
    ],
)
def test_resolution_parses(text: str, metres: float, angular: bool) -> None:
    res = parse_resolution(text)
    assert res.metres == pytest.approx(metres, rel=1e-6)
    assert res.angular is angular
    assert res.text == text.strip()


@pytest.mark.parametrize("text", ["", "   ", "unknown", "无", "high", "0m", "-5km", None, [], {"a": 1}, "1/0°"])
def test_resolution_unknown(text: object) -> None:
    assert parse_resolution(text).metres is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年", TimeResolution.YEARLY), ("月", TimeResolution.MONTHLY), ("日", TimeResolution.DAILY),
        ("时", TimeResolution.HOURLY), ("小时", TimeResolution.HOURLY), ("逐日", TimeResolution.DAILY),
        ("", TimeResolution.UNKNOWN), ("  ", TimeResolution.UNKNOWN), (None, TimeResolution.UNKNOWN),
        ("daily", TimeResolution.DAILY), ("Daily", TimeResolution.DAILY), ("monthly", TimeResolution.MONTHLY),
        ("Annual", TimeResolution.YEARLY), ("yearly", TimeResolution.YEARLY), ("hourly", TimeResolution.HOURLY),
        ("weekly", TimeResolution.WEEKLY), ("周", TimeResolution.WEEKLY), ("P1DT0H0M0S", TimeResolution.DAILY),
        ("P0DT1H0M0S", TimeResolution.HOURLY), ("P1M", TimeResolution.MONTHLY), ("P1Y", TimeResolution.YEARLY),
        ("P0DT0H30M0S", TimeResolution.HOURLY), ("P16D", TimeResolution.SIXTEEN_DAY),
        ("irregular", TimeResolution.OTHER),
        ("无", TimeResolution.UNKNOWN), (5, TimeResolution.UNKNOWN),
        # N-day composites and the Chinese pentad / dekad (issue 22), in NCDC and STAC spellings
        ("8-day", TimeResolution.EIGHT_DAY), ("8-Day", TimeResolution.EIGHT_DAY), ("P8D", TimeResolution.EIGHT_DAY),
        ("8天", TimeResolution.EIGHT_DAY), ("八天", TimeResolution.EIGHT_DAY), ("每8天", TimeResolution.EIGHT_DAY),
        ("16 days", TimeResolution.SIXTEEN_DAY), ("16-Day", TimeResolution.SIXTEEN_DAY),
        ("十六天", TimeResolution.SIXTEEN_DAY), ("4-Day", TimeResolution.FOUR_DAY), ("P4D", TimeResolution.FOUR_DAY),
        ("旬", TimeResolution.TEN_DAY), ("逐旬", TimeResolution.TEN_DAY), ("dekadal", TimeResolution.TEN_DAY),
        ("10-Day", TimeResolution.TEN_DAY), ("候", TimeResolution.FIVE_DAY), ("逐候", TimeResolution.FIVE_DAY),
        ("pentad", TimeResolution.FIVE_DAY), ("P5D", TimeResolution.FIVE_DAY), ("气候", TimeResolution.OTHER),
        ("1-Day", TimeResolution.DAILY), ("7 days", TimeResolution.WEEKLY), ("P1W", TimeResolution.WEEKLY),
        ("P7D", TimeResolution.WEEKLY), ("3-day", TimeResolution.OTHER), ("P2W", TimeResolution.OTHER),
    ],
)
def test_time_resolution(text: object, expected: TimeResolution) -> None:
    assert parse_time_resolution(text) is expected


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2020-01-01 00:00:00", False, date(2020, 1, 1)),
        ("2020-12-31T23:59:59Z", False, date(2020, 12, 31)),
        ("2020", False, date(2020, 1, 1)),
        ("2020", True, date(2020, 12, 31)),
        ("2020-02", True, date(2020, 2, 29)),
        ("2020年6月", False, date(2020, 6, 1)),
        ("2020/06/15", False, date(2020, 6, 15)),
        (2019, True, date(2019, 12, 31)),
        ("", False, None), (None, False, None), ("soon", False, None), ("2020-13-45", False, None),
        (True, False, None),
    ],
)
def test_parse_date(value: object, end: bool, expected: date | None) -> None:
    assert parse_date(value, end=end) == expected


def test_bbox_exact_point_and_antimeridian() -> None:
    ext, warnings = normalize_bbox(112.75, 38.0, 135.0, 54.35)
    assert ext.quality is ExtentQuality.EXACT and ext.bbox == (112.75, 38.0, 135.0, 54.35) and not warnings
    ext, _ = normalize_bbox(100.5, 38.2, 100.5, 38.2)
    assert ext.quality is ExtentQuality.POINT and ext.is_point
    ext, _ = normalize_bbox(170, 50, -170, 60)
    assert ext.crosses_antimeridian and ext.quality is ExtentQuality.EXACT
    assert ext.lon_parts() == [(170, 180.0), (-180.0, -170)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((100, 40, 110, 30), (100, 30, 110, 40)),  # swapped latitudes
        ((30, 100, 40, 110), (100, 30, 110, 40)),  # lat/lon in each other's fields
        ((100, -95, 110, 40), (100, -90, 110, 40)),  # out of range latitude
        ((0, 91, 91, 95), (0, 90, 91, 90)),  # both latitudes past the pole (found by hypothesis)
        ((190, 10, 200, 20), (-170, 10, -160, 20)),  # 0..360 longitudes
        ((-200, 10, 100, 20), (-180, 10, 100, 20)),  # clamped
    ],
)
def test_bbox_corrected(raw: tuple[float, ...], expected: tuple[float, ...]) -> None:
    ext, warnings = normalize_bbox(*raw)
    assert ext.quality is ExtentQuality.CORRECTED
    assert ext.bbox == pytest.approx(expected)
    assert warnings


def test_bbox_strings_are_numbers() -> None:
    ext, _ = normalize_bbox("73.5", "18.0", "135.1°", "53.6")
    assert ext.bbox == (73.5, 18.0, 135.1, 53.6)


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("北极", (-180, 60, 180, 90)), ("Arctic", (-180, 60, 180, 90)), ("南极", (-180, -90, 180, -60)),
        ("Antarctica", (-180, -90, 180, -60)), ("中国", (73.5, 18.0, 135.1, 53.6)),
        ("China", (73.5, 18.0, 135.1, 53.6)), ("青藏高原", (73.5, 26.0, 104.7, 39.8)),
        ("Tibetan Plateau", (73.5, 26.0, 104.7, 39.8)), ("东北多年冻土区", (112.75, 38.0, 135.0, 54.35)),
        ("Northeast China", (112.75, 38.0, 135.0, 54.35)), ("黑河流域", (97.1, 37.7, 102.0, 42.7)),
        ("Heihe River Basin", (97.1, 37.7, 102.0, 42.7)), ("祁连山", (94.2, 35.8, 103.1, 39.3)),
        ("Qilian Mountains", (94.2, 35.8, 103.1, 39.3)), ("三江源", (89.75, 31.65, 102.4, 36.2)),
        ("Sanjiangyuan", (89.75, 31.65, 102.4, 36.2)), ("新疆", (73.5, 34.3, 96.4, 49.2)),
        ("Xinjiang", (73.5, 34.3, 96.4, 49.2)), ("天山", (73.5, 40.0, 95.0, 45.5)),
        ("Tianshan", (73.5, 40.0, 95.0, 45.5)), ("中国青藏高原", (73.5, 26.0, 104.7, 39.8)),
    ],
)
def test_gazetteer(place: str, expected: tuple[float, ...]) -> None:
    found = lookup_place(place)
    assert found is not None and found[1] == expected


@pytest.mark.parametrize("place", ["", None, "Atlantis", "Chinatown-free text", 5])
def test_gazetteer_misses(place: object) -> None:
    assert lookup_place(place) is None


def test_missing_bbox_uses_places_or_missing() -> None:
    ext, warnings = normalize_bbox(None, None, None, None, places=("北极",))
    assert ext.quality is ExtentQuality.APPROXIMATE and ext.bbox == (-180, 60, 180, 90) and warnings
    ext, _ = normalize_bbox(None, None, None, None, places=("nowhere",))
    assert ext.quality is ExtentQuality.MISSING and ext.bbox is None
    ext, warnings = normalize_bbox("abc", 1, 2, 3)
    assert ext.bbox is None and "not numeric" in warnings[0]


def test_union_of_boxes_is_antimeridian_aware() -> None:
    assert union_bboxes([(-180, -81, 6.3, 81), (141.7, -81, 180, 81)]) == (141.7, -81, 6.3, 81)
    assert union_bboxes([(0, 0, 10, 10), (20, -5, 30, 5)]) == (0, -5, 30, 10)
    assert union_bboxes([(170, 0, -170, 10), (160, 0, 165, 5)]) == (160, 0, -170, 10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cstr.cn/31253.11.sciencedb.01869", "31253.11.sciencedb.01869"),
        ("11738.11.ncdc.Westdc.2020.348", "11738.11.ncdc.Westdc.2020.348"),
        ("CSTR:11738.11.NCDC.NIEER.DB7285.2026", "11738.11.NCDC.NIEER.DB7285.2026"),
        ("http://www.cstr.cn/31253.11.sciencedb.01869/", "31253.11.sciencedb.01869"),
        ("", ""), (None, ""), ("not an id", ""),
    ],
)
def test_cstr(value: object, expected: str) -> None:
    assert normalize_cstr(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.11888/Geocry.tpdc.270468", "10.11888/Geocry.tpdc.270468"),
        ("https://doi.org/10.5194/essd-15-133-2023", "10.5194/essd-15-133-2023"),
        ("Liu, C. (2023). ESSD, doi：10.5194/essd-15-133-2023.", "10.5194/essd-15-133-2023"),
        ("", ""), (None, ""), ("no doi here", ""),
    ],
)
def test_doi(value: object, expected: str) -> None:
    assert normalize_doi(value) == expected


@pytest.mark.parametrize(
    ("text", "label"),
    [(".tif", "GeoTIFF"), ("*.tif", "GeoTIFF"), ("TIFF", "GeoTIFF"), ("栅格", "Raster"), ("Raster", "Raster"),
     ("Excel", "Excel"), ("NetCDF", "NetCDF"), ("*.nc", "NetCDF"), ("image/tiff; application=geotiff", "GeoTIFF"),
     ("application/x-parquet", "Parquet"), ("shp", "Shapefile"), ("", "")],
)
def test_format_labels(text: str, label: str) -> None:
    assert format_label(text) == label


HOSTILE = [
    '<script>alert(1)</script>', '<img src=x onerror="alert(1)">', '<a href="javascript:alert(1)">x</a>',
    '<svg onload=alert(1)>', '<iframe src="http://evil"></iframe>', '<p style="x" onclick="alert(1)">t</p>',
]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_sanitize_removes_active_content(fragment: str) -> None:
    out = sanitize_html(fragment).lower()
    for bad in ("<script", "onerror", "javascript:", "<svg", "<iframe", "onclick", "onload", "alert(1)</"):
        assert bad not in out


def test_html_to_text_decodes_entities_and_drops_script_bodies() -> None:
    text = html_to_text("<p>&emsp;&emsp;冻土 &amp; 地温</p><script>var x=1</script><p>second</p>")
    assert text == "冻土 & 地温\nsecond"
    assert clean_text("<b>Title</b>\n  two") == "Title two"
    assert html_to_text(None) == "" and sanitize_html(3) == ""


def test_markdown_descriptions_render_safely() -> None:
    from dataset_atlas.normalize.text import markdown_to_html, markdown_to_text

    text = "The [Sentinel-2](https://sentinel.esa.int) **global** *archive*.\n\nSee [x](javascript:alert(1)) <b>raw</b>"
    out = markdown_to_html(text)
    assert '<a href="https://sentinel.esa.int"' in out and "<strong>global</strong>" in out and out.count("<p>") == 2
    assert "javascript:" not in out and "<b>" not in out  # raw HTML in Markdown stays text
    assert markdown_to_text(text).startswith("The Sentinel-2 global archive.")
