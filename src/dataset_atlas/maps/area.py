"""The active area filter drawn on the map (typed, drawn or taken from the view)."""

from __future__ import annotations

import folium

from dataset_atlas.maps.extents import display_parts, make_box
from dataset_atlas.model import BBox

AREA_COLOR = "#222222"


def add_area_outline(group: folium.FeatureGroup, bbox: BBox) -> None:
    """A dashed, unfilled, non-interactive outline of ``bbox`` (antimeridian-aware).

    Non-interactive so that clicks still reach the dataset extents underneath.
    """
    box = make_box(*bbox)
    if box is None:
        return
    for south, west, north, east in display_parts(box):
        outline = folium.Rectangle(
            bounds=[[south, west], [north, east]], color=AREA_COLOR, weight=2, dash_array="8 6", fill=False,
            class_name="atlas-area",
        )
        outline.options["interactive"] = False  # folium has no keyword for Leaflet's option
        outline.add_to(group)
