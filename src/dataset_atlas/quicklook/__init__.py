"""Raster quicklooks: read (GeoTIFF any CRS, EASE-Grid raw, pictures), style, warp, cache.

The core of the map overlay and the detail-panel preview; never imports Streamlit. The synthetic
demo data written in these formats is :mod:`dataset_atlas.demo` (which uses this package).
"""

from dataset_atlas.quicklook.files import find_data_files
from dataset_atlas.quicklook.model import DataFile, Quicklook
from dataset_atlas.quicklook.readers import Limits
from dataset_atlas.quicklook.render import (
    quicklook_from_dataset,
    render_quicklook,
    warp_to_mercator,
)
from dataset_atlas.quicklook.styles import PRESETS, ClassEntry, Style

__all__ = [
    "PRESETS",
    "ClassEntry",
    "DataFile",
    "Limits",
    "Quicklook",
    "Style",
    "find_data_files",
    "quicklook_from_dataset",
    "render_quicklook",
    "warp_to_mercator",
]
