"""Inputs that used to crash, hang or exhaust an ingest (issue 9): each is now one rejection
or one warning for its own file, and every good file still ingests."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.base import IngestReport
from dataset_atlas.catalog.local.geoparquet import load_index
from dataset_atlas.catalog.local.ingest import ingest_to_index
from dataset_atlas.catalog.local.writer import IndexWriter, temp_files
from dataset_atlas.errors import IndexLockedError
from dataset_atlas.sources.discover import read_paths
from dataset_atlas.sources.stac import read_stac_collection

from .conftest import CALC_ID, SEEDS

SEED = json.loads((SEEDS / "000_df35574ea24b81a0.txt").read_text(encoding="utf-8"))
STAC = {"type": "Collection", "id": "c", "stac_version": "1.1.0", "description": "d", "license": "CC-BY-4.0",
        "extent": {"spatial": {"bbox": [[0, 0, 10, 10]]}, "temporal": {"interval": [["2001-01-01", None]]}}}


def ncdc(rid: str, **fields: object) -> dict:
    return {**SEED, "id": rid, **fields}


def read_with_timeout(paths: list[Path], seconds: float = 20) -> tuple[list, IngestReport]:
    """read_paths in a thread: a hang fails the test instead of blocking the suite."""
    out: list = []
    thread = threading.Thread(target=lambda: out.append(read_paths(paths)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"ingest of {paths} did not finish in {seconds} s"
    return out[0]


def reasons(report: IngestReport) -> dict[str, str]:
    return {os.path.basename(r.path): r.reason for r in report.rejected}


def test_hostile_values_cost_only_their_own_value_or_record(tmp_path: Path) -> None:
    text = json.dumps(ncdc("surrogate"))
    (tmp_path / "surrogate.json").write_text(text.replace('"title_en": "', '"title_en": "Snow depth \\ud83d '))
    (tmp_path / "inf.json").write_text(json.dumps(ncdc("inf")).replace('"ds_total_size": 7574244511',
                                                                        '"ds_total_size": 1e999'))
    (tmp_path / "size_text.json").write_text(json.dumps(ncdc("size_text", ds_total_size="1e309")))
    (tmp_path / "huge_int.json").write_text(json.dumps(ncdc("huge_int", ds_files_count=int("9" * 400),
                                                            ds_acq_lon_west=int("9" * 400))))
    (tmp_path / "gsd.json").write_text(json.dumps({**STAC, "id": "gsd", "gsd": int("9" * 400), "links": 5}))
    (tmp_path / "deep.json").write_text('{"id": "deep", "title_cn": "x", "a": ' + "[" * 1000 + "]" * 1000 + "}")
    (tmp_path / "empty_list.json").write_text("[]")
    (tmp_path / "number.json").write_text("5")
    (tmp_path / "good.json").write_text(json.dumps(ncdc("good")))
    records, report = read_with_timeout([tmp_path])
    by_id = {r.id: r for r in records}
    assert set(by_id) == {"surrogate", "inf", "size_text", "huge_int", "gsd", "good"}
    assert "\ufffd" in by_id["surrogate"].title.en
    assert any("surrogate" in w for w in by_id["surrogate"].warnings)
    assert by_id["inf"].size_bytes is None and by_id["size_text"].size_bytes is None
    assert any("not a finite number" in w for w in by_id["size_text"].warnings)
    assert by_id["huge_int"].extent.quality.value in ("approximate", "missing")
    assert by_id["gsd"].resolution.metres is None
    why = reasons(report)
    assert set(why) == {"deep.json", "empty_list.json", "number.json"}
    assert "nested too deeply" in why["deep.json"]
    assert "empty JSON list" in why["empty_list.json"] and "got int" in why["number.json"]
    # and the index stores all of them
    path = LocalCatalog.from_paths([tmp_path]).save(tmp_path.parent / "idx.parquet")
    loaded = LocalCatalog.load(path)
    assert loaded.get("surrogate").title.en == by_id["surrogate"].title.en
    assert loaded.get("huge_int").file_count == int("9" * 400)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                                      "utf-8-sig"])
def test_utf16_and_utf32_files_are_decoded(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "r.json").write_bytes(json.dumps(ncdc("enc"), ensure_ascii=False).encode(encoding))
    records, report = read_paths([tmp_path])
    assert [r.id for r in records] == ["enc"] and records[0].title.zh == SEED["title_cn"]


def test_undecodable_utf16_names_the_encoding(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_bytes(b"\xff\xfe" + '{"id": "x"}'.encode("utf-16-le") + b"\x00\xd8")
    _, report = read_paths([tmp_path])
    assert "UTF-16-LE" in report.rejected[0].reason


def test_file_name_that_is_not_utf8_is_reported_printably(tmp_path: Path) -> None:
    name = os.fsdecode("冻土数据.json".encode("gbk"))  # how Python sees a GBK name on a UTF-8 system
    (tmp_path / name).write_text(json.dumps(ncdc("gbk")))
    (tmp_path / os.fsdecode("坏.json".encode("gbk"))).write_text("{nope")
    records, report = read_paths([tmp_path])
    assert [r.id for r in records] == ["gbk"]
    assert "\\x" in records[0].source_path and records[0].source_path.encode("utf-8")
    assert report.rejected[0].path.encode("utf-8") and "malformed" in report.rejected[0].reason
    index = ingest_to_index([tmp_path], tmp_path / "idx.parquet")
    assert index.ingested == 1
    json.dumps(index.to_dict(), ensure_ascii=False).encode("utf-8")


def test_special_files_are_rejected_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(ncdc("good")))
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "pipe.json")
    os.mkfifo(tmp_path / "explicit.json")
    os.symlink("/dev/zero", tmp_path / "z.json")
    (folder / "dir.json").mkdir()  # a folder named like a record: walked, not read
    records, report = read_with_timeout([folder, tmp_path / "explicit.json", tmp_path / "z.json"])
    assert [r.id for r in records] == ["good"]
    why = reasons(report)
    assert set(why) == {"pipe.txt", "pipe.json", "explicit.json", "z.json"}
    assert "FIFO" in why["pipe.json"] and "character device" in why["z.json"]


def test_keyword_deduplication_is_linear() -> None:
    from dataset_atlas.sources.ncdc import read_ncdc

    tags = [f"k{i}" for i in range(200_000)]  # quadratic de-duplication took 256 s
    record = read_ncdc(ncdc("many", ds_topic_tags=tags + tags[:10]), "x.json")
    assert record.keywords[:3] == ("k0", "k1", "k2") and "k199999" in record.keywords
    assert len(set(record.keywords)) == len(record.keywords)


def test_a_huge_title_does_not_make_sorting_allocate_by_its_length() -> None:
    records = [read_stac_collection({**STAC, "id": f"c{i}", "title": f"title {i:04d}"}) for i in range(3000)]
    records.append(read_stac_collection({**STAC, "id": "huge", "title": "z" * 5_000_000}))
    catalog = LocalCatalog.from_records(records)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = catalog.search(Query(sort="title", limit=5))
    assert list(result.frame["id"]) == ["c0", "c1", "c2", "c3", "c4"]
    assert catalog.search(Query(sort="title")).frame["id"].iloc[-1] == "huge"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 500  # a fixed-width array would need 3,001 × 5M × 4 bytes = 56 GiB


def test_stac_11_band_resolution() -> None:
    assets = {"data": {"bands": [{"name": "b1", "raster:spatial_resolution": 20}]}}
    assert read_stac_collection({**STAC, "item_assets": assets}).resolution.metres == 20
    top = {**STAC, "bands": [{"name": "b", "raster:spatial_resolution": 250}, {"raster:spatial_resolution": 1e999}]}
    assert read_stac_collection(top).resolution.metres == 250


def test_index_keeps_its_mode_or_honours_the_umask(tmp_path: Path) -> None:
    catalog = LocalCatalog.from_paths([SEEDS])
    old = os.umask(0o022)
    try:
        path = catalog.save(tmp_path / "idx.parquet")
        assert (path.stat().st_mode & 0o777) == 0o644
        path.chmod(0o640)
        catalog.save(path)
        assert (path.stat().st_mode & 0o777) == 0o640
        ingest_to_index([SEEDS], path)
        assert (path.stat().st_mode & 0o777) == 0o640
    finally:
        os.umask(old)


def test_second_writer_fails_clearly_and_stale_temp_files_go(tmp_path: Path) -> None:
    path = tmp_path / "idx.parquet"
    stale = tmp_path / ".idx.parquet.abc123.tmp"
    stale.write_bytes(b"x" * 1000)  # what a kill -9 during the write leaves
    with IndexWriter(path):
        assert not stale.exists()
        with pytest.raises(IndexLockedError, match=r"idx\.parquet: another ingest \(pid \d+\) is writing"):
            ingest_to_index([SEEDS], path)
    report = ingest_to_index([SEEDS], path)
    assert report.ingested == 3 and not temp_files(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx.parquet"]  # no lock file left either
    frame, loaded = load_index(path)
    assert list(frame["id"]) == list(LocalCatalog.from_paths([SEEDS]).frame["id"])
    assert loaded.to_dict() == report.to_dict()
    assert pq.ParquetFile(path).metadata.row_group(0).num_rows == 3


def test_streamed_index_equals_the_saved_frame(tmp_path: Path) -> None:
    from dataset_atlas.catalog.local import ingest
    from dataset_atlas.catalog.local import writer as index_module

    for i in range(30):
        (tmp_path / f"{i:02d}.json").write_text(json.dumps(ncdc(f"r{i}")))
    (tmp_path / "dup.json").write_text(json.dumps(ncdc("r3")))
    saved = LocalCatalog.from_paths([tmp_path]).save(tmp_path.parent / "saved.parquet")
    old_chunk, old_group = ingest.CHUNK_FILES, index_module.ROW_GROUP_SIZE
    ingest.CHUNK_FILES, index_module.ROW_GROUP_SIZE = 7, 4  # many chunks and row groups
    try:
        report = ingest_to_index([tmp_path], tmp_path.parent / "streamed.parquet")
    finally:
        ingest.CHUNK_FILES, index_module.ROW_GROUP_SIZE = old_chunk, old_group
    a, ra = load_index(saved)
    b, rb = load_index(tmp_path.parent / "streamed.parquet")
    assert a.equals(b) and ra.to_dict() == rb.to_dict() == report.to_dict()
    assert [pq.ParquetFile(tmp_path.parent / "streamed.parquet").metadata.row_group(i).num_rows
            for i in range(8)] == [4] * 7 + [2]


def test_write_error_names_the_index_and_keeps_the_old_one(tmp_path: Path) -> None:
    index = tmp_path / "idx.parquet"
    ingest_to_index([SEEDS], index)
    before = index.read_bytes()
    big = tmp_path / "big"
    big.mkdir()
    noise = random.Random(0)
    for i in range(200):  # text zstd cannot shrink, so the new index outgrows the limit
        abstract = "".join(noise.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(3000))
        (big / f"{i}.json").write_text(json.dumps(ncdc(f"r{i}", ds_abstract=abstract)))

    def small_files() -> None:  # a file size limit: writes fail like a full disk (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 20_000, len(before) + 20_000))

    done = subprocess.run([sys.executable, "-m", "dataset_atlas.cli", "ingest", str(big), "--index", str(index)],
                          capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert done.returncode != 0
    assert f"{index}: cannot write the index (File too large)" in done.stderr
    assert index.read_bytes() == before and not temp_files(index)
    assert LocalCatalog.load(index).get(CALC_ID) is not None
