"""What every catalog backend speaks: a :class:`Query` in, a :class:`SearchResult` out.

:class:`Catalog` is the protocol the pages and the CLI talk to; :class:`CatalogSource` says
where a catalog lives; :class:`IngestReport` (defined in :mod:`dataset_atlas.ingest_report`,
beside the readers that fill it) is what the last ingest did. Nothing here imports a backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from dataset_atlas.ingest_report import IngestReport, Rejected
from dataset_atlas.model import BBox, DatasetRecord

__all__ = ["Catalog", "CatalogSource", "IngestReport", "Query", "Rejected", "SearchResult"]


@dataclass(frozen=True)
class Query:
    """What the user asked for. Empty fields do not filter."""

    bbox: BBox | None = None
    start: date | None = None
    end: date | None = None
    categories: tuple[str, ...] = ()
    min_resolution_m: float | None = None  # cell size bounds: max 1000 keeps 1 km and finer
    max_resolution_m: float | None = None
    time_resolutions: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    extent_qualities: tuple[str, ...] = ()
    text: str = ""
    sort: str = "title"
    limit: int | None = None
    offset: int = 0  # rows skipped before the limit (paging); counts and facets ignore it
    ids: tuple[str, ...] = field(default=())

    def without(self, facet: str) -> Query:
        """This query with one facet's filter removed (for that facet's counts)."""
        name = {"category": "categories", "time_resolution": "time_resolutions",
                "extent_quality": "extent_qualities"}.get(facet, facet)
        return replace(self, **{name: ()})  # type: ignore[arg-type]


@dataclass(frozen=True)
class CatalogSource:
    """Where a catalog lives: ``kind`` is seeds, index, pgstac or stac-api."""

    kind: str
    location: str  # a path or URL (may hold a password: show :attr:`display`)

    @property
    def display(self) -> str:
        """The location with any password replaced by ``***`` (safe to print or show)."""
        if self.kind not in ("pgstac", "stac-api"):
            return self.location
        parts = urlsplit(self.location)
        if parts.password is None:
            return self.location
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class SearchResult:
    """Rows matching a query (sorted, limited), with counts and facets."""

    frame: pd.DataFrame
    matched: int
    total: int
    facets: dict[str, dict[str, int]]
    without_extent: int  # matched rows that have no extent (not drawn, still listed)
    # the glossary translations the free text also searched (catalog.glossary.also_searched)
    expanded: tuple[str, ...] = ()


class Catalog(Protocol):
    """What the pages and the CLI need from a catalog backend."""

    report: IngestReport
    source: CatalogSource
    facets_available: bool  # False where the backend cannot count facets (a plain STAC API)
    # The most rows a page should read for one result (None: all). A database catalog caps
    # what each app process holds; matched, total and the facets still count every record.
    result_rows: int | None

    def __len__(self) -> int:
        """Number of records."""
        ...

    def time_span(self) -> tuple[date | None, date | None]:
        """The earliest and latest date any record's time span names (start or end)."""
        ...

    def search(self, query: Query) -> SearchResult:
        """Records matching ``query`` with facet counts."""
        ...

    def get(self, record_id: str) -> DatasetRecord | None:
        """The whole normalised record, or None."""
        ...

    def values(self, column: str) -> list[str]:
        """Distinct values of a facet column across the whole catalog."""
        ...
