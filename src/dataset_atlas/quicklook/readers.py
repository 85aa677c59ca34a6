"""Readers: from an open dataset (or raw bytes) to a bounded, decimated sample.

Readers take already-open inputs so tests can feed in-memory files. Nothing here reads a
whole large file: GDAL picks an overview for a decimated read (``out_shape``), and the
limits below refuse what would still be too big.
"""

from __future__ import annotations

import json
import math
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import ColorInterp, MaskFlags, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.io import DatasetReader

from dataset_atlas.errors import RasterError
from dataset_atlas.quicklook.easegrid import EaseRaster
from dataset_atlas.quicklook.styles import FileHints

FLOAT32_MIN = float(np.finfo(np.float32).min)
EXTRA_FLOAT_NODATA = (-9999.0,)  # common undeclared nodata in float products
SYNTHETIC_TAG = "DATASET_ATLAS_SYNTHETIC"
CLASS_NAMES_TAG = "CLASS_NAMES"  # JSON object {"1": "Cropland", ...} in the band's tags


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one preview may do (rio-tiler's MAX_ARRAY_SIZE, in spirit)."""

    max_size: int = 1024  # longest side of the sample, pixels
    max_dimension: int = 2**22  # a side longer than this is corrupt or absurd (41,943 km at 10 m)
    max_array_bytes: int = 256 * 2**20  # refuse to allocate more than this for one read
    max_decode_pixels: int = 2**31  # pixels GDAL would decode (full res if no overview)
    # GDAL's block cache defaults to 5 % of RAM and would keep every decoded tile of a file
    # without overviews: cap it so memory does not grow with the file size.
    gdal_cache_mb: int = 64


@dataclass(frozen=True)
class Sample:
    """A decimated band (or picture) with everything needed to style and place it."""

    width: int  # of the source raster
    height: int
    transform: Affine | None  # of the sample's grid; None when not georeferenced
    crs: CRS | None
    data: np.ma.MaskedArray | None = None  # single band, masked = no data
    rgba: np.ndarray | None = None  # uint8 (H, W, 4) for RGB rasters and pictures
    hints: FileHints = field(default_factory=lambda: FileHints(dtype="uint8"))
    grid_note: str | None = None
    synthetic: bool = False
    overview_factor: int = 1


def sample_shape(width: int, height: int, max_size: int) -> tuple[int, int]:
    """(rows, cols) of a sample whose longest side is at most ``max_size``."""
    scale = max(width, height) / max_size
    if scale <= 1:
        return height, width
    return max(1, math.ceil(height / scale)), max(1, math.ceil(width / scale))


def check_dimensions(name: str, width: int, height: int, bands: int, limits: Limits) -> None:
    """Reject rasters whose header announces an empty or absurd size."""
    if width <= 0 or height <= 0 or bands <= 0:
        raise RasterError(name, f"empty raster ({width} x {height}, {bands} bands)")
    if width > limits.max_dimension or height > limits.max_dimension:
        raise RasterError(
            name, f"absurd dimensions {width} x {height} (limit {limits.max_dimension} a side)"
        )


def check_allocation(name: str, shape: tuple[int, ...], itemsize: int, limits: Limits) -> None:
    """Refuse an array allocation above ``limits.max_array_bytes``."""
    nbytes = math.prod(shape) * itemsize
    if nbytes > limits.max_array_bytes:
        raise RasterError(
            name,
            f"a {' x '.join(map(str, shape))} read needs {nbytes / 2**20:.0f} MiB, over the "
            f"{limits.max_array_bytes / 2**20:.0f} MiB limit (lower max_size)",
        )


def overview_factor(src: DatasetReader, out_cols: int, band: int = 1) -> int:
    """The overview decimation GDAL will use for a read ``out_cols`` wide (1 = full res)."""
    wanted = src.width / out_cols
    # GDAL takes the coarsest overview not coarser than asked (with a little slack).
    usable = [f for f in src.overviews(band) if f <= wanted * 1.2]
    return max(usable, default=1)


def _class_names_from_tags(tags: dict[str, str]) -> dict[int, str] | None:
    raw = tags.get(CLASS_NAMES_TAG) or tags.get(CLASS_NAMES_TAG.lower())
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
        items = parsed.items() if isinstance(parsed, dict) else enumerate(parsed)
        return {int(k): str(v) for k, v in items if str(v)}
    except (ValueError, TypeError, AttributeError):
        return None  # a malformed tag is ignored, not fatal: the data still previews


def _class_names_from_aux(path: str, band: int) -> dict[int, str] | None:
    """Category names GDAL keeps in the ``.aux.xml`` sidecar (rasterio has no API for them)."""
    aux = Path(path + ".aux.xml")
    try:
        if not aux.is_file() or aux.stat().st_size > 2**20:
            return None
        root = ET.parse(aux).getroot()
    except (OSError, ET.ParseError):
        return None
    for rb in root.iter("PAMRasterBand"):
        if rb.get("band", "1") != str(band):
            continue
        cats = rb.find("CategoryNames")
        if cats is not None:
            names = {i: (c.text or "") for i, c in enumerate(cats.findall("Category"))}
            return {k: v for k, v in names.items() if v} or None
    return None


def _read_masked(src: DatasetReader, band: int, rows: int, cols: int) -> np.ma.MaskedArray:
    """Decimated read of one band with its validity mask.

    ``read(masked=True)`` would decode the band twice when the mask comes from a nodata
    value (GDAL derives it by reading the data again); compare with the value instead.
    """
    values = src.read(band, out_shape=(rows, cols), resampling=Resampling.nearest)
    flags = src.mask_flag_enums[band - 1]
    if MaskFlags.all_valid in flags:
        mask = np.zeros(values.shape, dtype=bool)
    elif MaskFlags.nodata in flags and src.nodata is not None:
        nodata = src.nodatavals[band - 1]
        mask = np.isnan(values) if nodata is not None and math.isnan(nodata) else values == nodata
    else:  # a real mask band or alpha: read it
        mask = src.read_masks(band, out_shape=(rows, cols),
                              resampling=Resampling.nearest) == 0
    return np.ma.MaskedArray(values, mask=mask)


def _mask_float_nodata(data: np.ma.MaskedArray) -> np.ma.MaskedArray:
    if data.dtype.kind != "f":
        return data
    values = np.ma.getdata(data)
    bad = ~np.isfinite(values) | (values <= FLOAT32_MIN * 0.999)
    for v in EXTRA_FLOAT_NODATA:
        bad |= values == v
    return np.ma.MaskedArray(values, mask=np.ma.getmaskarray(data) | bad)


def _is_rgb(src: DatasetReader) -> bool:
    ci = src.colorinterp
    return (src.count >= 3 and all(dt == "uint8" for dt in src.dtypes[:3])
            and tuple(ci[:3]) == (ColorInterp.red, ColorInterp.green, ColorInterp.blue))


def _is_picture(src: DatasetReader) -> bool:
    return src.driver in ("JPEG", "PNG") or _is_rgb(src)


def _georef(src: DatasetReader) -> tuple[Affine | None, CRS | None]:
    if src.crs is None or src.transform == Affine.identity():
        return None, None
    return src.transform, src.crs


def read_raster(
    src: DatasetReader, *, limits: Limits = Limits(), band: int = 1, name: str | None = None
) -> Sample:
    """Read a decimated sample of one band (or of an RGB picture) from an open dataset."""
    label = name or src.name
    check_dimensions(label, src.width, src.height, src.count, limits)
    if band < 1 or band > src.count:
        raise RasterError(label, f"band {band} does not exist ({src.count} bands)")
    rows, cols = sample_shape(src.width, src.height, limits.max_size)
    picture = _is_picture(src)
    nbands = min(src.count, 4) if picture else 1
    check_allocation(label, (nbands, rows, cols), 8, limits)  # float64 working copies
    factor = overview_factor(src, cols, band)
    decode = (src.width / factor) * (src.height / factor)
    if decode > limits.max_decode_pixels:
        raise RasterError(
            label,
            f"a preview would decode {decode:.3g} pixels (no suitable overview; limit "
            f"{limits.max_decode_pixels:.3g}): add overviews, e.g. `gdaladdo -r nearest`",
        )
    transform, crs = _georef(src)
    if transform is not None:
        transform = transform @ Affine.scale(src.width / cols, src.height / rows)
    tags = src.tags()
    synthetic = str(tags.get(SYNTHETIC_TAG, "")).lower() in ("1", "yes", "true")
    try:
        if picture:
            return _read_picture(src, rows, cols, transform, crs, synthetic, factor)
        data = _read_masked(src, band, rows, cols)
    except RasterioError as exc:
        raise RasterError(label, f"cannot read pixels (truncated or corrupt?): {exc}") from exc
    data = _mask_float_nodata(data)
    scale, offset = src.scales[band - 1], src.offsets[band - 1]
    if scale not in (None, 1.0) or offset not in (None, 0.0):
        data = np.ma.MaskedArray(data.astype(np.float64) * (scale or 1.0) + (offset or 0.0))
    band_tags = src.tags(band)
    units = src.units[band - 1] or band_tags.get("units") or tags.get("units") or None
    units = units or band_tags.get("UNITS") or tags.get("UNITS") or None
    try:
        colormap = src.colormap(band)
    except ValueError:  # rasterio raises ValueError when the band has no colour table
        colormap = None
    class_names = _class_names_from_tags(band_tags) or _class_names_from_tags(tags)
    if class_names is None and Path(src.name).is_file():
        class_names = _class_names_from_aux(src.name, band)
    text = " ".join([Path(src.name).name, src.descriptions[band - 1] or "",
                     *tags.values(), *band_tags.values()]).lower()
    hints = FileHints(dtype=str(data.dtype), units=units, colormap=colormap,
                      class_names=class_names, text=text)
    return Sample(width=src.width, height=src.height, transform=transform, crs=crs, data=data,
                  hints=hints, synthetic=synthetic, overview_factor=factor)


def _read_picture(src: DatasetReader, rows: int, cols: int, transform: Affine | None,
                  crs: CRS | None, synthetic: bool, factor: int) -> Sample:
    n = src.count
    bands = src.read(out_shape=(n, rows, cols), resampling=Resampling.nearest)
    if bands.dtype != np.uint8:
        raise RasterError(src.name, f"picture of type {bands.dtype}, expected 8-bit")
    rgba = np.zeros((rows, cols, 4), dtype=np.uint8)
    if n >= 3:
        rgba[..., :3] = np.moveaxis(bands[:3], 0, -1)
    else:
        rgba[..., :3] = bands[0][..., None]  # grey picture
    alpha_band = next((i for i, c in enumerate(src.colorinterp) if c == ColorInterp.alpha), None)
    if alpha_band is not None:
        rgba[..., 3] = bands[alpha_band]
    else:
        mask = src.dataset_mask(out_shape=(rows, cols), resampling=Resampling.nearest)
        rgba[..., 3] = np.where(mask > 0, 255, 0)
    return Sample(width=src.width, height=src.height, transform=transform, crs=crs,
                  rgba=rgba, hints=FileHints(dtype="uint8", text=Path(src.name).name.lower()),
                  synthetic=synthetic, overview_factor=factor)


def sample_from_ease(ease: EaseRaster, *, limits: Limits = Limits(), name: str = "") -> Sample:
    """Wrap a decoded EASE-Grid raw file as a sample (decimated if larger than max_size)."""
    g = ease.grid
    rows, cols = sample_shape(g.width, g.height, limits.max_size)
    data = ease.kelvin
    transform = g.transform
    if (rows, cols) != (g.height, g.width):
        step = math.ceil(max(g.width / cols, g.height / rows))
        data = data[::step, ::step]
        transform = transform @ Affine.scale(step, step)
    hints = FileHints(dtype="float32", units="K", text=f"{name.lower()} brightness temperature")
    return Sample(width=g.width, height=g.height, transform=transform, crs=g.crs, data=data,
                  hints=hints, grid_note=ease.note)


def open_raster(path: Path) -> DatasetReader:
    """Open a file with rasterio, turning GDAL's errors into RasterError."""
    try:
        with warnings.catch_warnings():
            # Pictures are often plain JPEG/PNG; being ungeoreferenced is handled, not news.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioError as exc:
        raise RasterError(str(path), f"cannot open (unknown, truncated or corrupt file): {exc}"
                          ) from exc
