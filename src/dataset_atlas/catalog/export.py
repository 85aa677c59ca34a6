"""Search results as plain rows, GeoJSON, CSV and citation files (no e-mail addresses: personal data).

The index frame holds what filters need; what a researcher needs to reach and cite a dataset
(CSTR, DOIs, landing page, licence link, abstracts) lives in the records, which the caller
passes as a ``get`` function (``Catalog.get``): they are read in index order, so a saved index
decodes each row group once.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dataset_atlas.catalog.local.frame import LIST_SEP
from dataset_atlas.citation import FILE_SUFFIX, build_citation, format_citations
from dataset_atlas.geometry import Box
from dataset_atlas.model import DatasetRecord
from dataset_atlas.normalize.categories import category_label

if TYPE_CHECKING:
    from dataset_atlas.catalog.base import Query

GetRecord = Callable[[str], DatasetRecord | None]
CHUNK_ROWS = 2000  # rows (and their records) an export holds at a time

CSV_COLUMNS = [
    "id", "title_zh", "title_en", "category", "category_en", "west", "south", "east", "north", "extent_quality",
    "start", "end", "ongoing", "resolution_m", "resolution_text", "time_resolution", "access",
    "formats", "licence", "keywords", "size_bytes", "file_count", "source_kind",
]  # fmt: skip
# Columns taken from the records themselves (only when the export is given a way to read them).
RECORD_COLUMNS = ["cstr", "doi", "landing_page", "licence_url", "publisher", "contact", "abstract_zh",
                  "abstract_en"]


def result_records(frame: pd.DataFrame, get: GetRecord) -> list[DatasetRecord | None]:
    """The records of the result's rows, aligned with them (read in index order)."""
    ids = frame["id"].tolist()
    out: list[DatasetRecord | None] = [None] * len(ids)
    for i in np.argsort(frame.index.to_numpy(), kind="stable"):  # the catalog's positions
        out[int(i)] = get(ids[int(i)])
    return out


def record_fields(record: DatasetRecord | None) -> dict[str, str]:
    """The way to the data of one record, as export fields (every DOI, joined by '; ')."""
    if record is None:
        return dict.fromkeys(RECORD_COLUMNS, "")
    contacts = [p for p in record.contributors if p.role in ("contact", "data service")]
    return {
        "cstr": record.cstr,
        "doi": "; ".join(record.dois or ((record.doi,) if record.doi else ())),
        "landing_page": record.landing_page,
        "licence_url": record.licence_url,
        "publisher": record.publisher.en or record.publisher.zh,
        # names and institutions only: e-mail addresses never leave the raw record
        "contact": "; ".join(p.name + (f" ({p.institution})" if p.institution else "") for p in contacts),
        "abstract_zh": record.abstract_text.zh,
        "abstract_en": record.abstract_text.en,
    }


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _day(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def search_rows(frame: pd.DataFrame, get: GetRecord | None = None) -> list[dict[str, Any]]:
    """Rows in the CLI's JSON contract: id, title{zh,en}, category, bbox, extent_quality, ...

    With ``get``, each row also carries :data:`RECORD_COLUMNS` (CSTR, DOI, landing page, ...).
    """
    rows = []
    records = result_records(frame, get) if get is not None else None
    for i, r in enumerate(frame.to_dict("records")):
        bbox = None if math.isnan(r["west"]) else [float(r[k]) for k in ("west", "south", "east", "north")]
        rows.append({
            "id": r["id"],
            "title": {"zh": r["title_zh"], "en": r["title_en"]},
            "category": r["category"],
            "category_label": {"zh": category_label(r["category"], "zh"), "en": category_label(r["category"], "en")},
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
            **(record_fields(records[i]) if records is not None else {}),
        })
    return rows


def result_to_geojson(frame: pd.DataFrame, get: GetRecord | None = None) -> str:
    """A FeatureCollection; boxes crossing 180° become MultiPolygons split at the antimeridian."""
    return "".join(iter_geojson(frame, get))


def iter_geojson(frame: pd.DataFrame, get: GetRecord | None = None, chunk: int = CHUNK_ROWS) -> Iterator[str]:
    """:func:`result_to_geojson`'s text in pieces of ``chunk`` features (the same bytes, joined)."""
    yield '{"type": "FeatureCollection", "features": ['
    for start in range(0, len(frame), chunk):
        features = []
        for row in search_rows(frame.iloc[start:start + chunk], get):
            bbox = row.pop("bbox")
            features.append(json.dumps({"type": "Feature", "id": row["id"], "bbox": bbox,
                                        "geometry": _geometry(bbox), "properties": row}, ensure_ascii=False))
        yield (", " if start else "") + ", ".join(features)
    yield "]}"


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


def result_to_csv(frame: pd.DataFrame, get: GetRecord | None = None) -> str:
    """CSV with one row per dataset (lists joined by '; '), UTF-8 with BOM for Excel.

    With ``get``, the columns of :data:`RECORD_COLUMNS` follow (CSTR, DOI, landing page, ...).
    """
    return "".join(iter_csv(frame, get))


def iter_csv(frame: pd.DataFrame, get: GetRecord | None = None, chunk: int = CHUNK_ROWS) -> Iterator[str]:
    """:func:`result_to_csv`'s text in pieces of ``chunk`` rows (the same bytes, joined): an
    export holds one chunk of rows and records at a time, not the whole result."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel needs the BOM to read Chinese text as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS + (RECORD_COLUMNS if get is not None else []))
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk]
        records = result_records(part, get) if get is not None else None
        part = part.assign(category_en=[category_label(c, "en") for c in part["category"]])
        for i, r in enumerate(part[CSV_COLUMNS].itertuples(index=False)):
            row = []
            for col, value in zip(CSV_COLUMNS, r, strict=True):
                if col in ("formats", "keywords"):
                    value = "; ".join(str(value).split(LIST_SEP)) if value else ""
                elif col in ("start", "end"):
                    value = _day(value) or ""
                elif pd.isna(value):
                    value = ""
                row.append(_csv_safe(value))
            if records is not None:
                row.extend(_csv_safe(v) for v in record_fields(records[i]).values())
            writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # the header of an empty result


def result_citations(frame: pd.DataFrame, get: GetRecord, fmt: str, lang: str) -> str:
    """The citations of every dataset of the result, in one file of format ``fmt``."""
    records = [r for r in result_records(frame, get) if r is not None]
    return format_citations((build_citation(r, lang) for r in records), fmt)


_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def export_file_name(query: Query | None, shown: int, total: int, kind: str, *,
                     today: date | None = None) -> str:
    """A file name that says what was exported, e.g.
    ``datasets_3-of-126_text-permafrost_category-冻土_2000-2010_2026-11-25.csv``.

    ``kind`` is ``csv``, ``geojson`` or a citation format (``bibtex`` → ``citations_….bib``).
    """
    parts = ["citations" if kind in FILE_SUFFIX else "datasets", f"{shown}-of-{total}"]
    if query is not None:
        if query.text.strip():
            parts.append("text-" + query.text.strip())
        for name, values in (("category", query.categories), ("access", query.access),
                             ("format", query.formats), ("time", query.time_resolutions)):
            if values:
                parts.append(f"{name}-" + "+".join(values))
        if query.start or query.end:
            parts.append(f"{query.start.year if query.start else ''}-{query.end.year if query.end else ''}")
        if query.bbox is not None:
            parts.append("area-" + ",".join(f"{v:g}" for v in query.bbox))
        if query.min_resolution_m is not None or query.max_resolution_m is not None:
            parts.append("res-" + "-".join("" if v is None else f"{v:g}"
                                           for v in (query.min_resolution_m, query.max_resolution_m)) + "m")
    parts.append((today or date.today()).isoformat())
    stem = "_".join(_UNSAFE_NAME.sub("-", p).strip("-") for p in parts)[:150].rstrip("-_")
    return f"{stem}.{FILE_SUFFIX.get(kind, kind)}"


def _csv_safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in untrusted text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
