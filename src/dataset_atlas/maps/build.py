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
"""

from __future__ import annotations

import base64
import io
import json
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

from dataset_atlas.maps.extents import (
    EXTENT_COLUMNS,
    MERCATOR_MAX_LAT,
    Box,
    aggregate_extents,
    display_parts,
    display_point,
    make_box,
    valid_extent_mask,
)
from dataset_atlas.maps.offline import (
    ATLAS_CSS,
    ATLAS_JS,
    BASEMAP_URL,
    make_offline,
    offline_map,
)
from dataset_atlas.maps.style import (
    category_color,
    cell_tooltip,
    extent_tooltip,
    pick_title,
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


class ExtentLayer(AtlasAssets):
    """Dataset extents drawn into the parent FeatureGroup from a compact JSON payload."""

    _template = Template(
        """{% macro script(this, kwargs) %}
DatasetAtlas.addExtents({{ this._parent.get_name() }}, {{ this.payload }});
{% endmacro %}"""
    )

    def __init__(self, palette: list[str], features: list[list[Any]]) -> None:
        super().__init__()
        self._name = "ExtentLayer"
        self.count = len(features)
        self.payload = _js_json({"c": palette, "f": features})


class CellLayer(AtlasAssets):
    """Aggregated counts per grid cell, drawn into the parent FeatureGroup."""

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


@dataclass(frozen=True)
class MapStats:
    """What the map shows, for the page to explain it (e.g. "123 without extent")."""

    total: int
    drawn: int
    missing: int
    aggregated: bool
    cells: int = 0


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


def _base_map(
    basemap: Basemap,
    draw_box: bool,
    center: tuple[float, float] | None,
    zoom: int | None,
) -> folium.Map:
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
        folium.plugins.Draw(
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
        ).add_to(m)
    return m


def _extent_feature(box: Box, row: Any, lang: str, palette: dict[str, int], selected: bool) -> list[Any]:
    color = category_color(str(row.category))
    index = palette.setdefault(color, len(palette))
    quality = str(row.extent_quality)
    flags = (1 if quality == "approximate" else 0) | (2 if selected else 0)
    title = pick_title(row.title_zh, row.title_en, lang)
    shown_quality = "point" if box.is_point and quality == "exact" else quality
    tooltip = extent_tooltip(str(row.id), title, shown_quality, lang)
    if box.is_point:
        lat, lon = display_point(box)
        return ["p", [round(lat, 4), round(lon, 4)], index, flags, tooltip]
    parts = [[round(v, 4) for v in part] for part in display_parts(box)]
    return ["b", parts, index, flags, tooltip]


def _rows_with_boxes(frame: pd.DataFrame) -> list[tuple[Box, Any]]:
    out = []
    for row in frame.itertuples(index=False):
        box = make_box(row.west, row.south, row.east, row.north)
        if box is not None:
            out.append((box, row))
    return out


def _check_columns(results: pd.DataFrame) -> None:
    needed = {"id", "title_zh", "title_en", "category", "extent_quality", *EXTENT_COLUMNS}
    missing = needed - set(results.columns)
    if missing:
        raise ValueError(f"results lack the map columns {sorted(missing)}")


def _add_cells(group: folium.FeatureGroup, frame: pd.DataFrame, cell_deg: float, lang: str) -> int:
    cells = aggregate_extents(frame, cell_deg)
    records = [
        [
            round(max(-MERCATOR_MAX_LAT + 2, min(MERCATOR_MAX_LAT - 2, lat)), 3),
            round(lon, 3),
            int(count),
            cell_tooltip(int(count), lang),
        ]
        for lat, lon, count in zip(cells["lat"], cells["lon"], cells["count"], strict=True)
    ]
    CellLayer(records).add_to(group)
    return len(records)


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
    cell_deg: float = 30.0,
) -> MapParts:
    """Build the catalog map as :class:`MapParts` (static map + changing feature group).

    ``results`` has the columns ``id, title_zh, title_en, category, west, south, east,
    north, extent_quality``. Up to ``max_features`` extents are drawn one by one, coloured
    by category (approximate ones dashed, points as circle markers, the selected one
    highlighted and on top); with more, counts per ``cell_deg`` grid cell are drawn
    (pass a narrower, e.g. visible, subset to get individual extents back). Every
    script and stylesheet is local unless ``basemap`` is explicitly an online one.
    """
    _check_columns(results)
    m = _base_map(basemap, draw_box, center, zoom)
    group = folium.FeatureGroup(name="datasets", control=False)

    valid = valid_extent_mask(results)
    n_valid = int(valid.sum())
    missing = len(results) - n_valid
    selected_rows = (
        results[results["id"].astype(str) == str(selected_id)] if selected_id is not None else results.iloc[0:0]
    )

    drawn = 0
    aggregated = n_valid > max(0, max_features)
    features: list[list[Any]] = []
    palette: dict[str, int] = {}
    if not aggregated:
        boxes = _rows_with_boxes(results[valid])
        # Largest first, so smaller extents stay on top and clickable.
        boxes.sort(key=lambda item: -item[0].area)
        budget = FEATURE_BUDGET_BYTES
        for box, row in boxes:
            if selected_id is not None and str(row.id) == str(selected_id):
                continue  # drawn last, below
            feature = _extent_feature(box, row, lang, palette, selected=False)
            budget -= len(_js_json(feature).encode("utf-8"))
            if budget < 0:
                aggregated = True  # pathological text sizes: fall back to counts
                break
            features.append(feature)
    cells = 0
    if aggregated:
        features, palette = [], {}
        cells = _add_cells(group, results[valid], cell_deg, lang)
    for box, row in _rows_with_boxes(selected_rows.head(1)):
        features.append(_extent_feature(box, row, lang, palette, selected=True))
    if features:
        ExtentLayer(list(palette), features).add_to(group)
        drawn = len(features)

    for overlay in overlays:
        rgba, bounds = overlay if isinstance(overlay, tuple) else (overlay.rgba, overlay.bounds)
        add_quicklook_overlay(group, rgba, bounds)

    make_offline(m)
    make_offline(group)
    stats = MapStats(total=len(results), drawn=drawn, missing=missing, aggregated=aggregated, cells=cells)
    return MapParts(map=m, features=group, stats=stats)


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
    cell_deg: float = 30.0,
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
) -> folium.Map:
    """A small offline map of one dataset's extent, zoomed to it (no draw control).

    A missing extent gives the world view with nothing drawn. A box crossing the
    antimeridian is framed over the full longitude range at its latitudes, because the
    basemap is not repeated beyond 180 degrees.
    """
    m = _base_map("offline", draw_box=False, center=None, zoom=1)
    box = make_box(west, south, east, north)
    if box is None:
        return make_offline(m)  # type: ignore[return-value]
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
    feature = _extent_feature(box, _RowView(row), lang, {}, selected=False)
    feature[4] = feature[4].split('<br><span class="atlas-id">')[0]
    group = folium.FeatureGroup(name="extent", control=False)
    ExtentLayer([category_color(category)], [feature]).add_to(group)
    group.add_to(m)
    s, n = max(-MERCATOR_MAX_LAT, box.south), min(MERCATOR_MAX_LAT, box.north)
    if box.is_point:
        pad = 2.0
        lat, lon = display_point(box)
        m.fit_bounds([[lat - pad, lon - pad], [lat + pad, lon + pad]])
    elif box.crosses:
        m.fit_bounds([[s, -180.0], [n, 180.0]])
    else:
        m.fit_bounds([[s, box.west], [n, box.east]], padding=(20, 20))
    return make_offline(m)  # type: ignore[return-value]


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
    if w > e:
        e += 360.0
    s, n = max(s, -MERCATOR_MAX_LAT), min(n, MERCATOR_MAX_LAT)
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


def payload_bytes(m: Element) -> int:
    """Size in bytes (UTF-8) of the map rendered as a standalone HTML page.

    An upper bound of what streamlit-folium sends (it sends the same script, header and
    html, minus the page skeleton); tests compare it with :data:`PAYLOAD_LIMIT_BYTES`.
    """
    return len(m.get_root().render().encode("utf-8"))
