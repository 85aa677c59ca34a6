"""The base of every map: projection, basemap (offline or tiles), draw tool, where it opens.

A polar map (EPSG:3413 or 3031, Proj4Leaflet) always has the offline polar basemap (online
tiles are Web Mercator only); :func:`polar_frame` and :func:`default_polar_view` say where
it looks.
"""

from __future__ import annotations

import math
from typing import Literal

import folium

from dataset_atlas.geometry import WORLD, projected_bounds, projection, unproject, view_bbox
from dataset_atlas.maps.aggregate import POLAR_ZOOM_OFFSET, MapView
from dataset_atlas.maps.elements import AtlasAssets, OfflineBasemap, PolarSetup, draw_control
from dataset_atlas.maps.extents import make_box
from dataset_atlas.maps.offline import POLAR_BASEMAP_URLS, offline_map

Basemap = Literal["offline", "osm", "esri"]

DEFAULT_CENTER = (20.0, 0.0)
DEFAULT_ZOOM = 2
# Default view: the whole width of the world, with the Arctic and the Antarctic coast.
WORLD_VIEW = [[-72.0, -180.0], [80.0, 180.0]]

_ONLINE_TILES: dict[str, tuple[str, str]] = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
    "esri": (
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Tiles &copy; Esri",
    ),
}


# A polar map opens on its pole at this zoom (32768 m per pixel at zoom 0): the square
# around the pole down to about 45° fits a 580 px high map.
POLAR_ZOOM = 1.25


def _polar_map(epsg: int, center: tuple[float, float] | None, zoom: float | None) -> folium.Map:
    proj = projection(epsg)
    m = offline_map(
        location=list(center or (proj.pole_lat(), 0.0)),
        zoom_start=POLAR_ZOOM if zoom is None else zoom,
        min_zoom=0,
        max_zoom=15,
        control_scale=True,
        zoom_snap=0.25,
        crs=f"EPSG{epsg}",  # L.CRS.EPSG3413, defined by atlas-polar.js
    )
    PolarSetup().add_to(m)
    AtlasAssets().add_to(m)
    OfflineBasemap(POLAR_BASEMAP_URLS[epsg]).add_to(m)
    return m


def base_map(
    basemap: Basemap,
    draw_box: bool,
    center: tuple[float, float] | None,
    zoom: float | None,
    epsg: int = WORLD,
) -> folium.Map:
    """The map without its datasets: Leaflet set up in ``epsg``, the basemap, the draw tool."""
    if projection(epsg).polar:
        # Online tiles are Web Mercator only: a polar map always draws the offline basemap.
        m = _polar_map(projection(epsg).epsg, center, zoom)
        if draw_box:
            draw_control().add_to(m)
        return m
    m = offline_map(
        location=list(center or DEFAULT_CENTER),
        zoom_start=DEFAULT_ZOOM if zoom is None else zoom,
        min_zoom=1,
        control_scale=True,
        # Fractional zoom lets the whole world fit any container width.
        zoom_snap=0.25,
    )
    if center is None and zoom is None:
        # Constant, so it does not change the map script (no remount); st_folium's
        # center/zoom arguments move the view afterwards.
        m.fit_bounds(WORLD_VIEW)
    AtlasAssets().add_to(m)
    if basemap == "offline":
        OfflineBasemap().add_to(m)
    elif basemap in _ONLINE_TILES:
        url, attribution = _ONLINE_TILES[basemap]
        folium.TileLayer(tiles=url, attr=attribution, name=basemap, max_zoom=18).add_to(m)
    else:
        raise ValueError(f"basemap must be 'offline', 'osm' or 'esri', got {basemap!r}")
    if draw_box:
        draw_control().add_to(m)
    return m


def polar_frame(
    bbox: tuple[float, float, float, float], epsg: int, *, height_px: float = 580.0, width_px: float = 560.0
) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and zoom of a polar map that frame ``bbox`` (densified, pole-aware)."""
    proj = projection(epsg)
    box = make_box(*bbox)
    if box is None or box.south > proj.lat_range[1] or box.north < proj.lat_range[0]:
        return (proj.pole_lat(), 0.0), POLAR_ZOOM
    x0, y0, x1, y1 = projected_bounds(box, proj.epsg)
    lon, lat = unproject((x0 + x1) / 2.0, (y0 + y1) / 2.0, proj.epsg)
    metres_per_px = max((x1 - x0) / (0.75 * width_px), (y1 - y0) / (0.75 * height_px), 50.0)
    zoom = math.log2(2.0 * proj.half_extent / 256.0 / metres_per_px)
    zoom = max(0.0, min(12.0, math.floor(zoom * 4.0) / 4.0))  # the map's zoom_snap
    return (round(float(lat), 4), round(float(lon), 4)), zoom


def default_polar_view(epsg: int) -> MapView:
    """The lon/lat box a polar map opens on (pole in the middle, :data:`POLAR_ZOOM`, ~900x580 px)."""
    proj = projection(epsg)
    metres_per_px = 2.0 * proj.half_extent / 256.0 / 2.0**POLAR_ZOOM
    half_w, half_h = 450.0 * metres_per_px, 290.0 * metres_per_px
    corners = [unproject(x, y, proj.epsg) for x, y in ((-half_w, -half_h), (half_w, half_h))]
    (lon_a, lat_a), (lon_b, lat_b) = corners
    bbox = view_bbox((float(lat_a), float(lon_a)), (float(lat_b), float(lon_b)), proj.epsg)
    assert bbox is not None
    return MapView(*bbox, zoom=POLAR_ZOOM + POLAR_ZOOM_OFFSET)
