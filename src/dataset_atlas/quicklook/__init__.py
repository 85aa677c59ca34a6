"""Raster quicklooks: read (GeoTIFF any CRS, EASE-Grid raw, pictures), style, warp, cache.

The core of the map overlay and the detail-panel preview; never imports Streamlit.
"""

from pathlib import Path

from dataset_atlas.quicklook.files import find_data_files
from dataset_atlas.quicklook.model import DataFile, Quicklook
from dataset_atlas.quicklook.readers import Limits
from dataset_atlas.quicklook.render import (
    quicklook_from_dataset,
    render_quicklook,
    warp_to_mercator,
)
from dataset_atlas.quicklook.styles import PRESETS, ClassEntry, Style


def write_demo_data(directory: str | Path) -> list[Path]:
    """Write the synthetic seed data files (see ``dataset_atlas.demo.write_demo_data``)."""
    # Imported late: demo uses this package's styles, and most callers never need it.
    from dataset_atlas.demo import write_demo_data as _write

    return _write(Path(directory))


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
    "write_demo_data",
]
