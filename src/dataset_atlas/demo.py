"""Synthetic demo data in the real formats of the three seed datasets.

``dataset-atlas demo-data DIR`` writes one folder per seed record id, so the app has files
to list and preview offline. Everything is deterministic (fixed seeds), small (about 3 MB),
fast (well under 5 s), labelled synthetic (a GeoTIFF tag, ``SYNTHETIC.txt`` in each folder,
a line in each ``.met``) and idempotent: a marker file records the version written.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from PIL import Image
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.warp import transform_bounds

from dataset_atlas.quicklook.easegrid import GRIDS, SCALE
from dataset_atlas.quicklook.readers import CLASS_NAMES_TAG, SYNTHETIC_TAG
from dataset_atlas.quicklook.styles import CALC2020_CLASSES, hex_to_rgb

DEMO_VERSION = 1
MARKER = ".dataset-atlas-demo.json"
CALC_ID = "ce37070c-315d-4f22-a158-6fd1e9674153"
MAGT_ID = "9c16c02b-ea8b-4f96-9df7-2ee831130842"
SMMR_ID = "6c62a54a-462f-4f1c-a1c6-e48619f166a5"
CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=krass +units=m +no_defs"
SYNTHETIC_TEXT = (
    "SYNTHETIC DEMO DATA written by Dataset Atlas (`dataset-atlas demo-data`).\n"
    "The files imitate the formats of the real dataset ({title}) but their values are\n"
    "generated noise: do not use them for anything but trying the application.\n"
)


def _noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth 0..1 noise: a coarse random grid interpolated bilinearly to ``shape``."""
    h, w = shape
    coarse = rng.random((cells + 1, cells + 1))
    y = np.linspace(0, cells, h)
    x = np.linspace(0, cells, w)
    y0 = np.minimum(y.astype(int), cells - 1)
    x0 = np.minimum(x.astype(int), cells - 1)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    a = coarse[y0][:, x0]
    b = coarse[y0][:, x0 + 1]
    c = coarse[y0 + 1][:, x0]
    d = coarse[y0 + 1][:, x0 + 1]
    return np.asarray(a * (1 - fy) * (1 - fx) + b * (1 - fy) * fx + c * fy * (1 - fx)
                      + d * fy * fx)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are ordinary shared data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_bytes(path: Path, data: bytes) -> None:
    def write(p: Path) -> None:
        p.write_bytes(data)

    _atomic(path, write)


# --- CALC-2020: uint8 land-cover classes, polar projection, colour table, overviews -------

def _calc_tile(folder: Path, region: str, crs: str, center: tuple[float, float],
               seed: int) -> Path:
    size, res = 800, 1000.0  # 800 km square at 1 km (the real product is 10 m)
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    cx, cy = to_xy.transform(*center)
    transform = Affine(res, 0.0, cx - size * res / 2, 0.0, -res, cy + size * res / 2)
    rng = np.random.default_rng(seed)
    north = np.linspace(1, 0, size)[:, None] * np.ones((1, size))  # row 0 is the north edge
    g = 0.65 * north + 0.35 * _noise(rng, (size, size), 8)
    land, wet, lakes, crops = (_noise(rng, (size, size), n) for n in (5, 24, 40, 12))
    classes = np.select(
        [g < 0.3, g < 0.45, g < 0.58, g < 0.7, g < 0.8, True],
        [2, 4, 3, 7, 9, 10],
    ).astype(np.uint8)
    classes[(wet > 0.72) & (classes >= 3) & (classes <= 7)] = 5
    classes[(crops > 0.85) & (classes == 2)] = 1
    classes[(crops < 0.03) & (classes != 10)] = 8
    classes[lakes > 0.85] = 6
    classes[land < 0.3] = 0  # sea: nodata
    path = folder / f"CALC-2020_{region}_SYNTHETIC.tif"
    names = {str(c.value): c.label for c in CALC2020_CLASSES}
    cmap = {c.value: (*hex_to_rgb(c.color), 255) for c in CALC2020_CLASSES}
    cmap[0] = (0, 0, 0, 0)

    def write(p: Path) -> None:
        with rasterio.open(p, "w", driver="GTiff", width=size, height=size, count=1,
                           dtype="uint8", crs=CRS.from_string(crs), transform=transform,
                           nodata=0, tiled=True, blockxsize=256, blockysize=256,
                           compress="deflate") as dst:
            dst.write(classes, 1)
            dst.write_colormap(1, cmap)
            dst.update_tags(**{SYNTHETIC_TAG: "yes",
                               "TIFFTAG_IMAGEDESCRIPTION": f"SYNTHETIC CALC-2020-style land "
                               f"cover, region {region} (demo data, not the real product)"})
            dst.update_tags(1, **{CLASS_NAMES_TAG: json.dumps(names)})
            dst.set_band_description(1, "Arctic land cover class (CALC-2020 legend)")
            dst.build_overviews([2, 4, 8], Resampling.nearest)

    _atomic(path, write)
    return path


# --- NE China MAGT: float32 degC, China Albers, nodata -9999 plus float32-min holes -------

def _magt(folder: Path) -> Path:
    res = 1000.0
    west, south, east, north = transform_bounds("EPSG:4326", CHINA_ALBERS,
                                                118.0, 44.0, 131.0, 53.6, densify_pts=21)
    cols, rows = int((east - west) // res), int((north - south) // res)
    transform = Affine(res, 0.0, west, 0.0, -res, north)
    xs = west + (np.arange(cols) + 0.5) * res
    ys = north - (np.arange(rows) + 0.5) * res
    xx, yy = np.meshgrid(xs, ys)
    lon, lat = Transformer.from_crs(CHINA_ALBERS, "EPSG:4326", always_xy=True).transform(xx, yy)
    rng = np.random.default_rng(2024)
    relief = _noise(rng, (rows, cols), 30)
    magt = 1.6 - 0.42 * (lat - 46.0) - 1.2 * (relief - 0.5)
    magt = np.round(magt, 2).astype(np.float32)  # 0.01 degC steps: smaller file, still smooth
    region = (lat > 46.0 + 3.0 * _noise(rng, (rows, cols), 6)) & (lon > 119.0) & (lon < 130.5)
    magt[~region] = -9999.0
    holes = _noise(rng, (rows, cols), 50) > 0.93  # lakes written as float32 min, undeclared
    magt[region & holes] = np.finfo(np.float32).min
    path = folder / "NE_China_MAGT_2010-2024_1km_SYNTHETIC.tif"

    def write(p: Path) -> None:
        with rasterio.open(p, "w", driver="GTiff", width=cols, height=rows, count=1,
                           dtype="float32", crs=CRS.from_string(CHINA_ALBERS),
                           transform=transform, nodata=-9999.0, tiled=True, blockxsize=256,
                           blockysize=256, compress="deflate", predictor=3) as dst:
            dst.write(magt, 1)
            dst.set_band_unit(1, "°C")
            dst.set_band_description(1, "MAGT: mean annual ground temperature at 10 m depth")
            dst.update_tags(**{SYNTHETIC_TAG: "yes",
                               "TIFFTAG_IMAGEDESCRIPTION": "SYNTHETIC permafrost MAGT (°C) "
                               "for Northeast China (demo data, not the real product)"})
            dst.build_overviews([2, 4], Resampling.nearest)

    _atomic(path, write)
    return path


# --- SMMR: EASE-Grid raw 2-byte little-endian Tb x 10, with .met, .TIM and .jpg ----------

SMMR_DAYS = ((1978, 298), (1978, 299))
SMMR_CHANNELS = ("18H", "37H", "37V")


def _jpeg_writer(grey: np.ndarray) -> Callable[[Path], None]:
    def write(p: Path) -> None:
        Image.fromarray(grey).save(p, format="JPEG", quality=85)

    return write


def _smmr(folder: Path) -> list[Path]:
    grid = GRIDS[0]  # China subset, cells whose centres fall inside 60-140E 15-55N
    t = grid.transform
    xs = t.c + (np.arange(grid.width) + 0.5) * t.a
    ys = t.f + (np.arange(grid.height) + 0.5) * t.e
    xx, yy = np.meshgrid(xs, ys)
    lon, lat = Transformer.from_crs(grid.crs.to_wkt(), "EPSG:4326",
                                    always_xy=True).transform(xx, yy)
    rng = np.random.default_rng(1978)
    terrain = _noise(rng, lat.shape, 12)
    ocean = (lon > 122 + 8 * (lat - 30) / 25) & (lat < 40) | (terrain < 0.12)
    written = []
    for day_i, (year, doy) in enumerate(SMMR_DAYS):
        for pass_ in "AD":
            # Swaths: SMMR revisits every 5-6 days, so a day leaves wide diagonal gaps.
            phase = 37 * day_i + (19 if pass_ == "D" else 0)
            swath = ((np.arange(grid.width)[None, :] + 0.6 * np.arange(grid.height)[:, None]
                      + phase) % 90) < 45
            for ch in SMMR_CHANNELS:
                freq, pol = int(ch[:2]), ch[2]
                tb = 275.0 - 1.1 * (lat - 15.0) + (6.0 if pass_ == "A" else -4.0)
                tb = tb - 25.0 * terrain * (freq / 37.0) - (18.0 if pol == "H" else 0.0)
                tb = np.where(ocean, 150.0 if pol == "H" else 200.0, tb)
                tb = tb + rng.normal(0.0, 1.0, tb.shape)
                values = np.round(tb / SCALE).astype("<u2")
                values[~swath] = 0
                name = f"China-EASE-N07-ML{year}{doy:03d}{pass_}.{ch}"
                raw = folder / name
                _write_bytes(raw, values.tobytes())
                minutes = np.where(swath, 720 if pass_ == "A" else 0, 0).astype("<u2")
                _write_bytes(folder / f"{name}.TIM", minutes.tobytes())
                met = (f"SYNTHETIC = yes (Dataset Atlas demo data)\nfile = {name}\n"
                       f"sensor = Nimbus-7 SMMR\nchannel = {freq} GHz {pol}\n"
                       f"pass = {'ascending' if pass_ == 'A' else 'descending'}\n"
                       f"year = {year}\nday_of_year = {doy}\n"
                       f"grid = EASE-Grid ML China subset {grid.width} x {grid.height}\n"
                       "units = K x 10, 0 = missing, 2-byte little-endian\n")
                _write_bytes(folder / f"{name}.met", met.encode("ascii"))
                grey = np.clip((values.astype(np.float64) * SCALE - 140.0) * 1.6, 0, 255)
                grey[values == 0] = 0
                _atomic(folder / f"{name}.jpg", _jpeg_writer(grey.astype(np.uint8)))
                written.append(raw)
    return written


def _expected(directory: Path) -> list[Path]:
    out = [directory / CALC_ID / f"CALC-2020_{r}_SYNTHETIC.tif" for r in ("AK", "GR")]
    out.append(directory / MAGT_ID / "NE_China_MAGT_2010-2024_1km_SYNTHETIC.tif")
    out += [directory / SMMR_ID / f"China-EASE-N07-ML{y}{d:03d}{p}.{c}"
            for y, d in SMMR_DAYS for p in "AD" for c in SMMR_CHANNELS]
    return out


def write_demo_data(directory: Path) -> list[Path]:
    """Write (or find already written) the synthetic files; return the data files' paths.

    Layout: ``directory/<record id>/...`` for the three seed records (CALC-2020 tiles,
    the NE China MAGT GeoTIFF, SMMR EASE-Grid raw files with ``.met``/``.TIM``/``.jpg``).
    Skips all work when the marker says this version was written and the files exist.
    """
    directory = Path(directory)
    expected = _expected(directory)
    marker = directory / MARKER
    try:
        done = json.loads(marker.read_text(encoding="utf-8")).get("version") == DEMO_VERSION
    except (OSError, ValueError, AttributeError):
        done = False
    if done and all(p.is_file() for p in expected):
        return expected
    titles = {CALC_ID: "Circumpolar Arctic Land Cover CALC-2020",
              MAGT_ID: "Northeast China permafrost MAGT 2010-2024",
              SMMR_ID: "SMMR brightness temperature over China"}
    for rid, title in titles.items():
        _write_bytes(directory / rid / "SYNTHETIC.txt",
                     SYNTHETIC_TEXT.format(title=title).encode("utf-8"))
    written = [
        # Two tiles in two polar projections, as a curator may meet either.
        _calc_tile(directory / CALC_ID, "AK", "EPSG:3413", (-152.0, 67.0), seed=1),
        _calc_tile(directory / CALC_ID, "GR", "EPSG:3571", (-42.0, 72.0), seed=2),
        _magt(directory / MAGT_ID),
        *_smmr(directory / SMMR_ID),
    ]
    assert written == expected, "demo layout and its expected list drifted apart"
    _write_bytes(marker, json.dumps({"version": DEMO_VERSION,
                                     "files": [p.relative_to(directory).as_posix()
                                               for p in written]}, indent=1).encode())
    return written
