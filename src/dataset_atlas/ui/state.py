"""The view state (filters, language, selection) and its URL form.

Pure functions, no Streamlit: the URL is parsed leniently (a bad value is dropped, never an
error page), and only values that differ from the defaults are written, so links stay short.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date

from dataset_atlas.bbox import BBox
from dataset_atlas.catalog.base import Query
from dataset_atlas.catalog.query import SORT_KEYS, parse_bbox
from dataset_atlas.errors import QueryError
from dataset_atlas.geometry import area_bbox, lon_width, view_bbox, wrap_lon
from dataset_atlas.normalize.dates import parse_date

# The resolution control's stops (metres), log-spaced with human labels, 1 m to 100 km.
RESOLUTION_STOPS: tuple[float, ...] = (
    1, 2, 5, 10, 20, 30, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000,
)  # fmt: skip
BASEMAPS = ("offline", "osm", "esri")
PROJECTIONS = ("3857", "3413", "3031")  # the map: world (Web Mercator), Arctic, Antarctic
VIEWS = ("browse", "dataset", "catalog")  # every view lives at "/" (see ui/app.py: no path routing)
PAGE_SIZE = 100


def resolution_label(metres: float) -> str:
    """``30 m``, ``1 km``, ``25 km``: how people say cell sizes."""
    if metres >= 1000:
        km = metres / 1000
        return f"{km:g} km"
    return f"{metres:g} m"

# In Chinese, titles sort by the Chinese title (English only where a record has no Chinese one).
_SORT_IN_CHINESE = {"title": "title_zh", "relevance": "relevance_zh"}


@dataclass(frozen=True)
class ViewState:
    """Everything a shared link reproduces."""

    view: str = "browse"
    lang: str = "zh"
    text: str = ""
    start: date | None = None
    end: date | None = None
    categories: tuple[str, ...] = ()
    res_min: float | None = None  # metres; None = open end
    res_max: float | None = None
    time_resolutions: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    bbox: BBox | None = None
    selected: str | None = None
    file: str | None = None  # the selected dataset's file to preview (map and panel); None: its first
    sort: str = "relevance"  # best free-text matches first; by title without text
    basemap: str = "offline"
    proj: str = "3857"
    page: int = 1
    overlay: bool = True
    opacity: float = 0.75
    exact_dates: bool = False  # show day-precise inputs (not in the URL: dates off Jan 1 / Dec 31 imply it)

    def query(self, *, limit: int | None = None) -> Query:
        """The catalog query these filters describe."""
        return Query(
            bbox=self.bbox, start=self.start, end=self.end, categories=self.categories,
            min_resolution_m=self.res_min, max_resolution_m=self.res_max,
            time_resolutions=self.time_resolutions, access=self.access, formats=self.formats,
            text=self.text, sort=_SORT_IN_CHINESE.get(self.sort, self.sort) if self.lang == "zh" else self.sort,
            limit=limit,
        )

    def cleared(self) -> ViewState:
        """The same view with every filter removed (language, basemap and projection kept)."""
        return ViewState(view=self.view, lang=self.lang, basemap=self.basemap, sort=self.sort, proj=self.proj)

    @property
    def filtered(self) -> bool:
        """True when any filter is active."""
        return self.query() != self.cleared().query()


# URL key for each field; lists are repeated keys (st.query_params handles both).
URL_KEYS = {
    "view": "view", "lang": "lang", "text": "q", "start": "from", "end": "to", "categories": "cat", "res_min": "rmin",
    "res_max": "rmax", "time_resolutions": "tres", "access": "access", "formats": "fmt", "bbox": "bbox",
    "selected": "id", "file": "file", "sort": "sort", "basemap": "basemap", "page": "page", "overlay": "ql",
    "opacity": "opacity", "proj": "proj",
}  # fmt: skip


def _one(params: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[-1] if value else None


def _many(params: Mapping[str, str | Sequence[str]], key: str) -> tuple[str, ...]:
    value = params.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(v for v in items if v))


def _metres(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value > 0 else None


def state_from_params(params: Mapping[str, str | Sequence[str]]) -> ViewState:
    """Parse URL query parameters; unknown or invalid values fall back to defaults."""
    lang = _one(params, "lang")
    view = _one(params, "view")
    bbox_text = _one(params, "bbox")
    try:
        bbox = parse_bbox(bbox_text) if bbox_text else None
    except QueryError:
        bbox = None
    sort = _one(params, "sort") or "relevance"
    basemap = _one(params, "basemap") or "offline"
    try:
        page = max(1, int(_one(params, "page") or 1))
    except ValueError:
        page = 1
    try:
        opacity = min(1.0, max(0.0, float(_one(params, "opacity") or 0.75)))
    except ValueError:
        opacity = 0.75
    return ViewState(
        view=view if view in VIEWS else "browse",
        lang=lang if lang in ("zh", "en") else "zh",
        text=(_one(params, "q") or "")[:500],
        start=parse_date(_one(params, "from")),
        end=parse_date(_one(params, "to"), end=True),
        categories=_many(params, "cat"),
        res_min=_metres(_one(params, "rmin")),
        res_max=_metres(_one(params, "rmax")),
        time_resolutions=_many(params, "tres"),
        access=_many(params, "access"),
        formats=_many(params, "fmt"),
        bbox=bbox,
        selected=_one(params, "id") or None,
        file=(_one(params, "file") or "")[:1000] or None,  # checked against the dataset's files by the page
        sort=sort if sort in SORT_KEYS else "relevance",
        basemap=basemap if basemap in BASEMAPS else "offline",
        proj=proj if (proj := _one(params, "proj") or "3857") in PROJECTIONS else "3857",
        page=page,
        overlay=(_one(params, "ql") or "1") != "0",
        opacity=opacity,
    )


def params_from_state(state: ViewState) -> dict[str, str | list[str]]:
    """URL query parameters for ``state`` (defaults omitted)."""
    default = ViewState()
    out: dict[str, str | list[str]] = {}
    for f in fields(ViewState):
        if f.name not in URL_KEYS:
            continue
        value = getattr(state, f.name)
        if value == getattr(default, f.name):
            continue
        key = URL_KEYS[f.name]
        if isinstance(value, tuple) and f.name != "bbox":
            out[key] = list(value)
        elif f.name == "bbox":
            out[key] = ",".join(f"{v:g}" for v in value)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif isinstance(value, float):
            out[key] = f"{value:g}"
        else:
            out[key] = str(value)
    return out


def bbox_from_lons_lats(lons: Sequence[float], lats: Sequence[float], epsg: int = 3857) -> BBox | None:
    """A W,S,E,N box from a shape drawn on a map in ``epsg``; Leaflet longitudes past ±180 wrap
    (W > E); on a polar map a shape around the pole is a latitude cap (``geometry.area_bbox``)."""
    if not lons or not lats:
        return None
    return area_bbox(lons, lats, epsg)


def bbox_from_geojson(feature: Mapping[str, object], epsg: int = 3857) -> BBox | None:
    """The box around a drawn GeoJSON feature (rectangle) or geometry on a map in ``epsg``, or None."""
    geometry = feature.get("geometry", feature)
    if not isinstance(geometry, Mapping):
        return None
    lons: list[float] = []
    lats: list[float] = []

    def walk(node: object) -> None:
        if isinstance(node, list | tuple):
            if len(node) >= 2 and all(isinstance(v, int | float) for v in node[:2]):
                lons.append(float(node[0]))
                lats.append(float(node[1]))
            else:
                for item in node:
                    walk(item)

    walk(geometry.get("coordinates"))
    if len(lons) > 1 and (lons[0], lats[0]) == (lons[-1], lats[-1]):
        lons, lats = lons[:-1], lats[:-1]  # a closed ring repeats its first point
    return bbox_from_lons_lats(lons, lats, epsg)


def bbox_from_leaflet_bounds(bounds: Mapping[str, Mapping[str, float]], epsg: int = 3857) -> BBox | None:
    """The map view (streamlit-folium ``bounds``) as a box; on a polar map the two points are
    the screen's bottom-left and top-right corners (``geometry.view_bbox``)."""
    try:
        sw, ne = bounds["_southWest"], bounds["_northEast"]
        if epsg != 3857:
            return view_bbox((float(sw["lat"]), float(sw["lng"])), (float(ne["lat"]), float(ne["lng"])), epsg)
        return bbox_from_lons_lats([sw["lng"], ne["lng"]], [sw["lat"], ne["lat"]])
    except (KeyError, TypeError, ValueError):
        return None


def view_for_bbox(bbox: BBox) -> tuple[tuple[float, float], int]:
    """Map centre (lat, lon) and zoom that frame a box (antimeridian-aware; polar boxes capped)."""
    west, south, east, north = bbox
    width = lon_width(west, east)
    if width > 180.0:  # half the globe or more: the whole world frames it best
        return (20.0, 0.0), 1
    centre_lon = wrap_lon(west + width / 2)
    south_m, north_m = max(south, -80.0), min(north, 80.0)
    height = max(north_m - south_m, 0.0)
    span = max(width, height * 1.6, 0.05)
    zoom = int(max(1, min(12, math.floor(math.log2(360.0 / span)) + 1)))
    return ((south_m + north_m) / 2, centre_lon), zoom


def rejected_params(params: Mapping[str, str | Sequence[str]]) -> tuple[str, ...]:
    """The URL keys given a value that :func:`state_from_params` cannot use (and so drops),
    in URL order, e.g. ``rmax=-1`` or ``from=99999``: the page names them in a note."""

    def bad(key: str, text: str) -> bool:
        checks: dict[str, Callable[[str], bool]] = {
            "view": lambda v: v not in VIEWS,
            "lang": lambda v: v not in ("zh", "en"),
            "from": lambda v: parse_date(v) is None,
            "to": lambda v: parse_date(v, end=True) is None,
            "rmin": lambda v: _metres(v) is None,
            "rmax": lambda v: _metres(v) is None,
            "bbox": lambda v: _bbox_or_none(v) is None,
            "sort": lambda v: v not in SORT_KEYS,
            "basemap": lambda v: v not in BASEMAPS,
            "proj": lambda v: v not in PROJECTIONS,
            "page": lambda v: not v.isdigit() or int(v) < 1,
            "opacity": lambda v: not _is_number(v),  # out of 0..1 is clamped, still used
            "ql": lambda v: v not in ("0", "1"),
        }
        check = checks.get(key)
        return check is not None and check(text)

    return tuple(k for k in params if (v := _one(params, k)) and bad(k, v))


def _bbox_or_none(text: str) -> BBox | None:
    try:
        return parse_bbox(text)
    except QueryError:
        return None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
