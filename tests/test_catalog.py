"""Catalog queries (antimeridian, time, resolution, text, facets) and the saved index."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import geopandas
import pandas as pd
import pytest

from dataset_atlas.catalog import LocalCatalog, Query, open_catalog
from dataset_atlas.catalog.export import result_to_csv, result_to_geojson
from dataset_atlas.catalog.local.writer import save_index
from dataset_atlas.catalog.query import parse_bbox
from dataset_atlas.errors import IndexFileError, QueryError
from dataset_atlas.model import DatasetRecord, Extent, ExtentQuality, LocalText, Resolution, TimeSpan

from .conftest import CALC_ID, MAGT_ID, SEEDS, SMMR_ID


def rec(rid: str, bbox=None, quality=ExtentQuality.EXACT, start=None, end=None, res=None, **kw) -> DatasetRecord:
    return DatasetRecord(
        id=rid, source_kind="ncdc", title=LocalText(zh=kw.pop("zh", rid), en=kw.pop("en", rid)),
        extent=Extent(bbox, quality if bbox else ExtentQuality.MISSING),
        time=TimeSpan(start, end), resolution=Resolution(metres=res), **kw)


@pytest.fixture(scope="module")
def seeds() -> LocalCatalog:
    return LocalCatalog.from_paths([SEEDS])


@pytest.fixture(scope="module")
def boxes() -> LocalCatalog:
    return LocalCatalog.from_records([
        rec("pacific", (170.0, -10.0, -170.0, 10.0)),  # crosses 180°
        rec("fiji-east", (-179.0, -20.0, -178.0, -15.0)),
        rec("fiji-west", (177.0, -20.0, 178.0, -15.0)),
        rec("arctic", (-180.0, 60.0, 180.0, 90.0), ExtentQuality.APPROXIMATE),
        rec("antarctic", (-180.0, -90.0, 180.0, -60.0)),
        rec("station", (100.5, 38.2, 100.5, 38.2), ExtentQuality.POINT),
        rec("nowhere"),
        rec("global", (-180.0, -90.0, 180.0, 90.0)),
    ])


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("175,-5,179,5", {"pacific", "global"}),  # west side of 180°
        ("-179,-5,-175,5", {"pacific", "global"}),  # east side
        ("178,-30,-178,-12", {"fiji-east", "fiji-west", "global"}),  # query crossing 180° too
        ("0,-5,10,5", {"global"}),  # far from the Pacific box: not matched the wrong way round
        ("10,70,20,80", {"arctic", "global"}),
        ("-50,-85,-40,-80", {"antarctic", "global"}),
        ("100,38,101,39", {"station", "global"}),
        ("100.5,38.2,100.5,38.2", {"station", "global"}),
    ],
)
def test_bbox_queries_on_both_sides_of_the_antimeridian(boxes: LocalCatalog, bbox: str, expected: set) -> None:
    assert set(boxes.search(Query(bbox=parse_bbox(bbox))).frame["id"]) == expected


def test_missing_extent_is_listed_and_counted(boxes: LocalCatalog) -> None:
    result = boxes.search(Query())
    assert result.matched == 8 and result.without_extent == 1
    assert result.facets["extent_quality"]["missing"] == 1


def test_time_overlap_with_open_ends() -> None:
    cat = LocalCatalog.from_records([
        rec("old", start=date(1978, 10, 25), end=date(1987, 8, 20)),
        rec("ongoing", start=date(2015, 1, 1)),
        rec("backwards", start=date(2024, 1, 1), end=date(2010, 1, 1)),
        rec("undated"),
    ])

    def ids(start, end):
        return set(cat.search(Query(start=start, end=end)).frame["id"])

    assert ids(date(1980, 1, 1), date(1981, 1, 1)) == {"old"}
    assert ids(date(2030, 1, 1), None) == {"ongoing"}
    assert ids(date(2012, 1, 1), date(2012, 12, 31)) == {"backwards"}
    assert ids(None, date(1979, 1, 1)) == {"old"}


def test_seed_filters(seeds: LocalCatalog) -> None:
    def ids(**kw):
        return set(seeds.search(Query(**kw)).frame["id"])

    assert ids(max_resolution_m=1000) == {CALC_ID, MAGT_ID}  # 1 km and finer
    assert ids(min_resolution_m=1000) == {MAGT_ID, SMMR_ID}
    assert ids(time_resolutions=("daily",)) == {SMMR_ID}
    assert ids(categories=("冻土",)) == {MAGT_ID}
    assert ids(access=("open-access",)) == {CALC_ID}
    assert ids(formats=("GeoTIFF",)) == {CALC_ID, MAGT_ID}
    assert ids(text="冻土") == {MAGT_ID}  # Chinese substring
    assert ids(text="地温") == {MAGT_ID}
    assert ids(text="permafrost northeast") == {MAGT_ID}  # every term, either language
    assert ids(text="SMMR") == {SMMR_ID}
    assert ids(text="brightness 亮度") == {SMMR_ID}
    assert ids(text="nothing-like-this") == set()
    assert ids(bbox=(120.0, 45.0, 125.0, 50.0)) == {MAGT_ID, SMMR_ID}
    assert ids(bbox=(0.0, 70.0, 10.0, 80.0)) == {CALC_ID}
    # facet values are compared exactly (NumPy's string type would drop a trailing NUL)
    assert ids(formats=("GeoTIFF\x00",)) == ids(categories=("冻土\x00",)) == ids(access=("open-access\x00",)) == set()


def test_facets_count_each_filter_given_the_others(seeds: LocalCatalog) -> None:
    result = seeds.search(Query(categories=("冻土",), max_resolution_m=1000))
    assert result.matched == 1
    # category counts ignore the category filter but honour the resolution filter
    assert result.facets["category"] == {"冻土": 1, "基础地理": 1}
    assert result.facets["time_resolution"] == {"yearly": 1}


def test_sorting_and_limit(seeds: LocalCatalog) -> None:
    assert list(seeds.search(Query(sort="start")).frame["id"]) == [SMMR_ID, MAGT_ID, CALC_ID]
    assert list(seeds.search(Query(sort="-resolution")).frame["id"]) == [SMMR_ID, MAGT_ID, CALC_ID]
    result = seeds.search(Query(sort="resolution", limit=1))
    assert list(result.frame["id"]) == [CALC_ID] and result.matched == 3
    with pytest.raises(QueryError):
        seeds.search(Query(sort="bogus"))


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "0,10,10,0", "0,0,200,10", "nan,0,1,1"])
def test_bad_bbox(text: str) -> None:
    with pytest.raises(QueryError, match="bbox"):
        parse_bbox(text)


def test_index_round_trip_and_geoparquet(tmp_path: Path, seeds: LocalCatalog, boxes: LocalCatalog) -> None:
    path = seeds.save(tmp_path / "index.parquet")
    loaded = LocalCatalog.load(path)
    assert len(loaded) == 3 and loaded.report.ingested == 3
    for rid in (CALC_ID, MAGT_ID, SMMR_ID):
        assert loaded.get(rid) == seeds.get(rid)
        assert loaded.get(rid).raw == seeds.get(rid).raw
    path2 = boxes.save(tmp_path / "boxes.parquet")
    gdf = geopandas.read_parquet(path2)  # a real GeoParquet file for GIS tools
    pacific = gdf.loc[gdf["id"] == "pacific", "geometry"].iloc[0]
    assert pacific.geom_type == "MultiPolygon" and pacific.bounds == (-180.0, -10.0, 180.0, 10.0)
    assert gdf.loc[gdf["id"] == "station", "geometry"].iloc[0].geom_type == "Point"
    assert gdf.loc[gdf["id"] == "nowhere", "geometry"].iloc[0] is None


def test_save_is_atomic(tmp_path: Path, seeds: LocalCatalog) -> None:
    path = seeds.save(tmp_path / "index.parquet")
    before = path.read_bytes()
    broken = seeds.frame.copy()
    broken["record"] = [object()] * len(broken)  # pyarrow cannot convert this: the write fails midway
    with pytest.raises(Exception):  # noqa: B017 - any failure will do; the point is what is left behind
        save_index(broken, seeds.report, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["index.parquet"]  # no temp file left


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexFileError, match="no index file"):
        LocalCatalog.load(tmp_path / "missing.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet")
    with pytest.raises(IndexFileError, match="unreadable"):
        LocalCatalog.load(junk)


def test_open_catalog_defaults_to_seeds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)
    assert len(open_catalog()) == 3
    LocalCatalog.from_paths([SEEDS / "000_df35574ea24b81a0.txt"]).save(tmp_path / "one.parquet")
    monkeypatch.setenv("DATASET_ATLAS_INDEX", os.fspath(tmp_path / "one.parquet"))
    assert len(open_catalog()) == 1


def test_exports(seeds: LocalCatalog) -> None:
    frame = seeds.search(Query()).frame
    geo = json.loads(result_to_geojson(frame))
    assert len(geo["features"]) == 3
    calc = next(f for f in geo["features"] if f["id"] == CALC_ID)
    assert calc["properties"]["extent_quality"] == "approximate"
    text = result_to_csv(frame)
    assert text.startswith("\ufeffid,") and "冻土" in text and "@" not in text  # no e-mails


def test_csv_defuses_formulas() -> None:
    cat = LocalCatalog.from_records([rec("f", en="=HYPERLINK(\"http://x\")")])
    assert "'=HYPERLINK" in result_to_csv(cat.frame)


def test_stac_corpus_searchable(stac_corpus: Path) -> None:
    cat = LocalCatalog.from_paths([stac_corpus])
    assert len(cat) == 123
    assert "sentinel-2-l2a" in set(cat.search(Query(text="sentinel-2")).frame["id"])
    dem = cat.search(Query(text="elevation", max_resolution_m=30)).frame
    assert len(dem) >= 3 and (dem["resolution_m"] <= 30).all()
    across = set(cat.search(Query(bbox=(175.0, 50.0, -175.0, 55.0))).frame["id"])
    assert {"gnatsgo-rasters", "goes-cmi"} <= across
    daily = cat.search(Query(time_resolutions=("daily",), start=date(2000, 1, 1), end=date(2000, 12, 31)))
    assert daily.matched >= 5


def test_text_search_while_the_index_warms_up_gives_the_same_rows(stac_corpus: Path) -> None:
    cold = LocalCatalog.from_paths([stac_corpus])
    warm = LocalCatalog.from_paths([stac_corpus])
    thread = warm.warm_text_index()
    during = set(warm.search(Query(text="land cover")).frame["id"])  # scan or index, whichever is ready
    assert thread is not None
    thread.join()
    after = set(warm.search(Query(text="land cover")).frame["id"])
    assert during == after == set(cold.search(Query(text="land cover")).frame["id"]) and after


def test_parallel_ingest_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataset_atlas.catalog.local import ingest

    seeds = sorted(SEEDS.iterdir())
    for i, seed in enumerate(seeds):
        for copy in range(4):
            doc = {**json.loads(seed.read_text(encoding="utf-8")), "id": f"r{i}-{copy}"}
            (tmp_path / f"{i}-{copy}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "dup.json").write_text(json.dumps({**json.loads(seeds[0].read_text(encoding="utf-8")),
                                                   "id": "r0-0"}), encoding="utf-8")
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a record", encoding="utf-8")  # skipped silently in a folder
    monkeypatch.setattr(ingest, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(ingest, "CHUNK_FILES", 4)
    serial, serial_report = ingest.frame_from_paths([tmp_path], workers=1)
    parallel, parallel_report = ingest.frame_from_paths([tmp_path], workers=2)
    assert len(serial) == 12 and list(parallel["id"]) == list(serial["id"])
    pd.testing.assert_frame_equal(parallel, serial)
    assert parallel_report.to_dict() == serial_report.to_dict()
    assert {Path(r.path).name for r in serial_report.rejected} == {"bad.json", "dup.json"}
