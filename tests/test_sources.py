"""Readers against the real seeds, the real STAC corpus, and every kind of bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dataset_atlas.model import ExtentQuality, TimeResolution
from dataset_atlas.sources.discover import read_paths
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.sources.stac import read_stac_collection

from .conftest import CALC_ID, MAGT_ID, SEEDS, SMMR_ID


def seed_doc(name: str) -> dict:
    return json.loads((SEEDS / name).read_text(encoding="utf-8"))


def test_seeds_normalise() -> None:
    records, report = read_paths([SEEDS])
    assert report.ingested == 3 and not report.rejected
    by_id = {r.id: r for r in records}
    calc, magt, smmr = by_id[CALC_ID], by_id[MAGT_ID], by_id[SMMR_ID]
    assert calc.extent.quality is ExtentQuality.APPROXIMATE
    assert calc.extent.bbox == (-180.0, 60.0, 180.0, 90.0)
    assert [r.resolution.metres for r in (calc, magt, smmr)] == [10.0, 1000.0, 25000.0]
    assert [r.time_resolution for r in (calc, magt, smmr)] == [
        TimeResolution.UNKNOWN, TimeResolution.YEARLY, TimeResolution.DAILY]
    assert calc.cstr == "31253.11.sciencedb.01869" and calc.cstr_url == "https://cstr.cn/31253.11.sciencedb.01869"
    assert magt.extent.quality is ExtentQuality.EXACT and magt.access == "apply-access"
    assert smmr.title.zh == "中国地区被动微波SMMR亮度温度数据集"
    assert smmr.title.en.startswith("Brightness and temperature")
    assert "&emsp;" not in calc.abstract_text.zh and "CALC-2020" in calc.abstract_text.zh
    assert calc.abstract_text.en.startswith("Circumpolar Arctic Land Cover")
    assert {p.name for p in magt.contributors} >= {"李国玉", "陈敦"}
    assert all("@" not in json.dumps(p.__dict__, ensure_ascii=False) for p in magt.contributors)
    assert calc.size_bytes == 7574244511 and calc.file_count == 7
    assert "北极" in calc.keywords


def test_english_falls_back_to_chinese() -> None:
    doc = seed_doc("004_0bcffbf4308a34aa.txt")
    del doc["i18n"]
    doc["title_en"] = ""
    record = read_ncdc(doc, "x.json")
    assert record.title.get("en") == record.title.zh
    assert record.abstract_text.get("en") == record.abstract_text.zh


def test_unknown_fields_are_kept_and_record_round_trips() -> None:
    doc = seed_doc("002_dab26969396d45c7.txt")
    doc["x_custom_field"] = {"nested": [1, 2, 3]}
    record = read_ncdc(doc, "x.json")
    assert record.raw == doc
    from dataset_atlas.model import DatasetRecord

    again = DatasetRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record and again.raw == doc


def test_stac_corpus_ingests_fully(stac_corpus: Path) -> None:
    records, report = read_paths([stac_corpus])
    assert report.ingested == 123 and not report.rejected
    by_id = {r.id: r for r in records}
    assert sum(r.extent.bbox == (-180.0, -90.0, 180.0, 90.0) for r in records) >= 50
    goes = by_id["goes-cmi"]  # two boxes either side of 180°: one extent across the antimeridian
    assert goes.extent.crosses_antimeridian and goes.extent.bbox[0] == pytest.approx(141.7)
    assert by_id["gnatsgo-rasters"].extent.crosses_antimeridian
    assert by_id["daymet-daily-hi"].time_resolution is TimeResolution.DAILY
    with_res = [r for r in records if r.resolution.metres]
    assert len(with_res) >= 40
    assert by_id["sentinel-2-l2a"].resolution.metres == pytest.approx(10.0)
    assert all(r.title.en for r in records)


def test_nested_static_catalog_tree(tmp_path: Path, stac_corpus: Path) -> None:
    (tmp_path / "catalog.json").write_text(json.dumps({"type": "Catalog", "id": "root", "stac_version": "1.0.0",
                                                       "description": "d", "links": []}))
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    shutil.copy(stac_corpus / "alos-dem.json", sub / "collection.json")
    records, report = read_paths([tmp_path])
    assert [r.id for r in records] == ["alos-dem"]
    assert report.skipped and "Catalog" in report.skipped[0].reason


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_bad_inputs_are_reported_and_the_rest_ingests(tmp_path: Path) -> None:
    good = seed_doc("002_dab26969396d45c7.txt")
    write(tmp_path / "good.json", json.dumps(good, ensure_ascii=False))
    write(tmp_path / "malformed.json", '{"id": "x", "title_cn": ')
    write(tmp_path / "notarecord.json", json.dumps({"name": "config", "debug": True}))
    write(tmp_path / "list.json", "[1, 2]")
    write(tmp_path / "noid.json", json.dumps({"title_cn": "无编号", "category": "冻土"}))
    write(tmp_path / "wrongid.json", json.dumps({"id": 42, "title_cn": "数字编号"}))
    write(tmp_path / "dup.json", json.dumps({**good, "title_cn": "副本"}, ensure_ascii=False))
    write(tmp_path / "gbk.json", json.dumps({"id": "g", "title_cn": "冻土"}, ensure_ascii=False).encode("gb18030"))
    write(tmp_path / "empty.json", b"")
    write(tmp_path / "big.json", b'{"id": "big", "pad": "' + b"x" * 40_000 + b'"}')
    wrong_types = {"id": "wt", "title_cn": ["not", "text"], "ds_acq_lon_west": {"x": 1}, "ds_acq_lon_east": 2,
                   "ds_acq_lat_south": 3, "ds_acq_lat_north": 4, "ds_files_count": "many",
                   "ds_topic_tags": 7, "ds_acq_start_time": 12.5, "title_en": "Wrong types"}
    write(tmp_path / "wrongtypes.json", json.dumps(wrong_types))
    write(tmp_path / "README.txt", "This folder holds data.")  # not JSON, inside a folder walk: ignored
    records, report = read_paths([tmp_path], max_bytes=32_768)
    ids = sorted(r.id for r in records)
    assert ids == [good["id"], "wt"]
    reasons = {Path(r.path).name.split("#")[0]: r.reason for r in report.rejected}
    assert "malformed JSON" in reasons["malformed.json"]
    assert "not an NCDC record" in reasons["notarecord.json"]
    assert "expected a JSON object" in reasons["list.json"]
    assert "no id" in reasons["noid.json"]
    assert "id must be text" in reasons["wrongid.json"]
    assert "duplicate id" in reasons["good.json"] or "duplicate id" in reasons["dup.json"]
    assert "UTF-8" in reasons["gbk.json"]
    assert "empty" in reasons["empty.json"]
    assert "too large" in reasons["big.json"]
    assert "README.txt" not in reasons
    wt = next(r for r in records if r.id == "wt")
    assert wt.title.en == "Wrong types" and wt.extent.quality is ExtentQuality.MISSING
    assert any("title_cn" in w for w in wt.warnings) and any("ds_files_count" in w for w in wt.warnings)


def test_explicit_txt_file_and_package_meta(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    shutil.copy(SEEDS / "004_0bcffbf4308a34aa.txt", package / "_ncdc_meta_.json")
    write(tmp_path / "notes.txt", "hello")
    records, report = read_paths([package, tmp_path / "notes.txt"])
    assert [r.id for r in records] == [SMMR_ID]
    assert report.rejected[0].path.endswith("notes.txt") and "malformed JSON" in report.rejected[0].reason


def test_time_span_end_before_start_is_a_warning() -> None:
    doc = {**seed_doc("002_dab26969396d45c7.txt"), "ds_acq_start_time": "2024-01-01 00:00:00",
           "ds_acq_end_time": "2010-01-01 00:00:00"}
    record = read_ncdc(doc, "x.json")
    assert record.time.start and record.time.end and record.time.end < record.time.start
    assert any("before it starts" in w for w in record.warnings)


def test_ongoing_and_point_records() -> None:
    doc = {**seed_doc("002_dab26969396d45c7.txt"), "ds_acq_end_time": None, "ds_acq_lon_west": 100.2,
           "ds_acq_lon_east": 100.2, "ds_acq_lat_south": 38.5, "ds_acq_lat_north": 38.5}
    record = read_ncdc(doc, "x.json")
    assert record.time.ongoing and record.extent.quality is ExtentQuality.POINT


def test_stac_resolution_sources() -> None:
    base = {"type": "Collection", "id": "c", "stac_version": "1.0.0", "description": "d", "license": "CC-BY-4.0",
            "links": [{"rel": "items", "href": "https://example.org/c/items"}],  # open: a public href
            "extent": {"spatial": {"bbox": [[170, -20, -170, -10]]},
                       "temporal": {"interval": [["2001-01-01T00:00:00Z", None]]}}}
    assert read_stac_collection({**base, "gsd": 30}).resolution.metres == 30
    assert read_stac_collection({**base, "summaries": {"gsd": [60, 10, 20]}}).resolution.metres == 10
    rec = read_stac_collection({**base, "item_assets": {"a": {"raster:bands": [{"spatial_resolution": 500}]}}})
    assert rec.resolution.metres == 500
    assert rec.extent.crosses_antimeridian and rec.time.ongoing and rec.access == "open-access"


def test_static_catalog_file_follows_child_links(tmp_path: Path, stac_corpus: Path) -> None:
    root = tmp_path / "catalog"
    (root / "dem").mkdir(parents=True)
    (root / "lc").mkdir()
    shutil.copy(stac_corpus / "alos-dem.json", root / "dem" / "collection.json")
    shutil.copy(stac_corpus / "io-lulc.json", root / "lc" / "collection.json")
    outside = tmp_path / "outside.json"
    shutil.copy(stac_corpus / "cop-dem-glo-30.json", outside)
    links = [{"rel": "child", "href": "./dem/collection.json"}, {"rel": "child", "href": "lc/collection.json"},
             {"rel": "child", "href": "../outside.json"}, {"rel": "child", "href": "https://example.org/x.json"},
             {"rel": "child", "href": "missing/collection.json"}, {"rel": "self", "href": "./catalog.json"}]
    (root / "catalog.json").write_text(json.dumps({"type": "Catalog", "id": "root", "stac_version": "1.0.0",
                                                   "description": "d", "links": links}))
    records, report = read_paths([root / "catalog.json"])
    assert sorted(r.id for r in records) == ["alos-dem", "io-lulc"]  # never the file outside the tree
    assert not report.rejected and report.skipped[0].reason.startswith("STAC Catalog")
