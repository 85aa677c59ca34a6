"""The catalog: records behind a small interface the pages and the CLI talk to.

:class:`Catalog` is the interface; :class:`LocalCatalog` holds an in-memory index frame
(built from files or loaded from GeoParquet). :mod:`dataset_atlas.catalog.pgstac` keeps the
records in PostgreSQL + pgstac and :mod:`dataset_atlas.catalog.stacapi` reads any STAC API;
:func:`open_catalog` picks one from a location (a path or a URL), and the pages never know which.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd

from dataset_atlas.catalog.index import RecordStore, load_index, records_to_frame, save_index
from dataset_atlas.catalog.ingest import frame_from_paths
from dataset_atlas.catalog.query import (
    SORT_KEYS,
    FrameCodes,
    Query,
    combine,
    facet_counts,
    filter_masks,
    relevance_scores,
    sort_frame,
    text_terms,
)
from dataset_atlas.catalog.textindex import TextIndex
from dataset_atlas.errors import QueryError
from dataset_atlas.model import DatasetRecord
from dataset_atlas.settings import Settings, seeds_dir
from dataset_atlas.sources.discover import IngestReport

_NOT_IN_RESULTS = frozenset({"search_text", "record"})  # large, and only the catalog itself reads them
PGSTAC_SCHEMES = ("postgresql", "postgres")
STAC_API_SCHEMES = ("stac+http", "stac+https")

__all__ = ["Catalog", "CatalogSource", "LocalCatalog", "Query", "SearchResult", "catalog_source",
           "default_index_path", "open_catalog"]


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


class LocalCatalog:
    """A catalog held in memory as the index frame."""

    facets_available = True
    result_rows: int | None = None  # the rows are in memory already

    def __init__(self, frame: pd.DataFrame, report: IngestReport | None = None,
                 text_index: Callable[[str], np.ndarray] | None = None,
                 records: RecordStore | None = None, source: CatalogSource | None = None) -> None:
        self.frame = frame if _is_range_indexed(frame) else frame.reset_index(drop=True)
        self.report = report or IngestReport(ingested=len(frame))
        self.source = source or CatalogSource("records", "(built in memory)")
        self._positions = pd.Index(self.frame["id"])
        self._text_index = text_index
        self._result_columns = [c for c in self.frame.columns if c not in _NOT_IN_RESULTS]
        self._warming: threading.Thread | None = None
        self._scanner: TextIndex | None = None  # byte scan used until the index is built
        self._records = records  # the record column on disk, when the frame was loaded without it
        self._codes: FrameCodes | None = None
        self._ranks: dict[str, np.ndarray] = {}

    @property
    def text_index(self) -> Callable[[str], np.ndarray]:
        """The free-text matcher; a :class:`TextIndex` built on first use unless one was given.

        While :meth:`warm_text_index` is still building it, queries scan instead (same rows).
        """
        if self._text_index is None:
            if self._warming is not None and self._warming.is_alive():
                if self._scanner is None:
                    self._scanner = TextIndex(self.frame["search_text"], signatures=False)
                return self._scanner
            self._text_index = TextIndex(self.frame["search_text"])
        return self._text_index

    def warm_text_index(self) -> threading.Thread | None:
        """Build the text index in a background thread, so no keystroke waits for it."""
        if self._text_index is not None or (self._warming is not None and self._warming.is_alive()):
            return self._warming

        def build() -> None:
            index = TextIndex(self.frame["search_text"])
            self._text_index = index
            self._scanner = None

        self._warming = threading.Thread(target=build, name="text-index", daemon=True)
        self._warming.start()
        return self._warming

    @property
    def codes(self) -> FrameCodes:
        """Facet columns as integer codes (built on first use)."""
        if self._codes is None:
            self._codes = FrameCodes.build(self.frame)
        return self._codes

    @classmethod
    def from_records(cls, records: Sequence[DatasetRecord], report: IngestReport | None = None) -> LocalCatalog:
        """Build from records already read."""
        return cls(records_to_frame(records), report)

    @classmethod
    def from_paths(cls, paths: Iterable[str | os.PathLike[str]],
                   progress: Callable[[int], None] | None = None) -> LocalCatalog:
        """Read every record file under ``paths`` (large inputs in worker processes)."""
        paths = list(paths)
        frame, report = frame_from_paths(paths, progress=progress)
        return cls(frame, report, source=CatalogSource("files", ", ".join(os.fspath(p) for p in paths)))

    @classmethod
    def seeds(cls) -> LocalCatalog:
        """The embedded seed records (shipped inside the package)."""
        catalog = cls.from_paths([seeds_dir()])
        catalog.source = CatalogSource("seeds", str(seeds_dir()))
        return catalog

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LocalCatalog:
        """Open a saved index."""
        # The record column (most of the file) stays on disk until a record is asked for.
        frame, report = load_index(path, records=False)
        return cls(frame, report, records=RecordStore(path), source=CatalogSource("index", os.fspath(path)))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index (atomically)."""
        frame = self.frame
        if "record" not in frame and self._records is not None:
            frame = frame.assign(record=self._records.column().to_numpy())
        return save_index(frame, self.report, path)

    def __len__(self) -> int:
        return len(self.frame)

    def time_span(self) -> tuple[date | None, date | None]:
        """Earliest and latest of every start and end."""
        ends = [ts for col in ("start", "end") for ts in (self.frame[col].min(), self.frame[col].max())
                if not pd.isna(ts)]
        if not ends:
            return None, None
        return min(ends).date(), max(ends).date()

    def search(self, query: Query) -> SearchResult:
        """Filter, count facets, sort and limit."""
        text_index = self.text_index if query.text.strip() else None
        masks = filter_masks(self.frame, query, text_index, self.codes)
        keep = combine(masks, len(self.frame))
        positions = self._sorted(np.flatnonzero(keep), query.sort, query.text)
        matched = len(positions)
        without = int(np.isnan(self.frame["west"].to_numpy(dtype="float64", na_value=np.nan)[positions]).sum())
        offset = max(query.offset, 0)
        if query.limit is not None or offset:
            positions = positions[offset: None if query.limit is None else offset + max(query.limit, 0)]
        # The search text is most of the frame's memory and no view needs it: leave it out.
        rows = self.frame[self._result_columns].take(positions)
        return SearchResult(rows, matched, len(self.frame), facet_counts(self.frame, masks, self.codes), without)

    def _sorted(self, positions: np.ndarray, sort: str, text: str = "") -> np.ndarray:
        """``positions`` in the order of :func:`sort_frame` on those rows (ranks computed once)."""
        if sort not in SORT_KEYS:
            raise QueryError(f"sort {sort!r}: expected one of {', '.join(SORT_KEYS)}")
        if sort.startswith("relevance"):  # by title, then the free-text matches best first
            by_title = self._sorted(positions, "title" if sort == "relevance" else "title_zh")
            if not text_terms(text):
                return by_title
            scores = relevance_scores(self.frame, text, by_title)
            return by_title[np.argsort(-scores, kind="stable")]
        rank = self._ranks.get(sort)
        if rank is None:
            # A stable sort of the whole frame ranks every row; a subset sorted by rank is
            # in the order a stable sort of the subset gives, ties by position included.
            order = sort_frame(self.frame[[SORT_KEYS[sort][0]]], sort).index.to_numpy()
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._ranks[sort] = rank
        return positions[np.argsort(rank[positions], kind="stable")]

    def get(self, record_id: str) -> DatasetRecord | None:
        """The normalised record with this id."""
        try:
            pos = self._positions.get_loc(record_id)
        except KeyError:
            return None
        if not isinstance(pos, int | np.integer):
            return None
        if "record" in self.frame or self._records is None:
            text = str(self.frame["record"].iat[int(pos)])
        else:
            text = self._records.get(int(pos), record_id)
        return DatasetRecord.from_dict(json.loads(text))

    def values(self, column: str) -> list[str]:
        """Distinct non-empty values of a column (formats split), sorted by frequency."""
        if column == "formats":
            counts = self.frame[column].str.split("\u001f").explode().value_counts()
        else:
            counts = self.frame[column].value_counts()
        return [str(v) for v in counts.index if str(v)]


def _is_range_indexed(frame: pd.DataFrame) -> bool:
    index = frame.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def default_index_path() -> Path | None:
    """The GeoParquet index the settings name (``$DATASET_ATLAS_INDEX`` or ``data/index.parquet``), if any."""
    location = Settings.from_env().catalog_location()
    return None if location is None or _scheme(location) else Path(location)


def _scheme(location: str) -> str:
    """The URL scheme of a catalog location, or "" for a path (Windows drive letters included)."""
    scheme = urlsplit(location).scheme.lower() if "://" in location else ""
    return scheme


def catalog_source(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> CatalogSource:
    """What :func:`open_catalog` would open for ``location`` (None: the settings' catalog)."""
    found = (settings or Settings.from_env()).catalog_location(location)
    if found is None:
        return CatalogSource("seeds", str(seeds_dir()))
    scheme = _scheme(found)
    if scheme in PGSTAC_SCHEMES:
        return CatalogSource("pgstac", found)
    if scheme in STAC_API_SCHEMES:
        return CatalogSource("stac-api", found)
    if scheme:
        raise QueryError(f"catalog {found!r}: unknown scheme {scheme!r}; expected a path, postgresql://… "
                         "or stac+http(s)://…")
    return CatalogSource("index", found)


def open_catalog(location: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> Catalog:
    """The catalog at ``location`` (a path or URL), else the settings' catalog, else the embedded seeds."""
    settings = settings or Settings.from_env()
    source = catalog_source(location, settings)
    if source.kind == "pgstac":
        from dataset_atlas.catalog.pgstac import RESULT_ROWS, PgstacCatalog

        return PgstacCatalog(source.location, result_rows=settings.result_rows or RESULT_ROWS)
    if source.kind == "stac-api":
        from dataset_atlas.catalog.stacapi import StacApiCatalog

        return StacApiCatalog(source.location)
    if source.kind == "index":
        return LocalCatalog.load(source.location)
    return LocalCatalog.seeds()
