"""Warping, georeferencing, the disk cache and every kind of bad input."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.io import MemoryFile
from rasterio.warp import transform_bounds

from dataset_atlas.errors import AtlasError, RasterError, UnsafePathError, UsageError
from dataset_atlas.quicklook import Limits, quicklook_from_dataset, render_quicklook
from dataset_atlas.quicklook.easegrid import GRIDS
from dataset_atlas.quicklook.render import MERCATOR_LAT

from .helpers import write_tif

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `@` matmul:PendingDeprecationWarning:rasterio")

CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=krass +units=m +no_defs"


def valid_centre_lonlat(ql) -> tuple[float, float]:
    """Lon/lat of the centre of the opaque pixels of a warped quicklook."""
    rows, cols = np.nonzero(ql.rgba[..., 3])
    h, w = ql.rgba.shape[:2]
    west, south, east, north = ql.overlay_bounds  # the bounds of rgba
    r = 6378137.0
    x0, x1 = r * math.radians(west), r * math.radians(east)
    y0 = r * math.log(math.tan(math.pi / 4 + math.radians(south) / 2))
    y1 = r * math.log(math.tan(math.pi / 4 + math.radians(north) / 2))
    x = x0 + (cols.mean() + 0.5) / w * (x1 - x0)
    y = y1 - (rows.mean() + 0.5) / h * (y1 - y0)
    return math.degrees(x / r), math.degrees(2 * math.atan(math.exp(y / r)) - math.pi / 2)


# --- georeferencing ---------------------------------------------------------------------------

def test_china_albers_test_vector_lands_at_120e_50n(tmp_path):
    # A 5 x 5 km block of data centred on the documented point, in a 400 km raster.
    x, y = 1_086_645.3, 5_499_199.7
    data = np.full((400, 400), -9999.0, dtype=np.float32)
    data[198:203, 198:203] = -1.0
    path = write_tif(tmp_path / "magt.tif", data, CHINA_ALBERS,
                     Affine(1000.0, 0, x - 200_500, 0, -1000.0, y + 200_500), nodata=-9999.0)
    ql = render_quicklook(path)
    assert ql.source_crs is not None and "+proj=aea" in ql.source_crs and ql.crs == "EPSG:3857"
    lon, lat = valid_centre_lonlat(ql)
    assert (lon, lat) == pytest.approx((120.0, 50.0), abs=0.03)


@pytest.mark.parametrize(("crs", "transform"), [
    ("EPSG:3413", Affine(5000.0, 0, -1_000_000, 0, -5000.0, 1_000_000)),  # holds the pole
    ("EPSG:3413", Affine(5000.0, 0, -3_000_000, 0, -5000.0, 500_000)),
    (CHINA_ALBERS, Affine(1000.0, 0, 900_000, 0, -1000.0, 5_800_000)),
    ("EPSG:3571", Affine(5000.0, 0, -500_000, 0, -5000.0, -1_500_000)),
    ("EPSG:4326", Affine(0.1, 0, 100, 0, -0.1, 50)),
])
def test_bounds_match_densified_transform_bounds(tmp_path, crs, transform):
    data = np.ones((400, 400), dtype=np.uint8)
    ql = render_quicklook(write_tif(tmp_path / "a.tif", data, crs, transform))
    left, top = transform.c, transform.f
    right, bottom = left + 400 * transform.a, top + 400 * transform.e
    w, s, e, n = transform_bounds(crs, "EPSG:4326", left, bottom, right, top, densify_pts=51)
    if w > e:  # across the antimeridian: the quicklook keeps one piece, east beyond 180
        e += 360
    assert ql.bounds == pytest.approx((w, s, e, n))  # the raster's own extent, unclamped
    assert ql.overlay_bounds == pytest.approx((w, max(s, -MERCATOR_LAT), e, min(n, MERCATOR_LAT)))
    assert ql.rgba.dtype == np.uint8 and ql.rgba.shape[2] == 4
    assert max(ql.rgba.shape[:2]) <= 1024
    assert (ql.width, ql.height) == (400, 400)


def test_polar_raster_around_the_pole_spans_all_longitudes(tmp_path):
    data = np.ones((400, 400), dtype=np.uint8)
    path = write_tif(tmp_path / "pole.tif", data, "EPSG:3413",
                     Affine(5000.0, 0, -1_000_000, 0, -5000.0, 1_000_000))
    ql = render_quicklook(path)
    assert ql.bounds is not None and ql.overlay_bounds is not None
    assert ql.bounds[0] == pytest.approx(-180) and ql.bounds[2] == pytest.approx(180)
    assert ql.bounds[3] == 90.0  # the pole is inside: the true extent reaches it
    assert ql.bounds[1] > 60  # a 1000 km box around the pole stays north of ~70 N
    # The overlay image can only reach Web Mercator's limit; same longitudes and south edge.
    assert ql.overlay_bounds == pytest.approx((ql.bounds[0], ql.bounds[1], ql.bounds[2], MERCATOR_LAT))


def test_antimeridian_crossing_raster_stays_one_piece(tmp_path):
    data = np.ones((100, 200), dtype=np.uint8)
    path = write_tif(tmp_path / "dateline.tif", data, "EPSG:4326",
                     Affine(0.1, 0, 170, 0, -0.1, 60))  # 170 E .. 190 E
    ql = render_quicklook(path)
    assert ql.bounds is not None
    w, _, e, _ = ql.bounds
    assert w == pytest.approx(170) and e == pytest.approx(190)
    assert ql.rgba[..., 3].mean() > 250  # filled across the seam, not split


def test_ease_grid_test_vector_end_to_end(tmp_path):
    grid = GRIDS[0]  # China subset, 307 x 164
    values = np.zeros((grid.height, grid.width), dtype="<u2")
    values[124 - 53, 1075 - 922] = 2500  # the documented cell: (99.95661 E, 35.03952 N)
    path = tmp_path / "China-EASE-N07-ML1980001A.37V"
    path.write_bytes(values.tobytes())
    ql = render_quicklook(path)
    assert ql.source_crs == "EPSG:3410" and (ql.width, ql.height) == (307, 164)
    assert ql.grid_note is not None and "307 x 164" in ql.grid_note
    assert ql.units == "K" and ql.stats["min"] == pytest.approx(250.0)
    lon, lat = valid_centre_lonlat(ql)
    assert (lon, lat) == pytest.approx((99.95661, 35.03952), abs=0.15)
    assert ql.bounds == pytest.approx((60.0, 15.0, 140.0, 55.0), abs=0.3)


def test_memoryfile_dataset_is_injectable():
    with MemoryFile() as mf:
        with mf.open(driver="GTiff", width=50, height=50, count=1, dtype="uint8",
                     crs="EPSG:3413", transform=Affine(1000.0, 0, -2_000_000, 0, -1000.0, 0)) as dst:
            dst.write(np.full((50, 50), 4, np.uint8), 1)
        with mf.open() as src:
            ql = quicklook_from_dataset(src)
    assert ql.kind == "categorical" and ql.legend[0]["value"] == 4
    doc = ql.to_json()
    json.dumps(doc)
    for key in ("bounds", "crs", "width", "height", "stats", "legend"):
        assert key in doc
    assert ql.png_bytes().startswith(b"\x89PNG") and ql.preview_png_bytes()[:4] == b"\x89PNG"


# --- cache --------------------------------------------------------------------------------------

def test_second_view_comes_from_the_cache(tmp_path):
    data = (np.arange(10000).reshape(100, 100) % 7 + 1).astype(np.uint8)
    path = write_tif(tmp_path / "c.tif", data, "EPSG:3413", Affine(1000.0, 0, -2_000_000, 0, -1000.0, 0))
    cache = tmp_path / "cache"
    first = render_quicklook(path, cache_dir=cache)
    assert not first.cached
    entries = sorted(cache.iterdir())
    assert [p.suffix for p in entries] == [".json", ".png", ".png"]
    mtimes = {p: p.stat().st_mtime_ns for p in entries}
    second = render_quicklook(path, cache_dir=cache)
    assert second.cached
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == mtimes  # nothing rewritten
    assert second.to_json() == first.to_json()
    assert np.array_equal(second.rgba, first.rgba)
    assert second.preview is not None and first.preview is not None
    assert np.array_equal(second.preview, first.preview)
    # Another style or size is another entry; an edited file is re-rendered.
    assert not render_quicklook(path, cache_dir=cache, style="continuous").cached
    assert not render_quicklook(path, cache_dir=cache, max_size=64).cached
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not render_quicklook(path, cache_dir=cache).cached


def test_corrupt_cache_entry_is_re_rendered(tmp_path):
    path = write_tif(tmp_path / "c.tif", np.ones((10, 10), np.uint8), "EPSG:4326",
                     Affine(1.0, 0, 0, 0, -1.0, 10))
    cache = tmp_path / "cache"
    render_quicklook(path, cache_dir=cache)
    for p in cache.glob("*.png"):
        p.write_bytes(b"garbage")
    ql = render_quicklook(path, cache_dir=cache)
    assert not ql.cached and ql.rgba.shape[2] == 4


# --- bad input ----------------------------------------------------------------------------------

def test_truncated_geotiff(tmp_path):
    data = np.random.default_rng(0).integers(0, 255, (512, 512), dtype=np.uint8)
    path = write_tif(tmp_path / "t.tif", data, "EPSG:3413", Affine(1.0, 0, 0, 0, -1.0, 0),
                     tiled=True, compress="deflate")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(RasterError) as err:
        render_quicklook(path)
    assert str(path) in str(err.value)


def test_corrupt_tiff_header(tmp_path):
    path = tmp_path / "bad.tif"
    path.write_bytes(b"II*\x00" + bytes(range(256)) * 4)
    with pytest.raises(RasterError, match="bad.tif"):
        render_quicklook(path)


def test_unknown_format(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"PK\x03\x04 not a raster")
    with pytest.raises(RasterError, match="unknown or unsupported format"):
        render_quicklook(path)


def test_raw_file_of_unknown_size(tmp_path):
    path = tmp_path / "China-EASE-N07-ML1980001A.37V"
    path.write_bytes(b"\x01\x02" * 777)
    with pytest.raises(RasterError, match="1554 bytes fits no known EASE-Grid"):
        render_quicklook(path)


def test_raw_file_of_unknown_size_falls_back_to_its_picture(tmp_path):
    from PIL import Image

    path = tmp_path / "China-EASE-N07-ML1980001A.37V"
    path.write_bytes(b"\x01\x02" * 777)
    Image.fromarray(np.full((30, 40), 128, np.uint8)).save(tmp_path / f"{path.name}.jpg")
    ql = render_quicklook(path)
    assert ql.kind == "rgb" and ql.bounds is None and ql.rgba.shape == (30, 40, 4)
    assert ql.grid_note is not None and "fits no known EASE-Grid" in ql.grid_note


def test_missing_file(tmp_path):
    with pytest.raises(RasterError, match="no such file"):
        render_quicklook(tmp_path / "nope.tif")


def test_paths_outside_the_data_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    outside = write_tif(tmp_path / "secret.tif", np.ones((4, 4), np.uint8), "EPSG:4326",
                        Affine(1.0, 0, 0, 0, -1.0, 4))
    (root / "link.tif").symlink_to(outside)
    for bad in ("../secret.tif", root / ".." / "secret.tif", root / "link.tif", outside):
        with pytest.raises(UnsafePathError):
            render_quicklook(bad, data_root=root)
    inside = write_tif(root / "ok.tif", np.ones((4, 4), np.uint8), "EPSG:4326",
                       Affine(1.0, 0, 0, 0, -1.0, 4))
    assert render_quicklook("ok.tif", data_root=root).source == str(inside.resolve())


def test_absurd_dimensions(tmp_path):
    path = tmp_path / "huge.tif"
    with rasterio.open(path, "w", driver="GTiff", width=5_000_000, height=16, count=1,
                       dtype="uint8", crs="EPSG:4326", transform=Affine(1e-5, 0, 0, 0, -1e-5, 0),
                       tiled=True, sparse_ok=True):
        pass
    with pytest.raises(RasterError, match="absurd dimensions"):
        render_quicklook(path)


def test_no_overview_on_a_giant_file_is_refused(tmp_path):
    path = tmp_path / "giant.tif"
    with rasterio.open(path, "w", driver="GTiff", width=100_000, height=100_000, count=1,
                       dtype="uint8", crs="EPSG:4326", transform=Affine(1e-4, 0, 0, 0, -1e-4, 0),
                       tiled=True, sparse_ok=True, BIGTIFF="YES"):
        pass
    with pytest.raises(RasterError, match="add overviews"):
        render_quicklook(path)


def test_memory_guard_refuses_big_allocations():
    with MemoryFile() as mf:
        with mf.open(driver="GTiff", width=2000, height=2000, count=1, dtype="uint8",
                     crs="EPSG:4326", transform=Affine(0.01, 0, 0, 0, -0.01, 20)) as dst:
            dst.write(np.ones((2000, 2000), np.uint8), 1)
        with mf.open() as src, pytest.raises(RasterError, match="MiB limit"):
            quicklook_from_dataset(src, limits=Limits(max_size=2000, max_array_bytes=2**20))


@pytest.mark.parametrize("size", [0, 15, 8193, 100_000, -1])
def test_max_size_is_validated(tmp_path, size):
    with pytest.raises(UsageError, match=r"max_size .*between 16 and 8192 pixels"):
        render_quicklook(tmp_path / "x.tif", max_size=size)
    assert issubclass(UsageError, ValueError) and issubclass(UsageError, AtlasError)


def test_special_files_are_not_regular_files(tmp_path):
    # Checked with stat only: opening a FIFO would block, /dev/zero would read forever.
    # (The FIFO itself is run in a subprocess with a timeout: tests/test_cli_process.py.)
    (tmp_path / "zero.tif").symlink_to("/dev/zero")
    (tmp_path / "folder.tif").mkdir()
    for path, kind in (("/dev/zero", "character device"), (tmp_path / "zero.tif", "character device"),
                       (tmp_path / "folder.tif", "directory")):
        with pytest.raises(RasterError, match=f"not a regular file \\(a {kind}\\)") as err:
            render_quicklook(path)
        assert str(path) in str(err.value)
    (tmp_path / "dangling.tif").symlink_to(tmp_path / "gone.tif")
    with pytest.raises(RasterError, match="no such file"):
        render_quicklook(tmp_path / "dangling.tif")


def test_polar_json_reports_true_and_overlay_bounds(tmp_path):
    path = write_tif(tmp_path / "pole.tif", np.ones((200, 200), np.uint8), "EPSG:3413",
                     Affine(10_000.0, 0, -1_000_000, 0, -10_000.0, 1_000_000))
    doc = render_quicklook(path).to_json()
    assert doc["bounds"][3] == 90.0 and doc["overlay_bounds"][3] == pytest.approx(MERCATOR_LAT)
    assert doc["bounds"][:3] == pytest.approx(doc["overlay_bounds"][:3])
    # The four corners alone (all near 77.4 N) would say north 77.4 and miss most
    # longitudes; the true extent holds the pole and every longitude, south at the corners.
    corners = [transform_bounds("EPSG:3413", "EPSG:4326", x, y, x, y)[1]
               for x in (-1e6, 1e6) for y in (-1e6, 1e6)]
    assert max(corners) < 78 and doc["bounds"][1] == pytest.approx(min(corners), abs=0.01)
    assert doc["bounds"][0] == -180.0 and doc["bounds"][2] == 180.0


def test_ungeoreferenced_has_neither_bounds(tmp_path):
    from PIL import Image

    Image.fromarray(np.full((30, 40, 3), 200, np.uint8)).save(tmp_path / "photo.png")
    doc = render_quicklook(tmp_path / "photo.png").to_json()
    assert doc["bounds"] is None and doc["overlay_bounds"] is None
