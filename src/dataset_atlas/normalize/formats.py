"""File-format texts ('.tif', '*.tif', '栅格', 'TIFF', 'image/tiff; application=geotiff') to labels."""

from __future__ import annotations

import re

# (pattern, label); the first match wins. Labels are what the format filter offers.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), label)
    for p, label in [
        (r"cloud.optimized|profile=cloud-optimized|\bcog\b", "GeoTIFF"),
        (r"tiff?\b|geotiff", "GeoTIFF"),
        (r"netcdf|\bnc4?\b|x-netcdf", "NetCDF"),
        (r"zarr", "Zarr"),
        (r"hdf|\bh5\b|\bhe5\b", "HDF"),
        (r"excel|\bxlsx?\b|spreadsheet", "Excel"),
        (r"\bcsv\b|text/csv", "CSV"),
        (r"shapefile|\bshp\b", "Shapefile"),
        (r"geojson|geo\+json", "GeoJSON"),
        (r"parquet", "Parquet"),
        (r"\bjpe?g\b|\bpng\b|image/", "Image"),
        (r"\bpdf\b", "PDF"),
        (r"\bgrib2?\b", "GRIB"),
        (r"las\b|laz\b|copc", "LAS/LAZ"),
        (r"\btxt\b|text/plain|文本", "Text"),
        (r"栅格|raster|grid|\bbin\b|binary|二进制", "Raster"),
        (r"矢量|vector", "Vector"),
        (r"geopackage|\bgpkg\b", "GeoPackage"),
        (r"\bzip\b", "ZIP"),
        (r"\bxml\b", "XML"),
        (r"\bhtml?\b", "HTML"),
        (r"json", "JSON"),
    ]
]


def format_label(text: str) -> str:
    """Canonical label for one format text; unknown text is returned cleaned, as given."""
    raw = text.strip().lstrip("*").strip()
    if not raw:
        return ""
    for pattern, label in _RULES:
        if pattern.search(raw):
            return label
    return raw.lstrip(".").upper() if len(raw) <= 8 else raw


def format_labels(texts: list[str]) -> tuple[str, ...]:
    """Distinct labels for several format texts, in first-seen order."""
    return tuple(dict.fromkeys(label for t in texts if (label := format_label(t))))
