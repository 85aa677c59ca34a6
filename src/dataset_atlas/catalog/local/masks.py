"""Queries over the index frame: one vectorised boolean mask per filter, and facet counts.

Facet counts for a filter are the other filters' masks combined, without re-running anything.
The database catalog runs the same counting code over its table of facet combinations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_atlas.catalog.base import Query
from dataset_atlas.catalog.glossary import expanded_forms
from dataset_atlas.catalog.local.frame import LIST_SEP
from dataset_atlas.catalog.query import FACETS
from dataset_atlas.geometry import lon_intervals, lon_intervals_v
from dataset_atlas.model import BBox


def bbox_mask(frame: pd.DataFrame, bbox: BBox) -> np.ndarray:
    """Rows whose extent intersects ``bbox`` (both may cross the antimeridian)."""
    w = frame["west"].to_numpy(dtype="float64")
    e = frame["east"].to_numpy(dtype="float64")
    s = frame["south"].to_numpy(dtype="float64")
    n = frame["north"].to_numpy(dtype="float64")
    qw, qs, qe, qn = bbox
    lat_ok = (s <= qn) & (n >= qs)
    q_parts = lon_intervals(qw, qe)
    a_lo, a_hi, b_lo, b_hi = lon_intervals_v(w, e)
    lon_ok = np.zeros(len(frame), dtype=bool)
    with np.errstate(invalid="ignore"):
        for lo, hi in q_parts:
            lon_ok |= (a_lo <= hi) & (a_hi >= lo)
            lon_ok |= (b_lo <= hi) & (b_hi >= lo)
    return lat_ok & lon_ok  # NaN extents compare False: missing extents never match an area


def time_mask(frame: pd.DataFrame, start: date | None, end: date | None) -> np.ndarray:
    """Rows whose time span overlaps [start, end]; an open end means ongoing."""
    s = frame["start"].to_numpy(dtype="datetime64[s]")
    e = frame["end"].to_numpy(dtype="datetime64[s]")
    # A span given backwards (end before start) is searched as if the ends were swapped.
    lo = np.where(np.isnat(e) | (s <= e) | np.isnat(s), s, e)
    hi = np.where(np.isnat(s) | (s <= e) | np.isnat(e), e, s)
    has_time = ~(np.isnat(lo) & np.isnat(hi))
    mask = has_time.copy()
    if end is not None:
        mask &= np.isnat(lo) | (lo <= np.datetime64(end, "s"))
    if start is not None:
        mask &= np.isnat(hi) | (hi >= np.datetime64(start, "s"))
    return mask


def _isin_exactly(uniques: Any, values: Sequence[str]) -> np.ndarray:
    """Which ``uniques`` are among ``values``, compared as Python strings (NumPy's own string
    type drops trailing NULs, so "GeoTIFF\\0" would have matched "GeoTIFF")."""
    return np.isin(np.asarray(uniques, dtype=object), np.array(list(values), dtype=object))


def _in(frame: pd.DataFrame, column: str, values: Sequence[str], codes: FrameCodes | None = None) -> np.ndarray:
    if codes is not None and column in codes.single:
        col_codes, uniques = codes.single[column]
        wanted = np.flatnonzero(_isin_exactly(uniques, values))
        return np.isin(col_codes, wanted)
    return frame[column].isin(list(values)).to_numpy()


def _multi_in(frame: pd.DataFrame, column: str, values: Sequence[str], codes: FrameCodes | None = None) -> np.ndarray:
    rows, labels, uniques = (codes or FrameCodes.build(frame, (), (column,))).multi[column]
    wanted = np.flatnonzero(_isin_exactly(uniques, values))
    out = np.zeros(len(frame), dtype=bool)
    out[rows[np.isin(labels, wanted)]] = True
    return out


@dataclass
class FrameCodes:
    """Facet columns as integer codes, built once per frame so masks and counts are numpy work.

    ``single[col] = (codes, uniques)``; multi-value columns (``formats``, joined with
    :data:`LIST_SEP`) as ``multi[col] = (rows, label codes, uniques)``, one pair per value.
    """

    single: dict[str, tuple[np.ndarray, np.ndarray]]
    multi: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]

    @classmethod
    def build(cls, frame: pd.DataFrame, single: Sequence[str] = ("category", "time_resolution", "access",
              "extent_quality"), multi: Sequence[str] = ("formats",)) -> FrameCodes:
        """Codes for the given columns of ``frame``."""
        out = cls({}, {})
        for col in single:
            codes, uniques = pd.factorize(frame[col].fillna(""), sort=False)
            out.single[col] = (codes.astype(np.int32), np.asarray(uniques, dtype=object))
        for col in multi:
            parts = pc.split_pattern(pa.array(frame[col].fillna(""), type=pa.large_string()), LIST_SEP)
            values = pc.list_flatten(parts)
            rows = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False).astype(np.intp)
            keep = pc.not_equal(values, "").to_numpy(zero_copy_only=False)
            codes, uniques = pd.factorize(pd.Series(values.to_numpy(zero_copy_only=False)[keep], dtype=object))
            out.multi[col] = (rows[keep], codes.astype(np.int32), np.asarray(uniques, dtype=object))
        return out

def text_mask_scan(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Rows whose search text contains every term in one of its forms (substring match, so
    Chinese works; :func:`~dataset_atlas.catalog.terms.term_forms`)."""
    mask = np.ones(len(frame), dtype=bool)
    haystack = frame["search_text"]
    for forms in expanded_forms(text):  # (a term's own forms and its glossary translations')
        found = np.zeros(len(frame), dtype=bool)
        for form in forms:
            found |= haystack.str.contains(form, regex=False).to_numpy(dtype=bool)
        mask &= found
    return mask


def filter_masks(
    frame: pd.DataFrame, query: Query, text_mask: Callable[[str], np.ndarray] | None = None,
    codes: FrameCodes | None = None,
) -> dict[str, np.ndarray]:
    """One mask per active filter, keyed by filter name (facet names for the facet filters).

    ``codes`` (from :meth:`FrameCodes.build`, reused across queries) makes the facet filters
    integer comparisons instead of string ones.
    """
    masks: dict[str, np.ndarray] = {}
    if query.bbox is not None:
        masks["bbox"] = bbox_mask(frame, query.bbox)
    if query.start is not None or query.end is not None:
        masks["time"] = time_mask(frame, query.start, query.end)
    if query.min_resolution_m is not None or query.max_resolution_m is not None:
        res = frame["resolution_m"].to_numpy(dtype="float64")
        m = ~np.isnan(res)
        if query.min_resolution_m is not None:
            m &= res >= query.min_resolution_m * (1 - 1e-9)
        if query.max_resolution_m is not None:
            m &= res <= query.max_resolution_m * (1 + 1e-9)
        masks["resolution"] = m
    if query.categories:
        masks["category"] = _in(frame, "category", query.categories, codes)
    if query.time_resolutions:
        masks["time_resolution"] = _in(frame, "time_resolution", query.time_resolutions, codes)
    if query.access:
        masks["access"] = _in(frame, "access", query.access, codes)
    if query.formats:
        masks["formats"] = _multi_in(frame, "formats", query.formats, codes)
    if query.extent_qualities:
        masks["extent_quality"] = _in(frame, "extent_quality", query.extent_qualities, codes)
    if query.ids:
        masks["ids"] = _in(frame, "id", query.ids)
    if query.text.strip():
        masks["text"] = (text_mask or (lambda t: text_mask_scan(frame, t)))(query.text)
    return masks


def combine(masks: dict[str, np.ndarray], size: int, *, skip: str | None = None) -> np.ndarray:
    """AND of all masks except ``skip``."""
    out = np.ones(size, dtype=bool)
    for name, mask in masks.items():
        if name != skip:
            out &= mask
    return out


def facet_counts(
    frame: pd.DataFrame, masks: dict[str, np.ndarray], codes: FrameCodes | None = None,
    weights: np.ndarray | None = None,
) -> dict[str, dict[str, int]]:
    """For each facet, counts of its values among rows matching every *other* filter.

    ``weights`` (integers) counts each row that many times: the database catalog's rows are
    combinations of facet values, weighted by how many records have each.
    """
    codes = codes or FrameCodes.build(frame)
    out: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        keep = combine(masks, len(frame), skip=facet)
        if facet in codes.multi:
            rows, labels, uniques = codes.multi[facet]
            kept = keep[rows]
            numbers = np.bincount(labels[kept], weights=None if weights is None else weights[rows][kept],
                                  minlength=len(uniques))
        else:
            col_codes, uniques = codes.single[facet]
            numbers = np.bincount(col_codes[keep], weights=None if weights is None else weights[keep],
                                  minlength=len(uniques))
        counts = {str(v): int(round(c)) for v, c in zip(uniques, numbers, strict=True) if c}
        out[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out
