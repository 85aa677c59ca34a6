"""Synthetic catalogs: deterministic, varied like real ones, and all ingestible."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from dataset_atlas.cli import run
from dataset_atlas.model import ExtentQuality, TimeResolution
from dataset_atlas.normalize.resolution import parse_time_resolution
from dataset_atlas.sources.discover import read_paths
from dataset_atlas.synth import (
    BBOX_SHAPES,
    CATEGORIES,
    SPACE_RESOLUTIONS,
    TIME_RESOLUTIONS,
    synthetic_record,
    write_synthetic_records,
)


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.json")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    assert write_synthetic_records(120, tmp_path / "a", seed=7) == 120
    write_synthetic_records(120, tmp_path / "b", seed=7)
    write_synthetic_records(120, tmp_path / "c", seed=8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")
    assert len(list((tmp_path / "a").rglob("*.json"))) == 120


def test_sharded_folders(tmp_path: Path) -> None:
    write_synthetic_records(2001, tmp_path, seed=1)
    shards = sorted(p.name for p in tmp_path.iterdir())
    assert shards == ["000", "001", "002"]
    assert len(list((tmp_path / "000").iterdir())) == 1000


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("synth")
    write_synthetic_records(2000, root, seed=0)
    return read_paths([root])


def test_all_ingest_without_rejection(ingested) -> None:
    records, report = ingested
    assert report.ingested == 2000 and report.rejected == [] and report.skipped == []
    assert len({r.id for r in records}) == 2000
    assert not [w for w in report.warnings if "not understood" in w or "not a date" in w]


def test_variety(ingested) -> None:
    records, _ = ingested
    docs = [synthetic_record(i) for i in range(2000)]
    assert {d["category"] for d in docs} == {c for c, _, _ in CATEGORIES}
    assert {d["ds_space_res"] for d in docs} == set(SPACE_RESOLUTIONS)
    assert {d["ds_time_res"] for d in docs} == {t for t, _ in TIME_RESOLUTIONS}
    assert {r.time_resolution for r in records} == set(TimeResolution)
    metres = {r.resolution.text: r.resolution.metres for r in records}
    assert metres["1 km x 1 km"] == 1000 and metres["30 arc-second"] == pytest.approx(927.67, abs=0.01)
    assert metres["1/12°"] == pytest.approx(9276.67, abs=0.01) and metres[""] is None
    assert {d["cstr"].startswith("https://cstr.cn/") for d in docs} == {True, False}
    assert all(not r.cstr.startswith("http") for r in records)
    assert any("i18n" not in d for d in docs)
    lengths = [len(r.abstract_text.zh) + len(r.abstract_text.en) for r in records]
    assert 200 < sorted(lengths)[len(lengths) // 2] < 2000


def test_every_bbox_shape_and_its_quality_flag(ingested) -> None:
    records, _ = ingested
    qualities = Counter(r.extent.quality for r in records)
    assert set(qualities) == set(ExtentQuality)
    assert any(r.extent.crosses_antimeridian for r in records)
    assert any(r.extent.bbox == (-180.0, -90.0, 180.0, 90.0) for r in records)
    assert any(r.extent.bbox is not None and r.extent.bbox[1] >= 60 and r.extent.bbox[0] == -180 for r in records)
    swapped = [r for r in records if r.extent.quality is ExtentQuality.CORRECTED]
    assert swapped and all("swapped" in r.extent.note for r in swapped)
    assert all(r.extent.bbox[1] <= r.extent.bbox[3] for r in records if r.extent.bbox)
    approximate = [r for r in records if r.extent.quality is ExtentQuality.APPROXIMATE]
    assert approximate and all(r.extent.note.startswith("from place name") for r in approximate)
    first = [synthetic_record(i) for i in range(len(BBOX_SHAPES))]  # the first records cover every shape
    assert first[BBOX_SHAPES.index("missing_none")]["ds_acq_lon_west"] is None


def test_time_spans(ingested) -> None:
    records, report = ingested
    assert any(r.time.ongoing for r in records)
    backwards = [r for r in records if r.time.start and r.time.end and r.time.end < r.time.start]
    assert backwards and sum("before it starts" in w for w in report.warnings) == len(backwards)


@pytest.mark.parametrize(("text", "expected"), TIME_RESOLUTIONS)
def test_time_resolution_texts_classify_as_intended(text: str, expected: str) -> None:
    assert parse_time_resolution(text) == expected


def test_cli_synth(tmp_path: Path) -> None:
    code, out = run(["synth", "--count", "5", "--out", str(tmp_path / "s"), "--seed", "2"])
    assert code == 0 and "wrote 5" in out
    assert len(list((tmp_path / "s").rglob("*.json"))) == 5
