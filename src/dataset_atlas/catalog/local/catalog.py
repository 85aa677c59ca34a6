"""The catalog held in memory as the index frame (built from record files or loaded from
a saved GeoParquet index); every query is numpy work over it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from dataset_atlas.catalog.base import CatalogSource, IngestReport, Query, SearchResult
from dataset_atlas.catalog.glossary import also_searched
from dataset_atlas.catalog.local.frame import records_to_frame
from dataset_atlas.catalog.local.geoparquet import RecordStore, load_index
from dataset_atlas.catalog.local.ingest import frame_from_paths
from dataset_atlas.catalog.local.masks import FrameCodes, combine, facet_counts, filter_masks
from dataset_atlas.catalog.local.ranking import rank_fields, relevance_scores, sort_frame
from dataset_atlas.catalog.local.textindex import TextIndex
from dataset_atlas.catalog.local.writer import save_index
from dataset_atlas.catalog.query import SORT_KEYS, text_terms
from dataset_atlas.errors import QueryError
from dataset_atlas.model import DatasetRecord
from dataset_atlas.settings import seeds_dir

_NOT_IN_RESULTS = frozenset({"search_text", "record"})  # large, and only the catalog itself reads them


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
        self._rank_fields: dict[str, pa.Array] | None = None  # normalised once, see rank_fields

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
            self.ranked_fields()

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
        return SearchResult(rows, matched, len(self.frame), facet_counts(self.frame, masks, self.codes), without,
                            also_searched(query.text))

    def _sorted(self, positions: np.ndarray, sort: str, text: str = "") -> np.ndarray:
        """``positions`` in the order of :func:`sort_frame` on those rows (ranks computed once)."""
        if sort not in SORT_KEYS:
            raise QueryError(f"sort {sort!r}: expected one of {', '.join(SORT_KEYS)}")
        if sort.startswith("relevance"):  # by title, then the free-text matches best first
            by_title = self._sorted(positions, "title" if sort == "relevance" else "title_zh")
            if not text_terms(text):
                return by_title
            scores = relevance_scores(self.frame, text, by_title, self.ranked_fields())
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

    def ranked_fields(self) -> dict[str, pa.Array]:
        """The frame's :func:`rank_fields`, normalised once (built with the text index, else on
        the first ranked query; a race only computes the same arrays twice)."""
        if self._rank_fields is None:
            self._rank_fields = rank_fields(self.frame)
        return self._rank_fields

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
