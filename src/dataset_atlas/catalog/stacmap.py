"""The STAC mapping of a record: the collection document a catalog database stores for it,
and the record read back from a collection.

Shared by the database backend (which writes these documents into ``pgstac.collections``)
and the STAC API client (which reads them back from any API serving them), so neither
imports the other. Each collection carries the fields the app queries on as properties
prefixed ``atlas:`` (:data:`PREFIX`), which CQL2 filters read, and the whole normalised
record as ``atlas:record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dataset_atlas.model import DatasetRecord
from dataset_atlas.sources.stac import is_stac_collection, read_stac_collection

PREFIX = "atlas:"


def number_or_none(value: Any) -> float | None:
    """A float, or None for a missing value (None or NaN)."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def iso_day(value: Any) -> str | None:
    """A date or timestamp as ``YYYY-MM-DD``, or None when missing."""
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def collection_document(record: dict[str, Any], row: Mapping[Any, Any]) -> dict[str, Any]:
    """The STAC collection stored for one record (``record``: its normalised dict, ``row``: its index row)."""
    raw = record.get("raw") or {}
    base: dict[str, Any] = dict(raw) if record.get("source_kind") == "stac" and is_stac_collection(raw) else {}
    title = record.get("title") or {}
    abstract = record.get("abstract_text") or {}
    bbox = None if number_or_none(row["west"]) is None else [float(row[k]) for k in ("west", "south", "east", "north")]
    start, end = iso_day(row["start"]), iso_day(row["end"])
    base.update({
        "type": "Collection", "id": record["id"],
        "stac_version": base.get("stac_version") or "1.0.0",
        "title": base.get("title") or title.get("en") or title.get("zh") or record["id"],
        "description": base.get("description") or abstract.get("en") or abstract.get("zh") or record["id"],
        "license": base.get("license") or "other",
        "links": base.get("links") if isinstance(base.get("links"), list) else [],
    })
    if "keywords" not in base and record.get("keywords"):
        base["keywords"] = list(record["keywords"])
    if not isinstance(base.get("extent"), dict) or record.get("source_kind") != "stac":
        # No extent is written as the whole globe (STAC needs one); atlas:extent_quality says "missing".
        base["extent"] = {"spatial": {"bbox": [bbox or [-180.0, -90.0, 180.0, 90.0]]},
                          "temporal": {"interval": [[f"{start}T00:00:00Z" if start else None,
                                                     f"{end}T23:59:59Z" if end else None]]}}
    if bbox is not None:
        base["extent"] = {**base["extent"], "spatial": {"bbox": _stac_boxes(bbox, base["extent"].get("spatial"))}}
    flat = {
        "title_zh": row["title_zh"], "title_en": row["title_en"], "category": row["category"],
        "keywords": list(record.get("keywords") or []), "formats": list(record.get("formats") or []),
        "bbox": bbox, "extent_quality": row["extent_quality"], "start": start, "end": end,
        "ongoing": bool(row["ongoing"]), "resolution_m": number_or_none(row["resolution_m"]),
        "resolution_text": row["resolution_text"], "time_resolution": row["time_resolution"],
        "access": row["access"], "licence": row["licence"], "source_kind": row["source_kind"],
    }
    base.update({PREFIX + k: v for k, v in flat.items()})
    base[PREFIX + "record"] = record
    return base


def _stac_boxes(bbox: list[float], spatial: Any) -> list[list[float]]:
    """The collection's boxes with the record's overall extent first.

    pgstac indexes only the first box, as an envelope: a first box that is one part of the
    data (as some collections list them) would hide the rest from bbox searches, and one
    across 180° (west > east) would become the opposite side of the globe. So the first box is
    the overall extent, as the whole longitude band when it crosses 180°, with the two halves
    and the collection's own boxes after it.
    """
    w, s, e, n = bbox
    boxes = [[-180.0, s, 180.0, n], [w, s, 180.0, n], [-180.0, s, e, n]] if w > e else [list(bbox)]
    own: Any = spatial.get("bbox") if isinstance(spatial, dict) else None
    return boxes + [b for b in (own if isinstance(own, list) else []) if b not in boxes]


def record_from_collection(content: Mapping[str, Any], where: str) -> DatasetRecord:
    """The record a collection holds (``atlas:record``), else the collection read as STAC
    (one written by another tool); ``where`` names it in errors."""
    stored = content.get(PREFIX + "record")
    if isinstance(stored, dict):
        return DatasetRecord.from_dict(stored)
    return read_stac_collection(content, where)
