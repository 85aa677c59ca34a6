"""Typed, normalised dataset records.

Records are frozen dataclasses. Readers (``sources/``) parse what they know and keep the
source document in ``raw`` so nothing is lost; ``to_dict``/``from_dict`` round-trip the
normalised form exactly (the index stores it as JSON).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import orjson

from dataset_atlas.bbox import BBox, lon_intervals
from dataset_atlas.errors import RecordError


class ExtentQuality(StrEnum):
    """How far a record's extent can be trusted."""

    EXACT = "exact"
    POINT = "point"
    APPROXIMATE = "approximate"  # guessed from the place name through the gazetteer
    CORRECTED = "corrected"  # repaired (swapped or clamped values); see the record warnings
    MISSING = "missing"


class TimeResolution(StrEnum):
    """Temporal resolution classes used for filtering."""

    HOURLY = "hourly"
    DAILY = "daily"
    # Composite periods of satellite products (MODIS 4/8/16-day), pentads (候) and dekads (旬).
    FOUR_DAY = "4-day"
    FIVE_DAY = "5-day"
    WEEKLY = "weekly"
    EIGHT_DAY = "8-day"
    TEN_DAY = "10-day"
    SIXTEEN_DAY = "16-day"
    MONTHLY = "monthly"
    YEARLY = "yearly"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Extent:
    """A WGS84 box (W, S, E, N); ``west > east`` means it crosses the antimeridian."""

    bbox: BBox | None
    quality: ExtentQuality = ExtentQuality.MISSING
    note: str = ""

    @property
    def crosses_antimeridian(self) -> bool:
        """True when the box wraps across 180°."""
        return self.bbox is not None and self.bbox[0] > self.bbox[2]

    @property
    def is_point(self) -> bool:
        """True when the box has no width and no height (a station)."""
        return self.bbox is not None and self.bbox[0] == self.bbox[2] and self.bbox[1] == self.bbox[3]

    def lon_parts(self) -> list[tuple[float, float]]:
        """Longitude intervals on the [-180, 180] line: two when the box crosses 180°."""
        if self.bbox is None:
            return []
        return lon_intervals(self.bbox[0], self.bbox[2])


@dataclass(frozen=True)
class TimeSpan:
    """Acquisition period; ``end`` None with a start means ongoing."""

    start: date | None = None
    end: date | None = None

    @property
    def ongoing(self) -> bool:
        """A start without an end: the dataset is still being collected."""
        return self.start is not None and self.end is None


@dataclass(frozen=True)
class Resolution:
    """Spatial resolution: cell size in metres plus the original text."""

    metres: float | None = None
    text: str = ""
    angular: bool = False  # given in degrees/arc-seconds; metres computed at the equator


@dataclass(frozen=True)
class LocalText:
    """A text in Chinese and English; each falls back to the other when empty."""

    zh: str = ""
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang`` ('zh' or 'en'), falling back to the other language."""
        first, second = (self.en, self.zh) if lang == "en" else (self.zh, self.en)
        return first or second


@dataclass(frozen=True)
class Person:
    """A contributor. E-mail addresses stay in the raw document only (personal data)."""

    name: str
    institution: str = ""
    country: str = ""
    role: str = "contributor"


@dataclass(frozen=True)
class Link:
    """A link or asset of a record (STAC links/assets, data files)."""

    href: str
    rel: str = ""
    title: str = ""
    media_type: str = ""
    roles: tuple[str, ...] = ()  # STAC asset roles ("data", "metadata", "thumbnail", ...)


@dataclass(frozen=True)
class Reference:
    """A publication that describes or uses the dataset (not the dataset's own citation)."""

    text: str
    doi: str = ""


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset, normalised from an NCDC record or a STAC collection."""

    id: str
    source_kind: str  # "ncdc" | "stac"
    source_path: str = ""
    title: LocalText = field(default_factory=LocalText)
    abstract_html: LocalText = field(default_factory=LocalText)  # sanitised, safe to display
    abstract_text: LocalText = field(default_factory=LocalText)  # plain, for search
    category: str = ""
    keywords: tuple[str, ...] = ()
    place: LocalText = field(default_factory=LocalText)
    extent: Extent = field(default_factory=lambda: Extent(None))
    time: TimeSpan = field(default_factory=TimeSpan)
    resolution: Resolution = field(default_factory=Resolution)
    time_resolution: TimeResolution = TimeResolution.UNKNOWN
    time_resolution_text: str = ""
    formats: tuple[str, ...] = ()
    projection: str = ""
    access: str = ""
    licence: str = ""
    cstr: str = ""
    doi: str = ""  # the dataset's first DOI (``dois[0]``)
    citation: LocalText = field(default_factory=LocalText)  # the record's own citation text, if any
    size_bytes: int | None = None
    file_count: int | None = None
    contributors: tuple[Person, ...] = ()
    thumbnail: str = ""
    links: tuple[Link, ...] = ()
    warnings: tuple[str, ...] = ()
    # Added for citations and the way to the data (all optional: older indexes load as before).
    dois: tuple[str, ...] = ()  # every DOI of the dataset itself (Landsat C2 L2 has one per sensor)
    published: date | None = None  # publication date: a citation's year, never the data's start
    publisher: LocalText = field(default_factory=LocalText)
    landing_page: str = ""  # the dataset's page at its publisher (https only)
    licence_url: str = ""
    source_html: LocalText = field(default_factory=LocalText)  # NCDC: data source (sanitised)
    processing_html: LocalText = field(default_factory=LocalText)  # NCDC: processing method
    quality_html: LocalText = field(default_factory=LocalText)  # NCDC: data quality
    references: tuple[Reference, ...] = ()  # related papers (NCDC paper_ref_way, STAC sci:publications)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def cstr_url(self) -> str:
        """Resolvable CSTR link, or empty."""
        return f"https://cstr.cn/{self.cstr}" if self.cstr else ""

    @property
    def doi_url(self) -> str:
        """Resolvable DOI link, or empty."""
        return f"https://doi.org/{self.doi}" if self.doi else ""

    def to_dict(self, *, include_raw: bool = True) -> dict[str, Any]:
        """JSON-safe dict of the normalised record (dates ISO, enums as strings)."""
        out = _plain(asdict(self))
        if not include_raw:
            out.pop("raw", None)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetRecord:
        """Inverse of :meth:`to_dict`."""
        ext = data.get("extent") or {}
        bbox = ext.get("bbox")
        span = data.get("time") or {}
        res = data.get("resolution") or {}
        kwargs: dict[str, Any] = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        kwargs.update(
            title=LocalText(**data.get("title", {})),
            abstract_html=LocalText(**data.get("abstract_html", {})),
            abstract_text=LocalText(**data.get("abstract_text", {})),
            place=LocalText(**data.get("place", {})),
            citation=LocalText(**data.get("citation", {})),
            publisher=LocalText(**data.get("publisher", {})),
            source_html=LocalText(**data.get("source_html", {})),
            processing_html=LocalText(**data.get("processing_html", {})),
            quality_html=LocalText(**data.get("quality_html", {})),
            dois=tuple(data.get("dois", ())),
            published=date.fromisoformat(data["published"]) if data.get("published") else None,
            references=tuple(Reference(**r) for r in data.get("references", ())),
            keywords=tuple(data.get("keywords", ())),
            formats=tuple(data.get("formats", ())),
            warnings=tuple(data.get("warnings", ())),
            extent=Extent(
                bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
                quality=ExtentQuality(ext.get("quality", "missing")),
                note=ext.get("note", ""),
            ),
            time=TimeSpan(
                start=date.fromisoformat(span["start"]) if span.get("start") else None,
                end=date.fromisoformat(span["end"]) if span.get("end") else None,
            ),
            resolution=Resolution(
                metres=res.get("metres"), text=res.get("text", ""), angular=res.get("angular", False)
            ),
            time_resolution=TimeResolution(data.get("time_resolution", "unknown")),
            contributors=tuple(Person(**p) for p in data.get("contributors", ())),
            links=tuple(Link(**{**lk, "roles": tuple(lk.get("roles", ()))}) for lk in data.get("links", ())),
            raw=dict(data.get("raw") or {}),
        )
        return cls(**kwargs)


def _plain(value: Any) -> Any:
    """Make dataclass dumps JSON-safe: dates to ISO text, tuples to lists, NaN to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_fast(value: Any) -> Any:
    """``DatasetRecord.to_dict`` without its deep copy: dataclasses, enums, dates, tuples.

    Dicts (the raw source document, parsed JSON) are passed through as they are; the caller
    serialises with ``allow_nan=False`` and falls back to ``to_dict`` if anything is odd.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is tuple or kind is list:
        return [_plain_fast(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(value):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain_fast(getattr(value, name)) for name in names}
    return value  # float, dict: json.dumps checks them


def encode_record(record: DatasetRecord) -> bytes:
    """The record as stored in the index: ``json.dumps(record.to_dict())``, compact, UTF-8.

    About ten times faster than ``to_dict``. Raises :class:`RecordError` (naming the record's
    file) when the record cannot be stored, e.g. a raw document nested too deeply.
    """
    try:
        # orjson writes dataclasses, enums, dates and NaN (as null) exactly as to_dict does.
        return orjson.dumps(record)
    except TypeError:  # an integer beyond 64 bits, nesting beyond 255, a non-text key ...
        pass
    try:
        try:
            text = json.dumps(_plain_fast(record), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):  # NaN/inf or an unexpected type: the exact, slow path
            text = json.dumps(record.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8")
    except RecursionError as exc:
        raise RecordError(record.source_path, "record cannot be stored: nested too deeply") from exc
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError included
        raise RecordError(record.source_path, f"record cannot be stored: {exc}") from exc
