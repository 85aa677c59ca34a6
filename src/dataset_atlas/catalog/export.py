"""Search results as plain rows, GeoJSON and CSV (no e-mail addresses: personal data)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pandas as pd

from dataset_atlas.catalog.index import LIST_SEP
from dataset_atlas.geometry import Box

CSV_COLUMNS = [
    "id", "title_zh", "title_en", "category", "west", "south", "east", "north", "extent_quality",
    "start", "end", "ongoing", "resolution_m", "resolution_text", "time_resolution", "access",
    "formats", "licence", "keywords", "size_bytes", "file_count", "source_kind",
]  # fmt: skip


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _day(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def search_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows in the CLI's JSON contract: id, title{zh,en}, category, bbox, extent_quality, ..."""
    rows = []
    for r in frame.to_dict("records"):
        bbox = None if math.isnan(r["west"]) else [float(r[k]) for k in ("west", "south", "east", "north")]
        rows.append({
            "id": r["id"],
            "title": {"zh": r["title_zh"], "en": r["title_en"]},
            "category": r["category"],
            "bbox": bbox,
            "extent_quality": r["extent_quality"],
            "start": _day(r["start"]),
            "end": _day(r["end"]),
            "ongoing": bool(r["ongoing"]),
            "resolution_m": _num(r["resolution_m"]),
            "resolution_text": r["resolution_text"],
            "time_resolution": r["time_resolution"],
            "access": r["access"],
            "formats": str(r["formats"]).split(LIST_SEP) if r["formats"] else [],
            "licence": r["licence"],
        })
    return rows


def result_to_geojson(frame: pd.DataFrame) -> str:
    """A FeatureCollection; boxes crossing 180° become MultiPolygons split at the antimeridian."""
    features = []
    for row in search_rows(frame):
        bbox = row.pop("bbox")
        features.append({"type": "Feature", "id": row["id"], "bbox": bbox,
                         "geometry": _geometry(bbox), "properties": row})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _geometry(bbox: list[float] | None) -> dict[str, Any] | None:
    if bbox is None:
        return None
    w, s, e, n = bbox
    if w == e and s == n:
        return {"type": "Point", "coordinates": [w, s]}

    rings = [[[[w, s], [e, s], [e, n], [w, n], [w, s]]] for w, s, e, n in Box(w, s, e, n).split()]
    if len(rings) > 1:
        return {"type": "MultiPolygon", "coordinates": rings}
    return {"type": "Polygon", "coordinates": rings[0]}


def result_to_csv(frame: pd.DataFrame) -> str:
    """CSV with one row per dataset (lists joined by '; '), UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel needs the BOM to read Chinese text as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in frame[CSV_COLUMNS].itertuples(index=False):
        row = []
        for col, value in zip(CSV_COLUMNS, r, strict=True):
            if col in ("formats", "keywords"):
                value = "; ".join(str(value).split(LIST_SEP)) if value else ""
            elif col in ("start", "end"):
                value = _day(value) or ""
            elif pd.isna(value):
                value = ""
            row.append(_csv_safe(value))
        writer.writerow(row)
    return buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in untrusted text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
