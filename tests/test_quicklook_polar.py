"""Quicklooks in the map's projection: EPSG:3413 / EPSG:3031 (real GeoTIFFs written by rasterio)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.windows import Window

from dataset_atlas.errors import RasterError, UsageError
from dataset_atlas.quicklook.render import TARGET_CRS, render_quicklook

from .helpers import write_tif


def big_arctic(path: Path, size: int = 20000) -> Path:
    """A size² EPSG:3413 raster over the whole Arctic (250 m pixels), tiled and sparse.

    Only a cross of tiles through the pole is written (classes 1 and 2): the file is real
    and 20000² but takes a second to write.
    """
    pixel = 5_000_000 / size
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="uint8",
                       crs="EPSG:3413", nodata=0, transform=Affine(pixel, 0, -2_500_000, 0, -pixel, 2_500_000),
                       tiled=True, blockxsize=512, blockysize=512, compress="deflate", sparse_ok=True) as dst:
        band = np.ones((512, size), np.uint8)
        band[:, size // 2:] = 2
        dst.write(band, 1, window=Window(0, size // 2 - 256, size, 512))
        dst.write(np.ones((size, 512), np.uint8), 1, window=Window(size // 2 - 256, 0, 512, size))
    return path


def test_a_20000_square_polar_raster_is_square_in_its_own_projection(tmp_path: Path) -> None:
    path = big_arctic(tmp_path / "arctic.tif")
    mercator = render_quicklook(path, max_size=512)
    polar = render_quicklook(path, max_size=512, crs="EPSG:3413")
    # Web Mercator cuts the pole off and stretches the rest: a wide sliver.
    mh, mw = mercator.rgba.shape[:2]
    assert mw == 512 and mw / mh > 3
    # In EPSG:3413 the file is its own image: square, not warped, placed by its own grid.
    ph, pw = polar.rgba.shape[:2]
    assert ph == pw and 0.5 * 512 <= pw <= 1024
    assert polar.preview is not None and np.array_equal(polar.rgba, polar.preview)
    assert polar.crs == "EPSG:3413" and polar.source_crs == "EPSG:3413"
    assert polar.image_bounds == pytest.approx((-2_500_000, -2_500_000, 2_500_000, 2_500_000))
    assert polar.bounds is not None and polar.bounds[3] == 90.0 and (polar.bounds[0], polar.bounds[2]) == (-180, 180)
    assert polar.overlay_bounds is None  # lon/lat overlay bounds belong to Web Mercator only
    # The cross of data goes through the middle of the image; the sparse rest is transparent.
    alpha = polar.rgba[..., 3] > 0
    assert alpha[ph // 2].all() and alpha[:, pw // 2].all() and not alpha[0, 0] and not alpha[-1, -1]


def quadrant_raster(tmp_path: Path) -> Path:
    """EPSG:4326, -180..180 x -90..-60 at 0.5°: value 2 where 0 <= lon < 90, else 1."""
    lons = -180 + 0.5 * (np.arange(720) + 0.5)
    data = np.where((lons >= 0) & (lons < 90), 2, 1).astype(np.uint8)[None, :].repeat(60, axis=0)
    return write_tif(tmp_path / "south.tif", data, "EPSG:4326", Affine(0.5, 0, -180, 0, -0.5, -60), nodata=0)


def test_a_lon_lat_raster_is_warped_to_the_antarctic_projection_in_place(tmp_path: Path) -> None:
    look = render_quicklook(quadrant_raster(tmp_path), max_size=400, crs="EPSG:3031", style="categorical")
    assert look.crs == "EPSG:3031" and look.source_crs == "EPSG:4326"
    x0, y0, x1, y1 = look.image_bounds  # type: ignore[misc]
    # A disc around the pole down to 60°S: symmetric, as wide as tall.
    assert x0 == pytest.approx(-x1, rel=1e-3) and y0 == pytest.approx(-y1, rel=1e-3)
    assert x1 == pytest.approx(y1, rel=1e-3)
    rim = Transformer.from_crs(4326, 3031, always_xy=True).transform(90, -60)[0]
    assert x1 == pytest.approx(rim, rel=0.01)
    h, w = look.rgba.shape[:2]
    assert abs(h - w) <= 1
    # Every opaque pixel has the colour of the class at its own longitude (checked via pyproj).
    back = Transformer.from_crs(3031, 4326, always_xy=True)
    rgba = look.rgba
    colours = {}
    for row, col in [(h // 4, 3 * w // 4), (3 * h // 4, w // 4), (h // 4, w // 4), (3 * h // 4, 3 * w // 4)]:
        x = x0 + (col + 0.5) * (x1 - x0) / w
        y = y1 - (row + 0.5) * (y1 - y0) / h
        lon, lat = back.transform(x, y)
        assert lat < -60 and rgba[row, col, 3] > 0
        colours.setdefault(0 <= lon < 90, set()).add(tuple(rgba[row, col, :3]))
    assert len(colours[True]) == 1 and len(colours[False]) == 1 and colours[True] != colours[False]
    assert not rgba[0, 0, 3] and not rgba[-1, -1, 3]  # the corners lie beyond 60°S: transparent


def test_a_raster_on_the_other_hemisphere_is_refused_by_name(tmp_path: Path) -> None:
    path = quadrant_raster(tmp_path)
    with pytest.raises(RasterError, match=r"south\.tif: the raster lies outside the Arctic map"):
        render_quicklook(path, crs="EPSG:3413")
    with pytest.raises(UsageError, match=r"crs 'EPSG:4326': must be one of EPSG:3857, EPSG:3413, EPSG:3031"):
        render_quicklook(path, crs="EPSG:4326")


def test_an_antimeridian_raster_in_the_arctic_view_is_one_piece(tmp_path: Path) -> None:
    # 170°E..170°W, 60..75°N in EPSG:4326 (longitudes written past 180, as such files are).
    data = np.full((30, 40), 5, np.uint8)
    path = write_tif(tmp_path / "bering.tif", data, "EPSG:4326", Affine(0.5, 0, 170, 0, -0.5, 75), nodata=0)
    look = render_quicklook(path, max_size=256, crs="EPSG:3413")
    x0, y0, x1, y1 = look.image_bounds  # type: ignore[misc]
    to = Transformer.from_crs(4326, 3413, always_xy=True)
    cx, cy = to.transform(180, 67.5)
    assert x0 < cx < x1 and y0 < cy < y1
    h, w = look.rgba.shape[:2]
    col, row = int((cx - x0) / (x1 - x0) * w), int((y1 - cy) / (y1 - y0) * h)
    assert look.rgba[row, col, 3] > 0  # the antimeridian runs through the middle, drawn


def test_the_cache_key_includes_the_target_crs(tmp_path: Path) -> None:
    path = big_arctic(tmp_path / "arctic.tif", size=2048)
    cache = tmp_path / "cache"
    first = render_quicklook(path, max_size=256, cache_dir=cache)
    polar = render_quicklook(path, max_size=256, cache_dir=cache, crs="EPSG:3413")
    assert not first.cached and not polar.cached and polar.crs == "EPSG:3413"
    again = render_quicklook(path, max_size=256, cache_dir=cache, crs="EPSG:3413")
    assert again.cached and again.crs == "EPSG:3413" and again.image_bounds == polar.image_bounds
    assert np.array_equal(again.rgba, polar.rgba)
    assert render_quicklook(path, max_size=256, cache_dir=cache).crs == "EPSG:3857"
    assert len(list(cache.glob("*.json"))) == 2


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dataset_atlas.cli", *args], capture_output=True, text=True,
                          check=False)


def test_cli_crs_json_reports_image_crs_true_bounds_and_image_bounds(tmp_path: Path) -> None:
    path = big_arctic(tmp_path / "arctic.tif", size=4096)
    proc = cli("quicklook", str(path), "--crs", "EPSG:3413", "--json", "--max-size", "256")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["crs"] == "EPSG:3413" and doc["source_crs"] == "EPSG:3413"
    assert doc["bounds"][3] == 90.0 and doc["image_bounds"] == pytest.approx([-2.5e6, -2.5e6, 2.5e6, 2.5e6])
    assert doc["image_size"][0] == doc["image_size"][1]
    default = json.loads(cli("quicklook", str(path), "--json", "--max-size", "256").stdout)
    assert default["crs"] == "EPSG:3857" and default["image_bounds"][3] == pytest.approx(20037508.34, rel=1e-6)
    bad = cli("quicklook", str(path), "--crs", "EPSG:4326")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--crs" in bad.stderr and "EPSG:3413" in bad.stderr


def test_cli_crs_choices_agree_with_the_renderer() -> None:
    from dataset_atlas.cli import QUICKLOOK_CRS

    assert QUICKLOOK_CRS == TARGET_CRS
