"""Value types handed to the views: a rendered quicklook and a listed data file."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

Bounds = tuple[float, float, float, float]  # west, south, east, north (degrees, WGS84)


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of a uint8 (H, W, 4) array."""
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected uint8 (H, W, 4), got {rgba.dtype} {rgba.shape}")
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="PNG")
    return buf.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    """uint8 (H, W, 4) array of PNG bytes."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()


@dataclass(frozen=True, eq=False)
class Quicklook:
    """A styled preview of one raster file, ready for a map overlay and a detail panel.

    ``bounds`` is the raster's own extent (W, S, E, N in degrees, WGS84, from densified
    edges: it reaches 90 when the raster holds a pole; E may exceed 180 when the raster
    crosses the antimeridian). ``rgba`` is warped to Web Mercator and spans
    ``overlay_bounds``: the same longitudes, latitudes clamped to +-85.05. Give ``rgba`` and
    ``overlay_bounds`` to ``folium.raster_layers.ImageOverlay(..., mercator_project=False)``.
    Both bounds are None (and ``rgba`` the plain picture) when the file is not georeferenced.
    ``preview`` is the same styling in the file's own grid, for the detail panel.

    ``crs`` is the CRS of ``rgba`` (EPSG:3857, or EPSG:3413 / EPSG:3031 for a polar map) and
    ``image_bounds`` its extent in that CRS (metres: what Proj4Leaflet's image overlay takes);
    ``source_crs`` is the file's own CRS.
    """

    rgba: np.ndarray
    bounds: Bounds | None
    crs: str | None
    width: int
    height: int
    stats: dict[str, Any]
    legend: list[dict[str, Any]]
    units: str | None
    style: str
    synthetic: bool
    source: str
    grid_note: str | None
    kind: str = "continuous"  # categorical, continuous, diverging, rgb
    preview: np.ndarray | None = field(default=None, repr=False)
    cached: bool = False  # True when served from the disk cache
    overlay_bounds: Bounds | None = None  # of ``rgba`` in lon/lat, Web Mercator only
    image_bounds: Bounds | None = None  # of ``rgba`` in ``crs`` (xmin, ymin, xmax, ymax)
    source_crs: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-safe description (no arrays): bounds, crs, size, stats, legend, ..."""
        return {
            "source": self.source,
            "bounds": list(self.bounds) if self.bounds is not None else None,
            "overlay_bounds": list(self.overlay_bounds) if self.overlay_bounds is not None else None,
            "crs": self.crs,
            "image_bounds": list(self.image_bounds) if self.image_bounds is not None else None,
            "source_crs": self.source_crs,
            "width": self.width,
            "height": self.height,
            "image_size": [int(self.rgba.shape[1]), int(self.rgba.shape[0])],
            "style": self.style,
            "kind": self.kind,
            "units": self.units,
            "stats": self.stats,
            "legend": self.legend,
            "synthetic": self.synthetic,
            "grid_note": self.grid_note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], rgba: np.ndarray, preview: np.ndarray | None,
                  *, cached: bool = False) -> Quicklook:
        """Rebuild from ``to_json()`` output and the images (used by the disk cache)."""
        b, ob, ib = data["bounds"], data["overlay_bounds"], data["image_bounds"]
        return cls(rgba=rgba, bounds=tuple(b) if b is not None else None,
                   overlay_bounds=tuple(ob) if ob is not None else None,
                   image_bounds=tuple(ib) if ib is not None else None, source_crs=data["source_crs"],
                   crs=data["crs"], width=data["width"], height=data["height"],
                   stats=data["stats"], legend=data["legend"], units=data["units"],
                   style=data["style"], synthetic=data["synthetic"], source=data["source"],
                   grid_note=data["grid_note"], kind=data["kind"], preview=preview,
                   cached=cached)

    def png_bytes(self) -> bytes:
        """PNG of ``rgba`` (the map overlay)."""
        return encode_png(self.rgba)

    def preview_png_bytes(self) -> bytes:
        """PNG of the preview in the file's own grid (falls back to ``rgba``)."""
        return encode_png(self.preview if self.preview is not None else self.rgba)


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset as listed in the detail view."""

    name: str  # path relative to the folder it was found in
    path: Path
    size: int
    format: str  # human label: "GeoTIFF", "EASE-Grid raw", "JPEG image", ...
    previewable: bool
    sidecars: tuple[str, ...] = ()  # names of .met/.aux.xml/... files that belong to it
    picture: Path | None = None  # a ready-made picture next to it, if any

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"name": self.name, "path": str(self.path), "size": self.size,
                "format": self.format, "previewable": self.previewable,
                "sidecars": list(self.sidecars),
                "picture": str(self.picture) if self.picture else None}
