"""The folium elements of the app's maps: each renders one call into our vendored map scripts.

``static/atlas/atlas-map.js`` and ``atlas-polar.js`` (loaded locally) draw what these
elements hand them: extents and counts as compact JSON (escaped by :func:`js_json`, so no
catalog text can close the surrounding ``<script>``), the offline basemap, the polar CRSs
and polar image overlays.
"""

from __future__ import annotations

import json
from typing import Any

import folium.plugins
from folium.elements import JSCSSMixin
from folium.template import Template

from dataset_atlas.maps.offline import ATLAS_CSS, ATLAS_JS, BASEMAP_URL, POLAR_JS, PROJ4_JS, PROJ4LEAFLET_JS


def js_json(obj: Any) -> str:
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
        self.payload = js_json(data)


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
        self.payload = js_json({"k": cells})


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
        self.payload = js_json(data)


def draw_control() -> folium.plugins.Draw:
    """The rectangle draw tool of the catalog map (the drawn box becomes the area filter)."""
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

