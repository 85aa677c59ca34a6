"""Linking records to files: data packages, <root>/<id> folders, STAC asset hrefs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from PIL import Image

from dataset_atlas.quicklook import find_data_files

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `@` matmul:PendingDeprecationWarning:rasterio")

RID = "6c62a54a-462f-4f1c-a1c6-e48619f166a5"


def tif(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8",
                       crs="EPSG:4326", transform=Affine(1.0, 0, 0, 0, -1.0, 8)) as dst:
        dst.write(np.ones((8, 8), np.uint8), 1)
    return path


def smmr_folder(folder: Path, size: int = 307 * 164 * 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / "China-EASE-N07-ML1978298A.37V"
    raw.write_bytes(b"\x10\x09" * (size // 2))
    for ext in (".met", ".TIM"):
        (folder / f"{raw.name}{ext}").write_text("x")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(folder / f"{raw.name}.jpg")
    return raw


def test_record_folder_under_data_root_groups_sidecars(tmp_path):
    raw = smmr_folder(tmp_path / RID)
    (tmp_path / RID / "SYNTHETIC.txt").write_text("demo")
    files = find_data_files(RID, data_root=tmp_path)
    assert [f.name for f in files] == [raw.name]
    f = files[0]
    assert f.format.startswith("EASE-Grid") and f.previewable and f.size == 100_696
    assert f.sidecars == (f"{raw.name}.TIM", f"{raw.name}.met")
    assert f.picture == raw.with_name(f"{raw.name}.jpg")


def test_raw_file_of_unknown_size_is_previewable_only_through_its_picture(tmp_path):
    smmr_folder(tmp_path / RID, size=1000)
    (f,) = find_data_files(RID, data_root=tmp_path)
    assert f.previewable and f.picture is not None
    (tmp_path / RID / f"{f.name}.jpg").unlink()
    (f,) = find_data_files(RID, data_root=tmp_path)
    assert not f.previewable


def test_data_package_with_ncdc_meta(tmp_path):
    pkg = tmp_path / "download"
    meta = pkg / "_ncdc_meta_.json"
    tif(pkg / "sub" / "MAGT.tif")
    (pkg / "sub" / "MAGT.tif.aux.xml").write_text("<PAMDataset/>")
    (pkg / "readme.xlsx").write_bytes(b"PK\x03\x04")
    meta.write_text("{}")
    files = find_data_files("any-id", source_path=meta, asset_hrefs=(), data_root=None)
    assert [(f.name, f.format, f.previewable) for f in files] == [
        ("readme.xlsx", "Excel", False), ("sub/MAGT.tif", "GeoTIFF", True)]
    assert files[1].sidecars == ("MAGT.tif.aux.xml",)


def test_seed_file_outside_a_package_is_not_a_package(tmp_path):
    seeds = tmp_path / "seeds"
    tif(seeds / "unrelated.tif")
    (seeds / "000.txt").write_text("{}")
    assert find_data_files("x", source_path=seeds / "000.txt", data_root=None) == []


def test_stac_asset_hrefs(tmp_path):
    root = tmp_path / "root"
    item = root / "items" / "item.json"
    item.parent.mkdir(parents=True)
    item.write_text("{}")
    a = tif(root / "items" / "a.tif")
    b = tif(root / "data" / "b.tif")
    outside = tif(tmp_path / "outside.tif")
    (root / "items" / "sneaky.tif").symlink_to(outside)
    hrefs = ["a.tif", b.as_uri(), "https://example.org/c.tif", "../../outside.tif",
             str(outside), "sneaky.tif", "missing.tif"]
    files = find_data_files("item", source_path=item, asset_hrefs=hrefs, data_root=root)
    assert sorted(f.path for f in files) == sorted([a.resolve(), b.resolve()])
    # Without a data root, only files next to the source document are allowed.
    files = find_data_files("item", source_path=item, asset_hrefs=hrefs, data_root=None)
    assert [f.path for f in files] == [a.resolve()]


def test_record_id_cannot_walk_out_of_the_root(tmp_path):
    tif(tmp_path / "outside" / "x.tif")
    root = tmp_path / "root"
    root.mkdir()
    assert find_data_files("../outside", data_root=root) == []
    assert find_data_files("..", data_root=root) == []


def test_symlink_inside_record_folder_pointing_out_is_skipped(tmp_path):
    root = tmp_path / "root"
    (root / RID).mkdir(parents=True)
    secret = tif(tmp_path / "secret.tif")
    (root / RID / "link.tif").symlink_to(secret)
    good = tif(root / RID / "good.tif")
    assert [f.path for f in find_data_files(RID, data_root=root)] == [good.resolve()]


def test_ids_and_hrefs_no_file_can_have_list_nothing(tmp_path):
    # A record's own content (a 300-byte id, "%00" in an href) must not raise on the page.
    (tmp_path / "ok").mkdir()
    assert find_data_files("x" * 300, data_root=tmp_path) == []
    hrefs = ["a\x00b.tif", "file:///tmp/a%00.tif", "/" + "y" * 300 + ".tif", "ok/" + "z" * 300 + ".tif"]
    assert find_data_files("r", asset_hrefs=hrefs, data_root=tmp_path) == []


def test_render_refuses_impossible_paths_with_a_raster_error(tmp_path):
    from dataset_atlas.errors import RasterError
    from dataset_atlas.quicklook import render_quicklook

    with pytest.raises(RasterError, match="contains a NUL byte"):
        render_quicklook(tmp_path / "a\x00b.tif")
    with pytest.raises(RasterError, match="File name too long"):
        render_quicklook(tmp_path / ("y" * 300 + ".tif"))


@pytest.mark.parametrize(("name", "expected"), [
    # (day, ascending, GHz, polarisation, grid, satellite)
    ("China-EASE-N07-ML1978298A.18H", ("1978-10-25", True, "18", "H", "ML", "Nimbus-7 SMMR")),
    ("China-EASE-N07-ML1978299D.37V", ("1978-10-26", False, "37", "V", "ML", "Nimbus-7 SMMR")),
    ("China-EASE-N07-MH1987232A.06V", ("1987-08-20", True, "6.6", "V", "MH", "Nimbus-7 SMMR")),
    ("China-EASE-N07-ML1980366D.10H", ("1980-12-31", False, "10.7", "H", "ML", "Nimbus-7 SMMR")),  # a leap year
    ("China-EASE-N07-ML1978001A.21H", ("1978-01-01", True, "21", "H", "ML", "Nimbus-7 SMMR")),
    ("sub/dir/china-ease-n07-ml1978298a.18h", ("1978-10-25", True, "18", "H", "ML", "Nimbus-7 SMMR")),
    ("ID2-F11-NL1995032D.19V", ("1995-02-01", False, "19", "V", "NL", None)),  # SSM/I: no SMMR table
    ("ML1978301A.06H", ("1978-10-28", True, "6", "H", "ML", None)),  # no satellite: the channel as named
    ("China-EASE-N07-ML1978366A.18H", None),  # 1978 has 365 days: no label beats a wrong day
    ("China-EASE-N07-ML1978000A.18H", None),
    ("China-EASE-N07-ML1978298X.18H", None),  # neither ascending nor descending
    ("China-EASE-N07-ML1978298A.18H.jpg", None), ("China-EASE-N07-ML1978298A.18H.met", None),
    ("AK_CALC-2020.tif", None), ("", None),
])
def test_ease_grid_file_names_decoded(name, expected):
    from dataset_atlas.quicklook.filenames import decode_ease_name

    parts = decode_ease_name(name)
    if expected is None:
        assert parts is None
        return
    assert parts is not None
    assert (parts.day.isoformat(), parts.ascending, parts.ghz, parts.polarisation, parts.grid,
            parts.satellite) == expected


@pytest.mark.parametrize(("lang", "name", "label"), [
    ("en", "China-EASE-N07-ML1978298A.18H", "1978-10-25 · ascending · 18 GHz H"),
    ("zh", "China-EASE-N07-ML1978298A.18H", "1978-10-25 · 升轨 · 18 GHz 水平极化"),
    ("en", "China-EASE-N07-ML1978299D.37V", "1978-10-26 · descending · 37 GHz V"),
    ("zh", "China-EASE-N07-ML1978299D.37V", "1978-10-26 · 降轨 · 37 GHz 垂直极化"),
    ("en", "AK_CALC-2020.tif", ""),
])
def test_file_labels_in_both_languages(lang, name, label):
    from dataset_atlas.ui.detail import file_caption, file_label

    assert file_label(name, lang) == label
    assert file_caption(name, lang) == (f"{label} · {name}" if label else name)  # the name stays visible


def _file(name: str, previewable: bool = True):
    from dataset_atlas.quicklook import DataFile

    return DataFile(name=name, path=Path("/data") / name, size=1, format="x", previewable=previewable)


def test_the_chosen_file_or_the_first_previewable_one():
    from dataset_atlas.quicklook.files import choose_file

    files = [_file("a.txt", previewable=False), _file("b.18H"), _file("c.37V")]
    assert choose_file(files, None) == (files[1], False)
    assert choose_file(files, "c.37V") == (files[2], False)
    assert choose_file(files, "gone.37V") == (files[1], True)  # unknown: the first, and the page says so
    assert choose_file(files, "a.txt") == (files[1], True)  # not previewable: nothing to show of it
    assert choose_file([], "x") == (None, True) and choose_file([], None) == (None, False)


def test_the_map_draws_the_chosen_file_first_then_the_rest_up_to_the_limit():
    from dataset_atlas.quicklook.files import overlay_files

    files = [_file(n) for n in ("a", "b", "c", "d", "e")] + [_file("z", previewable=False)]
    assert [f.name for f in overlay_files(files, files[3], 3)] == ["d", "a", "b"]
    assert [f.name for f in overlay_files(files, None, 2)] == ["a", "b"]
    assert [f.name for f in overlay_files(files, files[0], 9)] == ["a", "b", "c", "d", "e"]


def test_the_dataset_page_pages_its_previews(monkeypatch, tmp_path):
    """Every file is previewed (not the first four): twelve per page, the rest a page on."""
    import shutil

    from streamlit.testing.v1 import AppTest

    from dataset_atlas.demo import write_demo_data

    from .conftest import ROOT

    data = tmp_path / "data"
    write_demo_data(data)
    first = data / RID / "China-EASE-N07-ML1978298A.18H"
    for doy in (300, 301):  # 14 previewable files
        shutil.copy(first, first.with_name(f"China-EASE-N07-ML1978{doy}A.18H"))
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(data))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"view": "dataset", "id": RID, "lang": "en"})
    at.run()
    assert not at.exception

    def captions() -> list[str]:
        return [i.caption for img in at.get("image") for i in img.proto.imgs]

    assert len(captions()) == 12 and "1978-10-25 · ascending · 18 GHz H · China-EASE-N07-ML1978298A.18H" in captions()
    assert any("Previews 1–12 of 14" in c.value for c in at.caption)
    at.number_input(key=f"ql_page_{RID}").set_value(2).run()
    assert not at.exception
    assert captions() == ["1978-10-27 · ascending · 18 GHz H · China-EASE-N07-ML1978300A.18H",
                          "1978-10-28 · ascending · 18 GHz H · China-EASE-N07-ML1978301A.18H"]  # in name order
