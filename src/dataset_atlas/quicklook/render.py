"""Rendering: sample -> styled preview -> RGBA in the map's CRS (Web Mercator or polar) with bounds."""

from __future__ import annotations

import math
import stat
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.io import DatasetReader
from rasterio.warp import reproject, transform_bounds

from dataset_atlas.errors import RasterError, UsageError
from dataset_atlas.geometry import MERCATOR_MAX_LAT as MERCATOR_LAT
from dataset_atlas.geometry import make_box, projected_bounds, projection
from dataset_atlas.quicklook import cache as qcache
from dataset_atlas.quicklook.easegrid import grid_for_size, read_ease_raw
from dataset_atlas.quicklook.formats import sibling_pictures, sniff
from dataset_atlas.quicklook.model import Bounds, Quicklook
from dataset_atlas.quicklook.paths import resolve_within
from dataset_atlas.quicklook.readers import (
    Limits,
    Sample,
    open_raster,
    read_raster,
    sample_from_ease,
)
from dataset_atlas.quicklook.styles import Style, apply_style, choose_style

MIN_PREVIEW_SIZE, MAX_PREVIEW_SIZE = 16, 8192  # allowed max_size, pixels on the longest side
EARTH_RADIUS = 6378137.0
WEB_MERCATOR = CRS.from_epsg(3857)
# The CRSs a quicklook can be rendered in: the three map projections.
TARGET_CRS = ("EPSG:3857", "EPSG:3413", "EPSG:3031")
SYNTHETIC_MARKER = "SYNTHETIC.txt"


def _merc_x(lon: float) -> float:
    return EARTH_RADIUS * math.radians(lon)


def _merc_y(lat: float) -> float:
    return EARTH_RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _grid_bounds(transform: Affine, rows: int, cols: int) -> tuple[float, float, float, float]:
    # rasterio.transform.array_bounds uses Affine's deprecated `*`; `@` is the new spelling.
    xs, ys = zip(*(transform @ (c, r) for c, r in ((0, 0), (cols, 0), (0, rows), (cols, rows))),
                 strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def lonlat_bounds(transform: Affine, crs: CRS, rows: int, cols: int) -> Bounds:
    """WGS84 bounds of a grid, from densified edges (corners alone are wrong near poles)."""
    left, bottom, right, top = _grid_bounds(transform, rows, cols)
    w, s, e, n = transform_bounds(crs, "EPSG:4326", left, bottom, right, top, densify_pts=51)
    if w > e:  # crosses the antimeridian: keep it one piece for Leaflet
        e += 360.0
    return float(w), float(s), float(e), float(n)


def warp_to_mercator(
    rgba: np.ndarray, transform: Affine, crs: CRS, max_size: int, *, name: str = "",
    geo_bounds: Bounds | None = None,
) -> tuple[np.ndarray, Bounds]:
    """Warp an RGBA image to EPSG:3857; return it with its (W, S, E, N) bounds in degrees.

    The returned bounds are the image's: latitudes clamped to Web Mercator's ±85.05°.
    ``geo_bounds`` are the grid's own :func:`lonlat_bounds`, when the caller has them.
    """
    rows, cols = rgba.shape[:2]
    w, s, e, n = geo_bounds or lonlat_bounds(transform, crs, rows, cols)
    s, n = max(s, -MERCATOR_LAT), min(n, MERCATOR_LAT)
    if n <= s or e <= w:
        raise RasterError(name, "the raster lies outside Web Mercator's latitude range (±85°)")
    box = (_merc_x(w), _merc_y(s), _merc_x(e), _merc_y(n))
    return _warp_into(rgba, transform, crs, max_size, WEB_MERCATOR, box, name, "Web Mercator"), (w, s, e, n)


def _warp_into(rgba: np.ndarray, transform: Affine, crs: CRS, max_size: int, dst_crs: CRS | str,
               box: Bounds, name: str, target: str) -> np.ndarray:
    """``rgba`` warped onto the (xmin, ymin, xmax, ymax) box of ``dst_crs``, nearest neighbour."""
    rows, cols = rgba.shape[:2]
    x0, y0, x1, y1 = box
    # Keep about the sample's detail, never more than max_size on the longest side.
    longest = max(2, min(max_size, math.ceil(max(rows, cols) * 1.25)))
    if (x1 - x0) >= (y1 - y0):
        dst_w, dst_h = longest, max(1, round(longest * (y1 - y0) / (x1 - x0)))
    else:
        dst_w, dst_h = max(1, round(longest * (x1 - x0) / (y1 - y0))), longest
    dst = np.zeros((4, dst_h, dst_w), dtype=np.uint8)
    try:
        reproject(
            np.ascontiguousarray(np.moveaxis(rgba, -1, 0)), dst,
            src_transform=transform, src_crs=crs,
            dst_transform=Affine((x1 - x0) / dst_w, 0.0, x0, 0.0, -(y1 - y0) / dst_h, y1),
            dst_crs=dst_crs,
            resampling=Resampling.nearest, src_nodata=None, dst_nodata=None,
        )
    except RasterioError as exc:
        raise RasterError(name, f"cannot warp to {target}: {exc}") from exc
    return np.ascontiguousarray(np.moveaxis(dst, 0, -1))


def _target_code(crs: str | int | None) -> str:
    """'EPSG:3413' from 'EPSG:3413', '3413' or 3413; a UsageError for anything else."""
    text = str(crs if crs is not None else "EPSG:3857").strip().upper()
    code = text if text.startswith("EPSG:") else f"EPSG:{text}"
    if code not in TARGET_CRS:
        raise UsageError(f"crs {crs!r}: must be one of {', '.join(TARGET_CRS)}")
    return code


def _north_up(transform: Affine) -> bool:
    return transform.b == 0 and transform.d == 0 and transform.a > 0 and transform.e < 0


def same_projection(crs: CRS, target: str) -> bool:
    """True when ``crs`` is ``target`` (by code, or by the same PROJ parameters)."""
    if crs.to_epsg() == int(target.split(":")[1]):
        return True
    try:
        return crs == CRS.from_string(projection(target).proj4)
    except RasterioError:
        return False


def warp_to_polar(
    rgba: np.ndarray, transform: Affine, crs: CRS, max_size: int, target: str, *, name: str = "",
    geo_bounds: Bounds | None = None,
) -> tuple[np.ndarray, Bounds]:
    """The image in a polar stereographic CRS with its (xmin, ymin, xmax, ymax) in metres.

    A north-up raster already in ``target`` is not warped at all (its own grid is the
    image). Others are warped over the projected bounds of their densified lon/lat extent,
    clipped to the hemisphere and to the map's square (the Leaflet CRS bounds).
    """
    rows, cols = rgba.shape[:2]
    if same_projection(crs, target) and _north_up(transform):
        return rgba, _grid_bounds(transform, rows, cols)
    proj = projection(target)
    w, s, e, n = geo_bounds or lonlat_bounds(transform, crs, rows, cols)
    box = make_box(w, s, e, n)
    lo, hi = proj.lat_range
    if box is None or box.south > hi or box.north < lo:
        side = "Antarctic" if proj.south else "Arctic"
        raise RasterError(name, f"the raster lies outside the {side} map (latitudes {lo:g}..{hi:g})")
    x0, y0, x1, y1 = projected_bounds(box, proj.epsg)
    limit = proj.half_extent
    x0, y0, x1, y1 = max(x0, -limit), max(y0, -limit), min(x1, limit), min(y1, limit)
    if x1 <= x0 or y1 <= y0:
        raise RasterError(name, f"the raster lies outside the {target} map's square")
    image_box = (x0, y0, x1, y1)
    dst_crs = CRS.from_string(proj.proj4)
    return _warp_into(rgba, transform, crs, max_size, dst_crs, image_box, name, target), image_box


def crs_label(crs: CRS | None) -> str | None:
    """'EPSG:3413' when the CRS has a code, else its PROJ string."""
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_proj4() or crs.to_wkt()


def quicklook_from_sample(
    sample: Sample, *, max_size: int = 1024, style: str | Style | None = None,
    source: str = "", name: str = "", crs: str = "EPSG:3857",
) -> Quicklook:
    """Style a sample, warp it to ``crs`` (a map projection), and package the result."""
    target = _target_code(crs)
    label = name or source
    if sample.rgba is not None:
        preview = sample.rgba
        legend: list[dict[str, object]] = []
        valid = preview[..., 3] > 0
        stats = {"count": int(valid.sum()), "sample_shape": list(preview.shape[:2]),
                 "valid_fraction": round(float(valid.mean()), 6) if valid.size else 0.0,
                 "mean_rgb": [round(float(preview[..., i][valid].mean()), 3) if valid.any()
                              else None for i in range(3)]}
        style_name, kind, units = "picture", "rgb", None
    else:
        assert sample.data is not None
        chosen = choose_style(sample.data, sample.hints, style)
        styled = apply_style(sample.data, chosen)
        preview, legend, stats = styled.rgba, styled.legend, styled.stats
        style_name, kind, units = chosen.name, chosen.kind, chosen.units or sample.hints.units
    stats["overview_factor"] = sample.overview_factor
    bounds: Bounds | None = None
    overlay_bounds: Bounds | None = None
    image_bounds: Bounds | None = None
    image_crs: str | None = None
    rgba = preview
    if sample.transform is not None and sample.crs is not None:
        rows, cols = preview.shape[:2]
        # The raster's true extent (to 90° when it holds a pole) is what --json and the
        # detail panel report; the overlay's is clamped to what Web Mercator can show.
        bounds = lonlat_bounds(sample.transform, sample.crs, rows, cols)
        image_crs = target
        if target == "EPSG:3857":
            rgba, overlay_bounds = warp_to_mercator(preview, sample.transform, sample.crs, max_size,
                                                    name=label, geo_bounds=bounds)
            ow, os_, oe, on = overlay_bounds
            image_bounds = (_merc_x(ow), _merc_y(os_), _merc_x(oe), _merc_y(on))
        else:
            rgba, image_bounds = warp_to_polar(preview, sample.transform, sample.crs, max_size, target,
                                               name=label, geo_bounds=bounds)
    return Quicklook(rgba=rgba, bounds=bounds, overlay_bounds=overlay_bounds, image_bounds=image_bounds,
                     crs=image_crs, source_crs=crs_label(sample.crs), width=sample.width,
                     height=sample.height, stats=stats, legend=legend, units=units,
                     style=style_name, synthetic=sample.synthetic, source=source,
                     grid_note=sample.grid_note, kind=kind, preview=preview)


def quicklook_from_dataset(
    src: DatasetReader, *, max_size: int = 1024, style: str | Style | None = None,
    band: int = 1, limits: Limits | None = None, crs: str = "EPSG:3857",
) -> Quicklook:
    """Quicklook of an already-open rasterio dataset (a file or a MemoryFile) in ``crs``."""
    lim = limits or Limits(max_size=max_size)
    sample = read_raster(src, limits=lim, band=band)
    return quicklook_from_sample(sample, max_size=lim.max_size, style=style, source=src.name, crs=crs)


def check_regular_file(path: Path, name: str) -> None:
    """Raise RasterError unless ``path`` (symlinks followed) is a regular file.

    Only ``stat``, never ``open``: opening a FIFO blocks until a writer comes, and
    ``/dev/zero`` reads forever. (A file swapped for a FIFO after this check is not covered.)
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise RasterError(name, "no such file") from None
    except OSError as exc:
        raise RasterError(name, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = next((label for test, label in _SPECIAL_KINDS if test(mode)), "special file")
        raise RasterError(name, f"not a regular file (a {kind})")


_SPECIAL_KINDS = ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO"),
                  (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                  (stat.S_ISSOCK, "socket"))


def _has_synthetic_marker(path: Path, root: Path | None) -> bool:
    for folder in (path.parent, path.parent.parent):
        if root is not None and not folder.is_relative_to(root):
            break
        if (folder / SYNTHETIC_MARKER).is_file():
            return True
    return False


def _picture_georef(picture: Path, rows: int, cols: int) -> tuple[Sample | None, str]:
    """Place an ungeoreferenced picture on the grid of the raw file it was made from.

    Only when the sizes agree exactly: a picture with a frame or legend would be misplaced.
    """
    for owner in (picture.with_suffix(""), *picture.parent.glob(picture.stem + ".*")):
        if owner == picture or not owner.is_file() or sniff(owner) != "ease":
            continue
        grid = grid_for_size(owner.stat().st_size, owner.name)
        if grid is not None and (grid.height, grid.width) == (rows, cols):
            note = f"picture placed on the grid of {owner.name}: {grid.note}"
            return Sample(width=cols, height=rows, transform=grid.transform, crs=grid.crs), note
    return None, "picture is not georeferenced: no map position"


def _read_path(path: Path, limits: Limits) -> Sample:
    kind = sniff(path)
    if kind == "ease":
        with path.open("rb") as f:
            ease = read_ease_raw(f, name=str(path))
        return sample_from_ease(ease, limits=limits, name=path.name)
    if kind in ("tiff", "jpeg", "png"):
        # rasterio passes an int GDAL_CACHEMAX to GDALSetCacheMax64: bytes, not megabytes.
        cache_bytes = limits.gdal_cache_mb * 2**20
        with rasterio.Env(GDAL_CACHEMAX=cache_bytes), open_raster(path) as src:
            sample = read_raster(src, limits=limits, name=str(path))
        if sample.rgba is not None and sample.transform is None:
            placed, note = _picture_georef(path, sample.height, sample.width)
            if placed is not None and sample.rgba.shape[:2] == (sample.height, sample.width):
                sample = Sample(width=sample.width, height=sample.height,
                                transform=placed.transform, crs=placed.crs, rgba=sample.rgba,
                                hints=sample.hints, grid_note=note, synthetic=sample.synthetic)
            else:
                sample = Sample(width=sample.width, height=sample.height, transform=None,
                                crs=None, rgba=sample.rgba, hints=sample.hints,
                                grid_note="picture is not georeferenced: no map position",
                                synthetic=sample.synthetic)
        return sample
    raise RasterError(str(path), "unknown or unsupported format (not GeoTIFF, JPEG, PNG or "
                      "EASE-Grid raw)")


def render_quicklook(
    path: str | Path, *, max_size: int = 1024, data_root: str | Path | None = None,
    cache_dir: str | Path | None = None, style: str | Style | None = None, crs: str = "EPSG:3857",
) -> Quicklook:
    """Render (or fetch from the disk cache) the quicklook of one file in ``crs``.

    ``crs`` is the map's projection: EPSG:3857 (default), EPSG:3413 or EPSG:3031; a raster
    already in a polar target is used as it is (no warp).

    ``path`` may be relative to ``data_root``; with a data root, a path that resolves
    outside it (``..``, symlinks) raises UnsafePathError. A file that cannot be read but
    has a ready-made picture next to it (e.g. SMMR's ``.jpg``) falls back to the picture,
    saying why in ``grid_note``. Other problems raise RasterError naming the file.
    """
    if not MIN_PREVIEW_SIZE <= max_size <= MAX_PREVIEW_SIZE:
        raise UsageError(f"max_size {max_size}: must be between {MIN_PREVIEW_SIZE} and "
                         f"{MAX_PREVIEW_SIZE} pixels")
    target = _target_code(crs)
    root = Path(data_root).expanduser().resolve() if data_root is not None else None
    try:
        resolved = resolve_within(path, root)
    except ValueError:  # pathlib refuses a NUL byte (e.g. from "%00" in an href)
        raise RasterError(repr(str(path)), "not a valid path (contains a NUL byte)") from None
    check_regular_file(resolved, str(path))
    key = None
    if cache_dir is not None:
        key = qcache.cache_key(resolved, style, max_size, target)
        hit = qcache.load(Path(cache_dir), key)
        if hit is not None:
            return hit
    limits = Limits(max_size=max_size)
    synthetic_marker = _has_synthetic_marker(resolved, root)
    try:
        sample = _read_path(resolved, limits)
    except RasterError as exc:
        pictures = [p for p in sibling_pictures(resolved)
                    if root is None or p.resolve().is_relative_to(root)]
        if not pictures:
            raise
        sample = _read_path(pictures[0].resolve(), limits)
        sample = Sample(width=sample.width, height=sample.height, transform=sample.transform,
                        crs=sample.crs, rgba=sample.rgba, hints=sample.hints,
                        grid_note=f"{exc.reason}; showing the ready-made picture "
                        f"{pictures[0].name} ({sample.grid_note})", synthetic=sample.synthetic)
    ql = quicklook_from_sample(sample, max_size=max_size, style=style, source=str(resolved),
                               name=str(path), crs=target)
    if synthetic_marker and not ql.synthetic:
        ql = Quicklook(**{**ql.__dict__, "synthetic": True})
    if cache_dir is not None and key is not None:
        qcache.save(Path(cache_dir), key, ql)
    return ql


