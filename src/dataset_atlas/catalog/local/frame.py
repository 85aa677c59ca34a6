"""The index frame: one row per record, with flat, typed columns for filtering (bbox as
four floats, dates, resolution in metres, ...), the search text and the whole normalised
record as JSON for the detail view.

Every backend holds these columns: the GeoParquet index saves the frame, the database
catalog writes its rows from it (:mod:`dataset_atlas.catalog.pgstac.write`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from dataset_atlas.catalog.terms import normalise, normalise_array
from dataset_atlas.geometry import Box
from dataset_atlas.model import DatasetRecord, Extent
from dataset_atlas.model import encode_record as record_json_bytes

LIST_SEP = "\u001f"  # joins list values (keywords, formats) inside one string column

COLUMNS = [
    "id", "source_kind", "source_path", "title_zh", "title_en", "category", "keywords", "formats",
    "place_zh", "place_en", "west", "south", "east", "north", "extent_quality", "start", "end",
    "ongoing", "resolution_m", "resolution_text", "time_resolution", "access", "licence",
    "size_bytes", "file_count", "search_text", "record",
]  # fmt: skip


# A STAC collection's one-line summary (Planetary Computer's): often the only place a word
# such as "near-global" is written (Copernicus DEM)
_SUMMARY_KEYS = ("msft:short_description",)


def search_fields(record: DatasetRecord) -> str:
    """The fields free text is searched in, one a line, as written (:func:`search_text` normalises them)."""
    raw = record.raw if isinstance(record.raw, dict) else {}
    summaries = [value for key in _SUMMARY_KEYS if isinstance(value := raw.get(key), str)]
    parts = [record.id, record.title.zh, record.title.en, record.abstract_text.zh, record.abstract_text.en,
             *summaries, record.place.zh, record.place.en, record.category, *record.keywords]
    return "\n".join(p for p in parts if p)


def search_text(record: DatasetRecord) -> str:
    """The text that free-text search runs over (both languages), one field a line, in its
    searchable form (:mod:`dataset_atlas.catalog.terms`)."""
    return normalise(search_fields(record))


def record_json(record: DatasetRecord) -> str:
    """``json.dumps(record.to_dict())``, compact, about ten times faster than ``to_dict``."""
    return record_json_bytes(record).decode("utf-8")


def records_to_frame(records: Sequence[DatasetRecord], encoded: Sequence[bytes] | None = None) -> pd.DataFrame:
    """Flatten records into the index frame; ``encoded`` is their stored JSON when known."""
    rows: list[dict[str, Any]] = []
    for r in records:
        bbox = r.extent.bbox or (np.nan, np.nan, np.nan, np.nan)
        rows.append({
            "id": r.id, "source_kind": r.source_kind, "source_path": r.source_path,
            "title_zh": r.title.get("zh"), "title_en": r.title.get("en"), "category": r.category,
            "keywords": LIST_SEP.join(r.keywords), "formats": LIST_SEP.join(r.formats),
            "place_zh": r.place.get("zh"), "place_en": r.place.get("en"),
            "west": bbox[0], "south": bbox[1], "east": bbox[2], "north": bbox[3],
            "extent_quality": str(r.extent.quality),
            "start": r.time.start, "end": r.time.end, "ongoing": r.time.ongoing,
            "resolution_m": r.resolution.metres if r.resolution.metres is not None else np.nan,
            "resolution_text": r.resolution.text, "time_resolution": str(r.time_resolution),
            "access": r.access, "licence": r.licence,
            "size_bytes": r.size_bytes, "file_count": r.file_count,
        })
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("search_text", "record")])
    # The two large text columns go straight into Arrow: building them through Python str
    # objects was most of the frame's cost (the record JSON is already UTF-8 from orjson).
    texts = pa.array([search_fields(r) for r in records], type=pa.large_string())
    frame["search_text"] = normalise_array(texts).to_pandas()
    if encoded is None:
        encoded = [record_json_bytes(r) for r in records]
    frame["record"] = pa.array(encoded, type=pa.large_binary()).cast(
        pa.large_string()).to_pandas()
    return normalize_frame_types(frame[COLUMNS])


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("west", "south", "east", "north", "resolution_m"), "float64"),
    "start": "datetime64[s]", "end": "datetime64[s]", "size_bytes": "Int64", "file_count": "Int64",
    "ongoing": "bool",
}


def normalize_frame_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the index columns their dtypes (after building or loading).

    Columns already in their final dtype are left alone, so a saved index (written typed)
    loads without conversions.
    """
    dtypes = frame.dtypes  # (once: a column lookup per check costs more than a small page's conversion)
    for col, dtype in _DTYPES.items():
        if col not in dtypes or dtypes[col] == dtype:
            continue
        if dtype.startswith("datetime"):
            frame[col] = pd.to_datetime(frame[col], errors="coerce").astype(dtype)
        elif dtype == "bool":
            frame[col] = frame[col].astype(bool)
        elif dtype == "Int64" and getattr(frame[col].dtype, "kind", "") in ("O", "u"):
            # Ints straight from records: exact, and beyond int64 (bad input) is missing.
            frame[col] = pd.array([int(v) if isinstance(v, int | np.integer) and _INT64_MIN <= v <= _INT64_MAX
                                   else None for v in frame[col].tolist()], dtype="Int64")
        else:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(dtype)
    for col in COLUMNS:
        if col in dtypes and col not in _DTYPES and dtypes[col] == np.dtype("O"):
            frame[col] = frame[col].fillna("").astype(str)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return frame


def extent_geometry(extent: Extent) -> shapely.Geometry | None:
    """WGS84 geometry of an extent: a point, a box, or two boxes split at 180°."""
    if extent.bbox is None:
        return None
    w, s, e, n = extent.bbox
    if extent.is_point:
        return shapely.Point(w, s)
    parts = [shapely.box(*part) for part in Box(w, s, e, n).split()]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def frame_geometries(frame: pd.DataFrame) -> np.ndarray:
    """Vectorised :func:`extent_geometry` for the bbox columns of a frame."""
    w, s, e, n = (frame[c].to_numpy(dtype="float64") for c in ("west", "south", "east", "north"))
    out = np.full(len(frame), None, dtype=object)
    has = ~np.isnan(w)
    point = has & (w == e) & (s == n)
    cross = has & (w > e) & ~point
    plain = has & ~point & ~cross
    out[point] = shapely.points(w[point], s[point])
    out[plain] = shapely.box(w[plain], s[plain], e[plain], n[plain])
    for i in np.flatnonzero(cross):
        out[i] = shapely.MultiPolygon([shapely.box(*part) for part in Box(w[i], s[i], e[i], n[i]).split()])
    return out
