"""Make folium maps load every script and stylesheet from the app's own ``static/`` folder.

Streamlit serves ``<project>/static`` at ``/app/static`` when ``server.enableStaticServing``
is on. The streamlit-folium component lives at ``/component/<name>/index.html``, so
``../../app/static/...`` reaches those files from inside the map iframe, also under a
``--server.baseUrlPath`` (docs/architecture.md, "Offline by construction").

folium and its plugins declare CDN links in ``default_js`` / ``default_css`` class
attributes. Offline, one failing ``<script>`` aborts the whole map (an empty iframe), so
:func:`make_offline` rewrites them per instance (never the shared class lists) and refuses
any link it does not know how to serve locally.
"""

from __future__ import annotations

from collections.abc import Iterator

import branca.colormap
import folium
from branca.element import Element

from dataset_atlas.errors import AtlasError

STATIC_PREFIX = "../../app/static"

LEAFLET_JS = f"{STATIC_PREFIX}/leaflet/leaflet.js"
LEAFLET_CSS = f"{STATIC_PREFIX}/leaflet/leaflet.css"
DRAW_JS = f"{STATIC_PREFIX}/leaflet-draw/leaflet.draw.js"
DRAW_CSS = f"{STATIC_PREFIX}/leaflet-draw/leaflet.draw.css"
ATLAS_JS = f"{STATIC_PREFIX}/atlas/atlas-map.js"
ATLAS_CSS = f"{STATIC_PREFIX}/atlas/atlas-map.css"
BASEMAP_URL = f"{STATIC_PREFIX}/basemap/world-50m.geojson"
# Stands in asset_urls for the d3 that streamlit-folium fetches from a CDN for any branca
# colormap (its address is inside streamlit-folium): not local, so such a map is refused.
COLORMAP_D3 = "d3 for a branca colormap (streamlit-folium loads it from the internet)"
# Polar maps: proj4 + Proj4Leaflet (vendored from npm, licences beside them) and our CRSs.
PROJ4_JS = f"{STATIC_PREFIX}/proj4/proj4.js"
PROJ4LEAFLET_JS = f"{STATIC_PREFIX}/proj4leaflet/proj4leaflet.js"
POLAR_JS = f"{STATIC_PREFIX}/atlas/atlas-polar.js"
POLAR_BASEMAP_URLS = {
    3413: f"{STATIC_PREFIX}/basemap/arctic-50m.geojson",
    3031: f"{STATIC_PREFIX}/basemap/antarctic-50m.geojson",
}

# folium resource name -> local URL, or None for resources our maps never need.
# jQuery is only used by folium's HTML popups and ``keep_in_front``; Bootstrap, glyphicons,
# Font Awesome and awesome-markers only by ``folium.Icon`` markers. We use neither.
_LOCAL: dict[str, str | None] = {
    "leaflet": LEAFLET_JS,
    "leaflet_css": LEAFLET_CSS,
    "leaflet_draw_js": DRAW_JS,
    "leaflet_draw_css": DRAW_CSS,
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}


class OfflineAssetError(AtlasError, ValueError):
    """A map element needs a script or stylesheet that is not vendored under ``static/``."""

    def __init__(self, element: str, url: str) -> None:
        self.element = element
        self.url = url
        super().__init__(
            f"{element}: needs {url}, which is not vendored under static/ (the map would stay blank offline)"
        )


def is_local(url: str) -> bool:
    """True when ``url`` is served by the app itself (relative, no scheme, no ``//``)."""
    return url.startswith(f"{STATIC_PREFIX}/") and "://" not in url


def iter_elements(root: Element) -> Iterator[Element]:
    """Yield ``root`` and all its descendants, depth first, as streamlit-folium walks them."""
    yield root
    for child in list(root._children.values()):
        yield from iter_elements(child)


def _localise(element: Element, attr: str) -> None:
    links = getattr(element, attr, None)
    if not links:
        return
    local: list[tuple[str, str]] = []
    for name, url in links:
        if is_local(url):
            local.append((name, url))
            continue
        if name not in _LOCAL:
            raise OfflineAssetError(type(element).__name__, url)
        replacement = _LOCAL[name]
        if replacement is not None:
            local.append((name, replacement))
    # An instance attribute: folium's add_js_link mutates the class list in place, and
    # other maps in the process must not be affected.
    setattr(element, attr, local)


def make_offline(root: Element) -> Element:
    """Point every js/css link of ``root`` and its descendants at ``static/``; return root.

    Raises :class:`OfflineAssetError` for an element with a link that has no local copy,
    and for branca colormaps (streamlit-folium then loads d3 from the internet).
    """
    for element in iter_elements(root):
        if isinstance(element, branca.colormap.ColorMap):
            raise OfflineAssetError(type(element).__name__, "d3 (added by streamlit-folium)")
        _localise(element, "default_js")
        _localise(element, "default_css")
    return root


def asset_urls(root: Element) -> list[str]:
    """Every js and css URL the map (or feature group) asks the browser to load, deduplicated.

    Mirrors what streamlit-folium sends as ``js_links`` / ``css_links``; tests assert they
    are all local with :func:`is_local`.
    """
    urls: list[str] = []
    for element in iter_elements(root):
        if isinstance(element, branca.colormap.ColorMap):
            urls.append(COLORMAP_D3)
        urls.extend(url for _, url in getattr(element, "default_js", []))
        urls.extend(url for _, url in getattr(element, "default_css", []))
    return list(dict.fromkeys(urls))


def external_urls(root: Element) -> list[str]:
    """The subset of :func:`asset_urls` that would need the network."""
    return [u for u in asset_urls(root) if not is_local(u)]


def offline_map(**kwargs: object) -> folium.Map:
    """A ``folium.Map`` without tiles whose own Leaflet links are local."""
    kwargs.setdefault("tiles", None)
    m = folium.Map(**kwargs)  # type: ignore[arg-type]
    make_offline(m)
    return m
