"""`demo-data`: synthetic files in the seeds' real formats, deterministic and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio

from dataset_atlas.demo import CALC_ID, MAGT_ID, MARKER, SMMR_ID, write_demo_data
from dataset_atlas.quicklook import find_data_files, render_quicklook

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `@` matmul:PendingDeprecationWarning:rasterio")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("demo")
    return root, write_demo_data(root)


def test_layout_and_size(demo):
    root, paths = demo
    assert {p.parent.name for p in paths} == {CALC_ID, MAGT_ID, SMMR_ID}
    for rid in (CALC_ID, MAGT_ID, SMMR_ID):
        assert "SYNTHETIC" in (root / rid / "SYNTHETIC.txt").read_text()
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total < 8 * 2**20


def test_smmr_files_follow_the_naming_convention(demo):
    _, paths = demo
    raws = [p for p in paths if p.parent.name == SMMR_ID]
    assert len(raws) >= 4
    for p in raws:
        assert p.stat().st_size == 307 * 164 * 2
        for ext in (".met", ".TIM", ".jpg"):
            assert p.with_name(p.name + ext).is_file()
        assert "SYNTHETIC" in p.with_name(p.name + ".met").read_text()
    names = {p.name for p in raws}
    assert "China-EASE-N07-ML1978298A.37V" in names and "China-EASE-N07-ML1978298D.18H" in names


def test_geotiffs_are_tagged_and_georeferenced(demo):
    _, paths = demo
    calc = [p for p in paths if p.parent.name == CALC_ID]
    for p in calc:
        with rasterio.open(p) as src:
            assert src.dtypes[0] == "uint8" and src.nodata == 0
            assert src.crs.to_epsg() in (3413, 3571)
            assert src.tags()["DATASET_ATLAS_SYNTHETIC"] == "yes"
            assert src.overviews(1)
            assert set(np.unique(src.read(1, out_shape=(100, 100)))) <= set(range(11))
    (magt,) = [p for p in paths if p.parent.name == MAGT_ID]
    with rasterio.open(magt) as src:
        assert src.dtypes[0] == "float32" and src.nodata == -9999.0
        assert "+proj=aea" in src.crs.to_proj4() and src.units[0] == "°C"


def test_every_file_previews_flagged_synthetic(demo):
    root, paths = demo
    for p in paths:
        ql = render_quicklook(p, data_root=root)
        assert ql.synthetic and ql.bounds is not None and ql.stats["count"] > 0
    calc = render_quicklook(paths[0], data_root=root)
    assert calc.kind == "categorical"
    assert {c["label"] for c in calc.legend} >= {"Forest", "Shrub tundra", "Ice/snow"}
    magt = render_quicklook(next(p for p in paths if p.parent.name == MAGT_ID))
    assert magt.kind == "diverging" and magt.units == "°C" and magt.stats["range"] == [-4, 2]
    w, s, e, n = magt.bounds
    assert 112 < w < 125 and 38 < s < 48 and 125 < e < 136 and 50 < n < 56
    assert -3 < magt.stats["mean"] < 1


def test_files_are_listed_with_their_sidecars(demo):
    root, _ = demo
    files = find_data_files(SMMR_ID, data_root=root)
    assert files and all(f.previewable and f.picture is not None for f in files)
    assert all(len(f.sidecars) == 2 for f in files)


def test_idempotent_and_deterministic(demo, tmp_path):
    root, paths = demo
    mtimes = {p: p.stat().st_mtime_ns for p in paths}
    assert write_demo_data(root) == paths
    assert {p: p.stat().st_mtime_ns for p in paths} == mtimes
    again = write_demo_data(tmp_path)
    for a, b in zip(paths, again, strict=True):
        if a.suffix == ".tif":
            with rasterio.open(a) as sa, rasterio.open(b) as sb:
                assert np.array_equal(sa.read(1), sb.read(1))
        else:
            assert a.read_bytes() == b.read_bytes()


def test_new_version_or_missing_file_rewrites(tmp_path):
    paths = write_demo_data(tmp_path)
    paths[-1].unlink()
    assert write_demo_data(tmp_path)[-1].is_file()
    marker = tmp_path / MARKER
    marker.write_text(json.dumps({"version": 0}))
    before = paths[0].stat().st_mtime_ns
    write_demo_data(tmp_path)
    assert paths[0].stat().st_mtime_ns >= before
    assert json.loads(marker.read_text())["version"] >= 1
