"""The catalog: records behind a small interface the pages and the CLI talk to.

:class:`Catalog` is the interface; :class:`LocalCatalog` holds an in-memory index frame
(built from files or loaded from GeoParquet). A second backend, e.g. a STAC API served by an
existing engine, implements the same four methods and the pages do not change.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
from dataset_atlas.sources.discover import IngestReport

SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"
DEFAULT_INDEX_ENV = "DATASET_ATLAS_INDEX"
_NOT_IN_RESULTS = frozenset({"search_text", "record"})  # large, and only the catalog itself reads them

__all__ = ["Catalog", "LocalCatalog", "Query", "SearchResult", "default_index_path", "open_catalog"]


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

    def __len__(self) -> int:
        """Number of records."""
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

    def __init__(self, frame: pd.DataFrame, report: IngestReport | None = None,
                 text_index: Callable[[str], np.ndarray] | None = None,
                 records: RecordStore | None = None) -> None:
        self.frame = frame if _is_range_indexed(frame) else frame.reset_index(drop=True)
        self.report = report or IngestReport(ingested=len(frame))
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
        frame, report = frame_from_paths(paths, progress=progress)
        return cls(frame, report)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LocalCatalog:
        """Open a saved index."""
        # The record column (most of the file) stays on disk until a record is asked for.
        frame, report = load_index(path, records=False)
        return cls(frame, report, records=RecordStore(path))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index (atomically)."""
        frame = self.frame
        if "record" not in frame and self._records is not None:
            frame = frame.assign(record=self._records.column().to_numpy())
        return save_index(frame, self.report, path)

    def __len__(self) -> int:
        return len(self.frame)

    def search(self, query: Query) -> SearchResult:
        """Filter, count facets, sort and limit."""
        text_index = self.text_index if query.text.strip() else None
        masks = filter_masks(self.frame, query, text_index, self.codes)
        keep = combine(masks, len(self.frame))
        positions = self._sorted(np.flatnonzero(keep), query.sort, query.text)
        matched = len(positions)
        without = int(np.isnan(self.frame["west"].to_numpy(dtype="float64", na_value=np.nan)[positions]).sum())
        if query.limit is not None:
            positions = positions[: max(query.limit, 0)]
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
    """``$DATASET_ATLAS_INDEX`` when set, else ``./data/index.parquet`` if it exists."""
    env = os.environ.get(DEFAULT_INDEX_ENV)
    if env:
        return Path(env)
    local = Path("data") / "index.parquet"
    return local if local.is_file() else None


def open_catalog(index: str | os.PathLike[str] | None = None) -> LocalCatalog:
    """The index given, else the default index, else the embedded seeds."""
    path = Path(index) if index else default_index_path()
    if path is not None:
        return LocalCatalog.load(path)
    return LocalCatalog.from_paths([SEEDS_DIR])
