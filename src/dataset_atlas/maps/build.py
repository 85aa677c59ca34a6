"""Build the folium maps of the app: the catalog map, a dataset's detail map, overlays.

How the catalog map is drawn, and why:

* Extents are sent as one compact JSON list per map and drawn by ``static/atlas/
  atlas-map.js`` (vendored, loaded locally): one folium element per extent would cost
  ~1 KB of script each. Titles are escaped on the server; the JSON additionally escapes
  ``<``, ``>`` and ``&`` so no catalog text can close the surrounding ``<script>``.
* At most ``max_features`` extents are drawn one by one (and never more than
  :data:`FEATURE_BUDGET_BYTES` of JSON); beyond that, counts per grid cell are drawn
  instead, so what reaches the browser is bounded whatever the catalog size. The
  selected dataset is always drawn on top.
* Boxes crossing the antimeridian are drawn as two parts (west..180 and -180..east) of
  one multipolygon: on the default world view, and over the basemap (which spans
  -180..180), each part sits where its data is, and one click selects the dataset.
* Latitudes are clamped to +-85.05 (Web Mercator's limit) so polar and global boxes show.
* Polar maps (``projection=3413`` or ``3031``, Proj4Leaflet) get each extent as one densified
  shape (``geometry.box_polygons``: a 60-90°N box is a disc, an antimeridian box one piece),
  their own basemap (Natural Earth land, coast, graticule) and quicklooks as images placed
  by their projected bounds (``L.Proj.imageOverlay``).
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import Element
from folium.elements import JSCSSMixin
from folium.template import Template
from PIL import Image

from dataset_atlas.geometry import (
    ANTARCTIC,
    ARCTIC,
    POLAR_LAT,
    WORLD,
    box_polygons,
    clamp_lat,
    lon_width,
    projected_bounds,
    projection,
    unproject,
    view_bbox,
)
from dataset_atlas.maps.aggregate import POLAR_ZOOM_OFFSET, MapPlan, MapView, plan_map
from dataset_atlas.maps.extents import (
    EXTENT_COLUMNS,
    Box,
    display_parts,
    display_point,
    make_box,
)
from dataset_atlas.maps.offline import (
    ATLAS_CSS,
    ATLAS_JS,
    BASEMAP_URL,
    POLAR_BASEMAP_URLS,
    POLAR_JS,
    PROJ4_JS,
    PROJ4LEAFLET_JS,
    make_offline,
    offline_map,
)
from dataset_atlas.maps.style import (
    COVER_TITLES,
    ID_SPAN_START,
    MIXED_COLOR,
    category_color,
    cell_tooltip,
    cover_control_data,
    extent_tooltip,
    pick_title,
    shared_tooltip,
)

Basemap = Literal["offline", "osm", "esri"]

# JSON of individually drawn extents stays below this, whatever max_features says; the
# rest of a rendered map (Leaflet setup, draw control, header) is about 10 KB.
FEATURE_BUDGET_BYTES = 1_200_000
# The contract checked by tests: a rendered catalog map never exceeds this.
PAYLOAD_LIMIT_BYTES = 1_500_000
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


def _js_json(obj: Any) -> str:
    """JSON that is also safe inside an HTML ``<script>`` (no ``<``, ``>``, ``&`` left)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class AtlasAssets(JSCSSMixin):
    """Declares the atlas helper script and stylesheet (loaded once, at mount)."""

    _template = Template("")
    default_js = [("atlas_map_js", ATLAS_JS)]
    default_css = [("atlas_map_css", ATLAS_CSS)]

    def __init__(self) -> None:
        super().__init__()
        self._name = "AtlasAssets"


class OfflineBasemap(AtlasAssets):
    """Land and country borders fetched from ``static/basemap`` (no tiles, no network)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlas.addBasemap({{ this._parent.get_name() }}, {{ this.url|tojson }});
{% endmacro %}"""
    )

    def __init__(self, url: str = BASEMAP_URL) -> None:
        super().__init__()
        self._name = "OfflineBasemap"
        self.url = url


class PolarSetup(JSCSSMixin):
    """proj4, Proj4Leaflet and our polar CRSs (loaded before the map script), then the map's setup."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlasPolar.setup({{ this._parent.get_name() }});
{% endmacro %}"""
    )
    default_js = [("proj4_js", PROJ4_JS), ("proj4leaflet_js", PROJ4LEAFLET_JS), ("atlas_polar_js", POLAR_JS)]

    def __init__(self) -> None:
        super().__init__()
        self._name = "PolarSetup"


class PolarImageOverlay(JSCSSMixin):
    """A quicklook placed by its bounds in the polar map's CRS (``L.Proj.imageOverlay``)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlasPolar.addImage({{ this._parent.get_name() }}, {{ this.url|tojson }}, {{ this.bounds|tojson }},
  {{ this.options|tojson }});
{% endmacro %}"""
    )

    def __init__(self, url: str, bounds: tuple[float, float, float, float], opacity: float, name: str) -> None:
        super().__init__()
        self._name = "PolarImageOverlay"
        self.url = url
        self.bounds = [round(float(v), 2) for v in bounds]
        self.options = {"opacity": float(opacity), "interactive": False, "className": "atlas-quicklook"}
        self.layer_name = name


class ExtentLayer(AtlasAssets):
    """Dataset extents drawn into the parent FeatureGroup from a compact JSON payload."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlas.addExtents({{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, palette: list[str], features: list[list[Any]], view_area: float | None = None) -> None:
        super().__init__()
        self._name = "ExtentLayer"
        self.count = len(features)
        data: dict[str, Any] = {"c": palette, "f": features}
        if view_area:
            data["v"] = round(view_area, 6)  # lets the script tint large-on-screen boxes less
        self.payload = _js_json(data)


class CellLayer(AtlasAssets):
    """Counts of extents per screen cell; a click on one zooms the map to its cell."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlas.addCells({{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, cells: list[list[Any]]) -> None:
        super().__init__()
        self._name = "CellLayer"
        self.count = len(cells)
        self.payload = _js_json({"k": cells})


class CoverControl(AtlasAssets):
    """A corner box: how many datasets cover the whole view, with the first few titles."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlas.setCover({{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CoverControl"
        self.payload = _js_json(data)


@dataclass(frozen=True)
class MapStats:
    """What the map shows, for the page to explain it (e.g. "123 without extent")."""

    total: int
    drawn: int  # outlines drawn (a shared outline counts once)
    missing: int
    aggregated: bool  # some extents are shown as counts
    cells: int = 0
    cover: int = 0  # datasets covering the whole view (listed, not drawn)
    partial: int = 0  # datasets much larger than the view reaching into it (listed when many)
    outside: int = 0  # datasets with an extent outside the view


@dataclass
class MapParts:
    """A catalog map split for streamlit-folium updates without remounting.

    ``map`` holds what stays the same across reruns (Leaflet setup, basemap, draw
    control); ``features`` holds the extents / cells / overlays that change with the
    filters and the selection. Use::

        parts = build_map_parts(results, lang=lang, selected_id=sel)
        ret = st_folium(
            parts.map,
            feature_group_to_add=parts.features,
            key="atlas_map",
            center=center, zoom=zoom,  # move the view without a remount
            returned_objects=["last_object_clicked", "last_object_clicked_tooltip",
                              "last_active_drawing"],
            height=560, use_container_width=True,
        )
        clicked = dataset_id_from_click(ret, results)

    Build both afresh on every rerun (it is cheap): streamlit-folium mutates element
    ids and attaches the group to the map, so a cached ``MapParts`` would change the
    map script and remount it. The component key is a hash of ``map``'s script only,
    so keep the arguments that shape ``map`` (lang does not, basemap and draw_box do)
    stable to keep the user's pan and zoom.
    """

    map: folium.Map
    features: folium.FeatureGroup
    stats: MapStats


class QuicklookLike(Protocol):
    """What :func:`build_map` accepts as an overlay (the quicklook module's result)."""

    rgba: np.ndarray
    bounds: tuple[float, float, float, float]


_CELL_SIZES = (30.0, 15.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.25)
# Count circles are up to ~45 px wide: keep cells at least this far apart on screen.
_CELL_MIN_PX = 60.0


def cell_deg_for_zoom(zoom: float | None) -> float:
    """A grid cell size (degrees) whose count circles do not overlap at this zoom level.

    The page can pass ``cell_deg=cell_deg_for_zoom(st_folium_return["zoom"])``; the
    default 30 suits the default world view (zoom about 1.5).
    """
    if zoom is None:
        return _CELL_SIZES[0]
    needed = _CELL_MIN_PX * 360.0 / (256.0 * 2.0 ** float(zoom))
    fitting = [c for c in _CELL_SIZES if c >= needed]
    return min(fitting) if fitting else _CELL_SIZES[0]


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


def _base_map(
    basemap: Basemap,
    draw_box: bool,
    center: tuple[float, float] | None,
    zoom: float | None,
    epsg: int = WORLD,
) -> folium.Map:
    if projection(epsg).polar:
        # Online tiles are Web Mercator only: a polar map always draws the offline basemap.
        m = _polar_map(projection(epsg).epsg, center, zoom)
        if draw_box:
            _draw_control().add_to(m)
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
        _draw_control().add_to(m)
    return m


def _draw_control() -> folium.plugins.Draw:
    return folium.plugins.Draw(
        position="topleft",
        export=False,
        show_geometry_on_click=False,
        draw_options={
            "polyline": False,
            "polygon": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "rectangle": {"shapeOptions": {"color": "#333333", "weight": 2, "fill": False}},
        },
        edit_options={"edit": False, "remove": True},
    )


def _shape(box: Box, epsg: int) -> tuple[str, list[Any], list[Any]] | None:
    """(kind, geometry, extra fields) of a box on a map in ``epsg``; None when it cannot show it."""
    proj = projection(epsg)
    if box.is_point:
        if proj.polar and not proj.lat_range[0] <= box.south <= proj.lat_range[1]:
            return None  # a station on the other hemisphere
        lat, lon = display_point(box, proj.epsg)
        return "p", [round(lat, 4), round(lon, 4)], []
    if not proj.polar:
        return "b", [[round(v, 4) for v in part] for part in display_parts(box)], []
    polygons = box_polygons(box, proj.epsg)
    if not polygons:
        return None
    rounded = [[[[round(lat, 3), round(lon, 3)] for lat, lon in ring] for ring in polygon] for polygon in polygons]
    return "g", rounded, [round(box.area, 3)]


def _extent_feature(
    box: Box, row: Any, lang: str, palette: dict[str, int], selected: bool, order: Sequence[str] | None = None,
    epsg: int = WORLD,
) -> list[Any] | None:
    shape = _shape(box, epsg)
    if shape is None:
        return None
    color = category_color(str(row.category), order)
    index = palette.setdefault(color, len(palette))
    quality = str(row.extent_quality)
    flags = (1 if quality == "approximate" else 0) | (2 if selected else 0)
    title = pick_title(row.title_zh, row.title_en, lang)
    shown_quality = "point" if box.is_point and quality == "exact" else quality
    tooltip = extent_tooltip(str(row.id), title, shown_quality, lang)
    kind, geometry, extra = shape
    return [kind, geometry, index, flags, tooltip, *extra]


def _check_columns(results: pd.DataFrame) -> None:
    needed = {"id", "title_zh", "title_en", "category", "extent_quality", *EXTENT_COLUMNS}
    missing = needed - set(results.columns)
    if missing:
        raise ValueError(f"results lack the map columns {sorted(missing)}")


def _shared_feature(
    box: Box, rows: pd.DataFrame, lang: str, palette: dict[str, int], order: Sequence[str] | None, epsg: int = WORLD
) -> list[Any] | None:
    """One outline for several datasets with the same extent (tooltip: count and first titles)."""
    shape = _shape(box, epsg)
    if shape is None:
        return None
    categories = set(rows["category"].astype(str))
    color = category_color(categories.pop(), order) if len(categories) == 1 else MIXED_COLOR
    index = palette.setdefault(color, len(palette))
    approximate = bool((rows["extent_quality"] == "approximate").all())
    titles = [pick_title(z, e, lang) for z, e in zip(rows["title_zh"].head(3), rows["title_en"].head(3), strict=True)]
    tooltip = shared_tooltip(len(rows), titles, lang)
    flags = (1 if approximate else 0) | 4
    kind, geometry, extra = shape
    return [kind, geometry, index, flags, tooltip, *extra]


def _outline_features(
    plan: MapPlan,
    columns: pd.DataFrame,
    lang: str,
    palette: dict[str, int],
    sel: str | None,
    order: Sequence[str] | None,
    epsg: int = WORLD,
) -> list[list[Any]] | None:
    """The outlines of ``plan`` as compact features, or None when they exceed the byte budget."""
    features: list[list[Any]] = []
    budget = FEATURE_BUDGET_BYTES
    # One take for the first row of every outline (iloc per group costs ~0.3 ms each).
    firsts = np.array([g[0] for g in plan.groups], dtype=np.int64)
    for members, first in zip(plan.groups, columns.take(firsts).itertuples(index=False), strict=True):
        box = make_box(first.west, first.south, first.east, first.north)
        if box is None:  # cannot happen: the plan keeps valid extents only
            continue
        if len(members) == 1:
            if sel is not None and str(first.id) == sel:
                continue  # drawn last, highlighted
            feature = _extent_feature(box, first, lang, palette, selected=False, order=order, epsg=epsg)
        else:
            feature = _shared_feature(box, columns.take(members), lang, palette, order, epsg)
        if feature is None:
            continue  # not on this map's hemisphere
        budget -= len(_js_json(feature).encode("utf-8"))
        if budget < 0:
            return None
        features.append(feature)
    return features


def _cover_data(cover: pd.DataFrame, partial: pd.DataFrame, lang: str) -> dict[str, Any]:
    def titles(rows: pd.DataFrame) -> list[str]:
        head = rows.head(COVER_TITLES)
        return [pick_title(z, e, lang) for z, e in zip(head["title_zh"], head["title_en"], strict=True)]

    return cover_control_data(len(cover), titles(cover), lang, len(partial), titles(partial))


def build_map_parts(
    results: pd.DataFrame,
    *,
    lang: str = "zh",
    selected_id: str | None = None,
    basemap: Basemap = "offline",
    overlays: Sequence[QuicklookLike | tuple[np.ndarray, tuple[float, float, float, float]]] = (),
    max_features: int = 1500,
    draw_box: bool = True,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    cell_deg: float | None = None,
    view: MapView | None = None,
    category_order: Sequence[str] | None = None,
    epsg: int = WORLD,
) -> MapParts:
    """Build the catalog map as :class:`MapParts` (static map + changing feature group).

    ``results`` is the whole result (columns ``id, title_zh, title_en, category, west,
    south, east, north, extent_quality``) and ``view`` what the browser shows (from
    :func:`view_from_return`; None means the opening world view). :func:`plan_map` decides:
    extents covering the whole view are listed in a corner control, identical extents
    share one outline, and beyond ``max_features`` outlines the densest screen cells show
    counts (a click zooms into the cell). Extents are coloured by category rank in
    ``category_order`` (the catalog's categories, most frequent first), approximate ones
    dashed, points as circle markers, the selected one highlighted and on top. Every script
    and stylesheet is local unless ``basemap`` is explicitly an online one. ``cell_deg`` is
    ignored (cells are sized on screen now); it stays for callers of the old signature.

    ``epsg`` 3413 or 3031 makes a polar map (see the module docstring): ``view`` is then the
    lon/lat box of the polar view (:func:`view_from_return` with the same ``epsg``), extents
    on the other hemisphere are left out (counted in ``stats.outside``), and overlays must be
    quicklooks rendered in that CRS (their ``image_bounds`` place them).
    """
    del cell_deg
    _check_columns(results)
    epsg = projection(epsg).epsg
    m = _base_map(basemap, draw_box, center, zoom, epsg)
    if view is None and projection(epsg).polar:
        view = default_polar_view(epsg)
    group = folium.FeatureGroup(name="datasets", control=False)
    sel = str(selected_id) if selected_id is not None else None
    columns = results[["id", "title_zh", "title_en", "category", "extent_quality", *EXTENT_COLUMNS]]
    limit = max_features
    while True:
        plan = plan_map(results, view, max_features=limit, epsg=epsg)
        palette: dict[str, int] = {}
        features = _outline_features(plan, columns, lang, palette, sel, category_order, epsg)
        if features is not None or limit == 0:
            break
        # Pathological text sizes overflowed the byte budget: fewer outlines, more counts.
        limit = min(limit, len(plan.groups)) // 2
    features = features or []
    cells = [[c.lat, c.lon, c.count, c.bounds] for c in plan.cells]
    if sel is not None:
        chosen = columns[columns["id"].astype(str) == sel].head(1)
        for row in chosen.itertuples(index=False):
            box = make_box(row.west, row.south, row.east, row.north)
            feature = None if box is None else _extent_feature(
                box, row, lang, palette, selected=True, order=category_order, epsg=epsg)
            if feature is not None:
                features.append(feature)
    if cells:
        CellLayer([_cell_record(c, lang, epsg) for c in cells]).add_to(group)
    if features:
        shown = view or MapView.world()
        view_area = shown.width * (clamp_lat(shown.north, epsg) - clamp_lat(shown.south, epsg))
        ExtentLayer(list(palette), features, view_area).add_to(group)
    if len(plan.cover) or len(plan.partial):
        CoverControl(_cover_data(columns.iloc[plan.cover], columns.iloc[plan.partial], lang)).add_to(group)

    for overlay in overlays:
        if projection(epsg).polar and not isinstance(overlay, tuple):
            add_polar_quicklook_overlay(group, overlay, epsg)
            continue
        rgba, bounds = overlay if isinstance(overlay, tuple) else (overlay.rgba, overlay.bounds)
        add_quicklook_overlay(group, rgba, bounds)

    make_offline(m)
    make_offline(group)
    stats = MapStats(
        total=len(results),
        drawn=len(features),
        missing=plan.missing,
        aggregated=bool(cells),
        cells=len(cells),
        cover=len(plan.cover),
        partial=len(plan.partial),
        outside=plan.outside,
    )
    return MapParts(map=m, features=group, stats=stats)


def _cell_record(cell: list[Any], lang: str, epsg: int = WORLD) -> list[Any]:
    lat, lon, count, (s, w, n, e) = cell
    lo, hi = projection(epsg).lat_range
    lat = max(lo + 1, min(hi - 1, lat))
    return [round(lat, 4), round(lon, 4), int(count), cell_tooltip(int(count), lang),
            [round(s, 4), round(w, 4), round(n, 4), round(e, 4)]]


def build_map(
    results: pd.DataFrame,
    *,
    lang: str = "zh",
    selected_id: str | None = None,
    basemap: Basemap = "offline",
    overlays: Sequence[QuicklookLike | tuple[np.ndarray, tuple[float, float, float, float]]] = (),
    max_features: int = 1500,
    draw_box: bool = True,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    cell_deg: float | None = None,
    view: MapView | None = None,
    category_order: Sequence[str] | None = None,
    epsg: int = WORLD,
) -> folium.Map:
    """The catalog map as one ``folium.Map`` (features included); see :func:`build_map_parts`.

    Fine for ``st_folium(m)`` when a remount on every change is acceptable, for saving to
    HTML and for tests; in the app prefer ``build_map_parts`` + ``feature_group_to_add``.
    """
    parts = build_map_parts(
        results,
        lang=lang,
        selected_id=selected_id,
        basemap=basemap,
        overlays=overlays,
        max_features=max_features,
        draw_box=draw_box,
        center=center,
        zoom=zoom,
        cell_deg=cell_deg,
        view=view,
        category_order=category_order,
        epsg=epsg,
    )
    parts.features.add_to(parts.map)
    return parts.map


def build_extent_map(
    west: float,
    south: float,
    east: float,
    north: float,
    quality: str = "exact",
    lang: str = "zh",
    *,
    category: str = "",
    epsg: int | None = None,
) -> folium.Map:
    """A small offline map of one dataset's extent, zoomed to it (no draw control).

    A missing extent gives the world view with nothing drawn. An extent poleward of ±60°
    (:data:`geometry.POLAR_LAT`) is shown on the polar map of its pole (``epsg`` None), any
    other on the world map; ``epsg`` forces one. On the world map a box crossing the
    antimeridian is framed over the full longitude range at its latitudes, because the
    basemap is not repeated beyond 180 degrees.
    """
    box = make_box(west, south, east, north)
    if epsg is None:
        epsg = polar_epsg_for([box]) if box is not None else WORLD
    proj = projection(epsg)
    if box is None:
        return make_offline(_base_map("offline", draw_box=False, center=None, zoom=1))  # type: ignore[return-value]
    framing = polar_frame(box.bbox, proj.epsg, height_px=300) if proj.polar else (None, 1)
    m = _base_map("offline", draw_box=False, center=framing[0], zoom=framing[1], epsg=proj.epsg)
    row = pd.Series(
        {
            "id": "",
            "title_zh": "",
            "title_en": "",
            "category": category,
            "extent_quality": quality,
        }
    )
    # A detail map has no click lookup: the tooltip only carries the quality label.
    feature = _extent_feature(box, _RowView(row), lang, {}, selected=False, epsg=proj.epsg)
    if feature is not None:
        feature[4] = feature[4].split(ID_SPAN_START)[0]
        group = folium.FeatureGroup(name="extent", control=False)
        ExtentLayer([category_color(category)], [feature]).add_to(group)
        group.add_to(m)
    if proj.polar:
        return make_offline(m)  # type: ignore[return-value]
    s, n = clamp_lat(box.south), clamp_lat(box.north)
    if box.is_point:
        pad = 2.0
        lat, lon = display_point(box)
        m.fit_bounds([[lat - pad, lon - pad], [lat + pad, lon + pad]])
    elif box.crosses:
        m.fit_bounds([[s, -180.0], [n, 180.0]])
    else:
        m.fit_bounds([[s, box.west], [n, box.east]], padding=(20, 20))
    return make_offline(m)  # type: ignore[return-value]


def polar_epsg_for(boxes: Sequence[Box | None]) -> int:
    """3413 when every box lies poleward of 60°N, 3031 when of 60°S, else 3857 (none: 3857)."""
    shown = [b for b in boxes if b is not None]
    if shown and all(b.south >= POLAR_LAT for b in shown):
        return ARCTIC
    if shown and all(b.north <= -POLAR_LAT for b in shown):
        return ANTARCTIC
    return WORLD


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


class _RowView:
    """Attribute access over a Series, like a row of ``DataFrame.itertuples``."""

    def __init__(self, row: pd.Series) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


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


def payload_bytes(m: Element) -> int:
    """Size in bytes (UTF-8) of the map rendered as a standalone HTML page.

    An upper bound of what streamlit-folium sends (it sends the same script, header and
    html, minus the page skeleton); tests compare it with :data:`PAYLOAD_LIMIT_BYTES`.
    """
    return len(m.get_root().render().encode("utf-8"))
