"""The active area filter drawn on the map (typed, drawn or taken from the view)."""

from __future__ import annotations

import folium

from dataset_atlas.bbox import BBox
from dataset_atlas.geometry import WORLD, box_polygons, make_box

AREA_COLOR = "#222222"


def add_area_outline(group: folium.FeatureGroup, bbox: BBox, epsg: int = WORLD) -> None:
    """A dashed, unfilled, non-interactive outline of ``bbox`` on a map in ``epsg``.

    Antimeridian-aware; on a polar map densified, so a latitude cap around the pole is a
    circle. Non-interactive so that clicks still reach the dataset extents underneath.
    """
    box = make_box(*bbox)
    if box is None:
        return
    for polygon in box_polygons(box, epsg):
        outline = folium.Polygon(
            locations=[[list(p) for p in ring] for ring in polygon], color=AREA_COLOR, weight=2, dash_array="8 6",
            fill=False, class_name="atlas-area",
        )
        outline.options["interactive"] = False  # folium has no keyword for Leaflet's option
        outline.add_to(group)
