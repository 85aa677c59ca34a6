"""The catalog: records behind a small interface the pages and the CLI talk to.

:class:`Catalog` is the interface; :class:`LocalCatalog` holds an in-memory index frame
(built from files or loaded from GeoParquet). A second backend, e.g. a STAC API served by an
existing engine, implements the same four methods and the pages do not change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from dataset_atlas.catalog.index import load_index, records_to_frame, save_index
from dataset_atlas.catalog.query import Query, combine, facet_counts, filter_masks, sort_frame
from dataset_atlas.model import DatasetRecord
from dataset_atlas.sources.discover import IngestReport, read_paths

SEEDS_DIR = Path(__file__).resolve().parents[3] / "seeds"
DEFAULT_INDEX_ENV = "DATASET_ATLAS_INDEX"

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
                 text_index: Callable[[str], np.ndarray] | None = None) -> None:
        self.frame = frame.reset_index(drop=True)
        self.report = report or IngestReport(ingested=len(frame))
        self._positions = pd.Index(self.frame["id"])
        self._text_index = text_index

    @classmethod
    def from_records(cls, records: Sequence[DatasetRecord], report: IngestReport | None = None) -> LocalCatalog:
        """Build from records already read."""
        return cls(records_to_frame(records), report)

    @classmethod
    def from_paths(cls, paths: Iterable[str | os.PathLike[str]],
                   progress: Callable[[int], None] | None = None) -> LocalCatalog:
        """Read every record file under ``paths``."""
        records, report = read_paths(paths, progress=progress)
        return cls.from_records(records, report)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LocalCatalog:
        """Open a saved index."""
        frame, report = load_index(path)
        return cls(frame, report)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index (atomically)."""
        return save_index(self.frame, self.report, path)

    def __len__(self) -> int:
        return len(self.frame)

    def search(self, query: Query) -> SearchResult:
        """Filter, count facets, sort and limit."""
        masks = filter_masks(self.frame, query, self._text_index)
        keep = combine(masks, len(self.frame))
        rows = sort_frame(self.frame[keep], query.sort)
        matched = len(rows)
        without = int(rows["west"].isna().sum())
        if query.limit is not None:
            rows = rows.head(query.limit)
        return SearchResult(rows, matched, len(self.frame), facet_counts(self.frame, masks), without)

    def get(self, record_id: str) -> DatasetRecord | None:
        """The normalised record with this id."""
        try:
            pos = self._positions.get_loc(record_id)
        except KeyError:
            return None
        if not isinstance(pos, int | np.integer):
            return None
        return DatasetRecord.from_dict(json.loads(str(self.frame["record"].iat[int(pos)])))

    def values(self, column: str) -> list[str]:
        """Distinct non-empty values of a column (formats split), sorted by frequency."""
        if column == "formats":
            counts = self.frame[column].str.split("\u001f").explode().value_counts()
        else:
            counts = self.frame[column].value_counts()
        return [str(v) for v in counts.index if str(v)]


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
