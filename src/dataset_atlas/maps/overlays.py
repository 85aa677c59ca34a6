"""Quicklook images on a map: a PNG data URL placed by its bounds (Web Mercator or polar)."""

from __future__ import annotations

import base64
import io
from typing import Any, Protocol

import folium
import numpy as np
from PIL import Image

from dataset_atlas.geometry import clamp_lat, lon_width, projection
from dataset_atlas.maps.elements import PolarImageOverlay


class QuicklookLike(Protocol):
    """What :func:`build_map` accepts as an overlay (the quicklook module's result)."""

    rgba: np.ndarray
    bounds: tuple[float, float, float, float]


def rgba_to_data_url(rgba: np.ndarray, max_side: int = 2048) -> str:
    """PNG data URL of an (H, W, 4) uint8 image, downsampled (nearest) beyond ``max_side``."""
    if not isinstance(rgba, np.ndarray) or rgba.ndim != 3 or rgba.shape[2] != 4:
        shape = getattr(rgba, "shape", None)
        raise ValueError(f"quicklook image must be an (H, W, 4) array, got shape {shape}")
    if rgba.dtype != np.uint8:
        # folium would stretch other dtypes channel by channel: refuse instead.
        raise ValueError(f"quicklook image must be uint8 RGBA, got {rgba.dtype}")
    if rgba.shape[0] == 0 or rgba.shape[1] == 0:
        raise ValueError("quicklook image is empty")
    image = Image.fromarray(np.ascontiguousarray(rgba), mode="RGBA")
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.NEAREST)  # categories stay categories
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def add_quicklook_overlay(
    target: folium.Map | folium.FeatureGroup,
    rgba: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    opacity: float = 0.7,
    name: str = "quicklook",
    max_side: int = 2048,
) -> folium.raster_layers.ImageOverlay:
    """Add a quicklook image (already warped to EPSG:3857) as a PNG data-URL overlay.

    ``bounds`` are ``(west, south, east, north)`` in lat/lon degrees; a west > east image
    crosses the antimeridian and is placed at ``west..east + 360``. ``mercator_project``
    stays False: the quicklook module has warped the pixels already.
    """
    w, s, e, n = (float(v) for v in bounds)
    if not all(np.isfinite([w, s, e, n])) or s >= n:
        raise ValueError(f"invalid quicklook bounds {bounds!r}")
    e = w + lon_width(w, e)  # one piece across the antimeridian
    s, n = clamp_lat(s), clamp_lat(n)
    overlay = folium.raster_layers.ImageOverlay(
        image=rgba_to_data_url(rgba, max_side=max_side),
        bounds=[[s, w], [n, e]],
        opacity=float(opacity),
        mercator_project=False,
        name=name,
        interactive=False,
    )
    overlay.add_to(target)
    return overlay


def add_polar_quicklook_overlay(
    target: folium.Map | folium.FeatureGroup,
    look: Any,
    epsg: int,
    *,
    opacity: float = 0.7,
    name: str = "quicklook",
    max_side: int = 2048,
) -> PolarImageOverlay:
    """Add a quicklook rendered in ``epsg`` (``look.crs``) to a polar map, placed by ``look.image_bounds``.

    A quicklook in another CRS would land in the wrong place: refused.
    """
    code = projection(epsg).code
    if getattr(look, "crs", None) != code or getattr(look, "image_bounds", None) is None:
        raise ValueError(f"quicklook {getattr(look, 'source', '')!r} is in {getattr(look, 'crs', None)}, "
                         f"not {code}: render it with crs={code!r}")
    x0, y0, x1, y1 = (float(v) for v in look.image_bounds)
    if not all(np.isfinite([x0, y0, x1, y1])) or x0 >= x1 or y0 >= y1:
        raise ValueError(f"invalid quicklook image bounds {look.image_bounds!r}")
    overlay = PolarImageOverlay(rgba_to_data_url(look.rgba, max_side=max_side), (x0, y0, x1, y1), opacity, name)
    overlay.add_to(target)
    return overlay
