"""Readers and styles, on real rasters written with rasterio (in memory or in tmp dirs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.io import MemoryFile

from dataset_atlas.errors import RasterError
from dataset_atlas.quicklook import Limits, Style, quicklook_from_dataset
from dataset_atlas.quicklook.easegrid import GRIDS, grid_for_size, read_ease_raw
from dataset_atlas.quicklook.readers import read_raster
from dataset_atlas.quicklook.styles import FileHints, apply_style, choose_style

# rasterio's own helpers (from_origin, windows, ...) still use Affine's deprecated `*`; only
# that warning, and only from rasterio, is let through. Our code must use `@`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `@` matmul:PendingDeprecationWarning:rasterio")


def from_origin(west: float, north: float, xres: float, yres: float) -> Affine:
    return Affine(xres, 0.0, west, 0.0, -yres, north)


POLAR = from_origin(-1_000_000, 1_000_000, 10_000, 10_000)


def mem_tif(data: np.ndarray, *, crs: str = "EPSG:3413", transform=POLAR, nodata=None,
            colormap=None, tags=None, band_tags=None, units=None, description=None):
    """An open in-memory GeoTIFF holding ``data`` (the caller closes the MemoryFile)."""
    mf = MemoryFile()
    with mf.open(driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                 dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data, 1)
        if colormap:
            dst.write_colormap(1, colormap)
        if tags:
            dst.update_tags(**tags)
        if band_tags:
            dst.update_tags(1, **band_tags)
        if units:
            dst.set_band_unit(1, units)
        if description:
            dst.set_band_description(1, description)
    return mf


def classes_array(n: int = 100) -> np.ndarray:
    return (np.arange(n * n).reshape(n, n) % 11).astype(np.uint8)  # 0..10


def ql_of(data: np.ndarray, style=None, **kw):
    with mem_tif(data, **kw) as mf, mf.open() as src:
        return quicklook_from_dataset(src, style=style, max_size=256)


# --- GeoTIFF reading ------------------------------------------------------------------------

def test_decimated_read_respects_max_size():
    data = np.ones((3000, 1500), dtype=np.uint8)
    with mem_tif(data) as mf, mf.open() as src:
        s = read_raster(src, limits=Limits(max_size=300))
    assert s.data is not None and s.data.shape == (300, 150)
    assert (s.width, s.height) == (1500, 3000)
    assert s.transform is not None and s.transform.a == pytest.approx(100_000)


def test_overviews_are_used(tmp_path):
    path = tmp_path / "ovr.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2048, height=2048, count=1,
                       dtype="uint8", crs="EPSG:3413", transform=POLAR, tiled=True) as dst:
        dst.write(np.full((2048, 2048), 3, np.uint8), 1)
        dst.build_overviews([2, 4, 8])
    with rasterio.open(path) as src:
        s = read_raster(src, limits=Limits(max_size=256))
    assert s.overview_factor == 8


@pytest.mark.parametrize("bad", [-9999.0, float(np.finfo(np.float32).min), np.nan])
def test_float_nodata_conventions_are_transparent(bad):
    data = np.linspace(-2, 1, 400, dtype=np.float32).reshape(20, 20)
    data[:5] = bad
    ql = ql_of(data, style="continuous")
    assert ql.preview is not None
    assert (ql.preview[:5, :, 3] == 0).all() and (ql.preview[5:, :, 3] == 255).all()
    assert ql.stats["count"] == 300
    assert ql.stats["min"] == pytest.approx(data[5:].min())


def test_declared_nodata_is_transparent():
    data = classes_array(20)
    ql = ql_of(data, nodata=0)
    assert ql.preview is not None
    assert ((ql.preview[..., 3] == 0) == (data == 0)).all()
    assert all(c["value"] != 0 for c in ql.legend)


def test_scale_and_offset_are_applied():
    data = np.arange(100, dtype=np.int16).reshape(10, 10) * 10 + 2000
    mf = MemoryFile()
    with mf.open(driver="GTiff", width=10, height=10, count=1, dtype="int16",
                 crs="EPSG:4326", transform=from_origin(100, 50, 1, 1)) as dst:
        dst.write(data, 1)
        dst.scales, dst.offsets = (0.1,), (-200.0,)
    with mf, mf.open() as src:
        ql = quicklook_from_dataset(src, style="continuous")
    assert ql.stats["min"] == pytest.approx(0.0) and ql.stats["max"] == pytest.approx(99.0)


# --- styles -----------------------------------------------------------------------------------

def test_few_integer_classes_get_a_categorical_style():
    ql = ql_of(classes_array(), nodata=0)
    assert ql.kind == "categorical" and ql.style == "categorical"
    assert [c["value"] for c in ql.legend] == list(range(1, 11))
    assert sum(c["share"] for c in ql.legend) == pytest.approx(1.0, abs=1e-4)
    assert all(c["color"].startswith("#") and len(c["color"]) == 7 for c in ql.legend)


def test_file_colormap_and_class_names_win():
    cmap = {i: (i * 20, 255 - i * 20, 7, 255) for i in range(11)}
    names = {"1": "Cropland", "2": "Forest"}
    ql = ql_of(classes_array(), nodata=0, colormap=cmap,
               band_tags={"CLASS_NAMES": json.dumps(names)})
    assert ql.style == "file-classes"
    by_value = {c["value"]: c for c in ql.legend}
    assert by_value[1]["label"] == "Cropland" and by_value[2]["label"] == "Forest"
    assert by_value[3]["label"] == "class 3"
    assert by_value[5]["color"] == "#649b07"  # (100, 155, 7) from the file's table
    px = np.argwhere(classes_array() == 5)[0]
    assert ql.preview is not None
    assert tuple(ql.preview[px[0], px[1]]) == (100, 155, 7, 255)


def test_category_names_from_aux_xml(tmp_path):
    path = tmp_path / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=11, height=11, count=1, dtype="uint8",
                       crs="EPSG:3413", transform=POLAR) as dst:
        dst.write(classes_array(11), 1)
    (tmp_path / "lc.tif.aux.xml").write_text(
        '<PAMDataset><PAMRasterBand band="1"><CategoryNames><Category></Category>'
        "<Category>Water</Category><Category>Ice</Category></CategoryNames></PAMRasterBand>"
        "</PAMDataset>")
    with rasterio.open(path) as src:
        s = read_raster(src)
    assert s.hints.class_names == {1: "Water", 2: "Ice"}


def test_land_cover_preset_chosen_from_file_text_not_record_id():
    ql = ql_of(classes_array(), nodata=0, description="CALC-2020 land cover, Alaska")
    assert ql.style == "arctic-land-cover"
    assert [c["label"] for c in ql.legend][:3] == ["Cropland", "Forest", "Graminoid tundra"]
    assert len(ql.legend) == 10


def test_celsius_units_give_a_diverging_style_centred_on_zero():
    data = np.linspace(-3, 1, 400, dtype=np.float32).reshape(20, 20)
    ql = ql_of(data, units="°C")
    assert ql.kind == "diverging" and ql.units == "°C"
    centre = next(s for s in ql.legend if s["value"] == 0)
    assert centre["color"] == "#f7f7f7"
    lo, hi = ql.stats["range"]
    assert lo < 0 < hi


def test_magt_keyword_uses_the_known_range():
    data = np.linspace(-1.5, 0.5, 400, dtype=np.float32).reshape(20, 20)
    ql = ql_of(data, units="degC", description="MAGT at 10 m")
    assert ql.style == "ground-temperature" and ql.stats["range"] == [-4.0, 2.0]
    assert ql.legend[0]["label"] == "-4 degC"


def test_continuous_range_from_percentiles_and_histogram():
    data = np.arange(10000, dtype=np.float32).reshape(100, 100)
    ql = ql_of(data)
    assert ql.kind == "continuous"
    lo, hi = ql.stats["range"]
    assert lo == pytest.approx(np.percentile(data, 2)) and hi == pytest.approx(
        np.percentile(data, 98))
    h = ql.stats["histogram"]
    assert sum(h["counts"]) + h["below"] + h["above"] == 10000
    assert len(h["edges"]) == len(h["counts"]) + 1


def test_many_integers_are_continuous_and_hint_overrides():
    data = (np.arange(10000).reshape(100, 100) % 500).astype(np.int16)
    assert ql_of(data).kind == "continuous"
    assert ql_of(classes_array(), style="continuous").kind == "continuous"
    custom = Style("mine", "diverging", vmin=-1, vmax=1, center=0, ramp="rdbu")
    assert ql_of(data.astype(np.float32), style=custom).style == "mine"
    with pytest.raises(ValueError, match="unknown style"):
        ql_of(data, style="no-such-style")


def test_all_nodata_band_gives_an_empty_but_valid_quicklook():
    data = np.full((10, 10), -9999.0, dtype=np.float32)
    ql = ql_of(data)
    assert ql.stats["count"] == 0 and ql.stats["min"] is None
    assert (ql.rgba[..., 3] == 0).all()
    json.dumps(ql.to_json())


def test_apply_style_rejects_rgb_kind():
    data = np.ma.MaskedArray(np.zeros((2, 2)))
    with pytest.raises(ValueError):
        apply_style(data, Style("x", "rgb"))
    assert choose_style(data, FileHints(dtype="float64")).kind == "continuous"


# --- EASE-Grid raw ----------------------------------------------------------------------------

def to_lonlat(grid, col: float, row: float) -> tuple[float, float]:
    x, y = grid.transform @ (col, row)
    return Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326", always_xy=True).transform(x, y)


@pytest.mark.parametrize(("col", "row", "lon", "lat"), [
    (0, 0, -179.86984, 85.31227),
    (1075, 124, 99.95661, 35.03952),
])
def test_ml_grid_test_vectors(col, row, lon, lat):
    full = grid_for_size(1383 * 586 * 2)
    assert full is not None and full.name == "ML"
    got = to_lonlat(full, col + 0.5, row + 0.5)
    assert got == pytest.approx((lon, lat), abs=1e-5)


@pytest.mark.parametrize(("nbytes", "col0", "row0"), [(100_696, 922, 53), (102_256, 922, 52)])
def test_china_subsets_sit_on_the_ml_grid(nbytes, col0, row0):
    grid = grid_for_size(nbytes)
    assert grid is not None
    got = to_lonlat(grid, 1075 - col0 + 0.5, 124 - row0 + 0.5)
    assert got == pytest.approx((99.95661, 35.03952), abs=1e-5)


def ease_bytes(order: str = "<", grid=GRIDS[0]) -> tuple[bytes, np.ndarray]:
    values = (np.arange(grid.width * grid.height) % 2000 + 1000).astype(f"{order}u2")
    values = values.reshape(grid.height, grid.width)
    values[:10] = 0
    return values.tobytes(), values


@pytest.mark.parametrize("order", ["<", ">"])
def test_ease_byte_order_detected_and_scaled(order):
    raw, values = ease_bytes(order)
    ease = read_ease_raw(raw, name="x.37H")
    assert ease.byteorder == order
    assert ease.kelvin.mask[:10].all() and not ease.kelvin.mask[10:].any()
    assert float(ease.kelvin[20, 5]) == pytest.approx(values[20, 5] / 10, abs=1e-3)
    assert ("little" if order == "<" else "big") in ease.note


def test_ease_bad_size_and_bad_values():
    with pytest.raises(RasterError, match="fits no known EASE-Grid"):
        read_ease_raw(b"\x00" * 1000, name="a.37H")
    with pytest.raises(RasterError, match="outside the brightness"):
        read_ease_raw(np.full(307 * 164, 60000, "<u2").tobytes(), name="a.37H")
