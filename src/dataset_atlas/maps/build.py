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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element

from dataset_atlas.geometry import WORLD, box_polygons, clamp_lat, polar_epsg, projection
from dataset_atlas.maps.aggregate import MapPlan, MapView, plan_map
from dataset_atlas.maps.basemap import Basemap, base_map, default_polar_view, polar_frame
from dataset_atlas.maps.elements import CellLayer, CoverControl, ExtentLayer, js_json
from dataset_atlas.maps.extents import EXTENT_COLUMNS, Box, display_parts, display_point, make_box
from dataset_atlas.maps.offline import make_offline
from dataset_atlas.maps.overlays import QuicklookLike, add_polar_quicklook_overlay, add_quicklook_overlay
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

# JSON of individually drawn extents stays below this, whatever max_features says; the
# rest of a rendered map (Leaflet setup, draw control, header) is about 10 KB.
FEATURE_BUDGET_BYTES = 1_200_000
# The contract checked by tests: a rendered catalog map never exceeds this.
PAYLOAD_LIMIT_BYTES = 1_500_000


Overlay = QuicklookLike | tuple[np.ndarray, tuple[float, float, float, float]]  # a quicklook, or (rgba, bounds)


@dataclass(frozen=True)
class MapOptions:
    """How to draw the catalog map (:func:`build_map_parts`, :func:`build_map`); the defaults
    are the opening world map in Chinese with the offline basemap and the draw tool."""

    lang: str = "zh"
    selected_id: str | None = None  # drawn highlighted, on top
    basemap: Basemap = "offline"  # "osm" and "esri" are online tiles (Web Mercator only)
    overlays: Sequence[Overlay] = ()
    max_features: int = 1500  # extents drawn one by one; beyond, counts per screen cell
    draw_box: bool = True  # the rectangle draw tool
    center: tuple[float, float] | None = None  # the opening view (None: the whole world, or the pole)
    zoom: float | None = None
    view: MapView | None = None  # what the browser shows (view_from_return); None: the opening view
    category_order: Sequence[str] | None = None  # the catalog's categories by rank: a category keeps its colour
    epsg: int = WORLD  # 3413 / 3031: a polar map


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

        parts = build_map_parts(results, MapOptions(lang=lang, selected_id=sel))
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
    so keep the options that shape ``map`` (lang does not, basemap and draw_box do)
    stable to keep the user's pan and zoom.
    """

    map: folium.Map
    features: folium.FeatureGroup
    stats: MapStats



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
        budget -= len(js_json(feature).encode("utf-8"))
        if budget < 0:
            return None
        features.append(feature)
    return features


def _cover_data(cover: pd.DataFrame, partial: pd.DataFrame, lang: str) -> dict[str, Any]:
    def titles(rows: pd.DataFrame) -> list[str]:
        head = rows.head(COVER_TITLES)
        return [pick_title(z, e, lang) for z, e in zip(head["title_zh"], head["title_en"], strict=True)]

    return cover_control_data(len(cover), titles(cover), lang, len(partial), titles(partial))


def build_map_parts(results: pd.DataFrame, options: MapOptions | None = None) -> MapParts:
    """Build the catalog map as :class:`MapParts` (static map + changing feature group).

    ``results`` is the whole result (columns ``id, title_zh, title_en, category, west,
    south, east, north, extent_quality``) and ``options.view`` what the browser shows (from
    :func:`view_from_return`; None means the opening world view). :func:`plan_map` decides:
    extents covering the whole view are listed in a corner control, identical extents
    share one outline, and beyond ``max_features`` outlines the densest screen cells show
    counts (a click zooms into the cell). Extents are coloured by category rank in
    ``category_order`` (the catalog's categories, most frequent first), approximate ones
    dashed, points as circle markers, the selected one highlighted and on top. Every script
    and stylesheet is local unless ``basemap`` is explicitly an online one.

    ``epsg`` 3413 or 3031 makes a polar map (see the module docstring): ``view`` is then the
    lon/lat box of the polar view (:func:`view_from_return` with the same ``epsg``), extents
    on the other hemisphere are left out (counted in ``stats.outside``), and overlays must be
    quicklooks rendered in that CRS (their ``image_bounds`` place them).
    """
    o = options or MapOptions()
    _check_columns(results)
    epsg = projection(o.epsg).epsg
    lang, order = o.lang, o.category_order
    m = base_map(o.basemap, o.draw_box, o.center, o.zoom, epsg)
    view = o.view
    if view is None and projection(epsg).polar:
        view = default_polar_view(epsg)
    group = folium.FeatureGroup(name="datasets", control=False)
    sel = str(o.selected_id) if o.selected_id is not None else None
    columns = results[["id", "title_zh", "title_en", "category", "extent_quality", *EXTENT_COLUMNS]]
    limit = o.max_features
    while True:
        plan = plan_map(results, view, max_features=limit, epsg=epsg)
        palette: dict[str, int] = {}
        features = _outline_features(plan, columns, lang, palette, sel, order, epsg)
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
                box, row, lang, palette, selected=True, order=order, epsg=epsg)
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

    for overlay in o.overlays:
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


def build_map(results: pd.DataFrame, options: MapOptions | None = None) -> folium.Map:
    """The catalog map as one ``folium.Map`` (features included); see :func:`build_map_parts`.

    Fine for ``st_folium(m)`` when a remount on every change is acceptable, for saving to
    HTML and for tests; in the app prefer ``build_map_parts`` + ``feature_group_to_add``.
    """
    parts = build_map_parts(results, options)
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
        epsg = polar_epsg(box.west, box.south, box.east, box.north) if box is not None else WORLD
    proj = projection(epsg)
    if box is None:
        return make_offline(base_map("offline", draw_box=False, center=None, zoom=1))  # type: ignore[return-value]
    framing = polar_frame(box.bbox, proj.epsg, height_px=300) if proj.polar else (None, 1)
    m = base_map("offline", draw_box=False, center=framing[0], zoom=framing[1], epsg=proj.epsg)
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


class _RowView:
    """Attribute access over a Series, like a row of ``DataFrame.itertuples``."""

    def __init__(self, row: pd.Series) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


def payload_bytes(m: Element) -> int:
    """Size in bytes (UTF-8) of the map rendered as a standalone HTML page.

    An upper bound of what streamlit-folium sends (it sends the same script, header and
    html, minus the page skeleton); tests compare it with :data:`PAYLOAD_LIMIT_BYTES`.
    """
    return len(m.get_root().render().encode("utf-8"))
