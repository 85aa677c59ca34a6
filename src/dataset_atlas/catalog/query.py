"""Queries over the index frame: filters, sorting and facet counts.

Every filter is a vectorised boolean mask, so facet counts for a filter are the other
filters' masks combined, without re-running anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_atlas.catalog.index import LIST_SEP
from dataset_atlas.errors import QueryError
from dataset_atlas.geometry import lon_intervals, lon_intervals_v
from dataset_atlas.model import BBox
from dataset_atlas.normalize.dates import parse_date
from dataset_atlas.normalize.resolution import parse_resolution_bound

FACETS = ("category", "time_resolution", "access", "formats", "extent_quality")
# (column, ascending); the relevance orders rank free-text matches and break ties (or, without
# text, sort) by that title column: "relevance_zh" and "title_zh" are the Chinese interface's.
SORT_KEYS = {
    "relevance": ("title_en", True), "relevance_zh": ("title_zh", True),
    "title": ("title_en", True), "title_zh": ("title_zh", True), "start": ("start", True),
    "-start": ("start", False), "end": ("end", True), "-end": ("end", False),
    "resolution": ("resolution_m", True), "-resolution": ("resolution_m", False),
    "size": ("size_bytes", True), "-size": ("size_bytes", False), "category": ("category", True),
}  # fmt: skip
_TERMS = re.compile(r'"([^"]+)"|(\S+)')


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


def parse_bbox(text: str) -> BBox:
    """``W,S,E,N`` in degrees; west > east crosses the antimeridian."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if len(parts) != 4:
        raise QueryError(f"bbox {text!r}: expected four numbers W,S,E,N")
    try:
        w, s, e, n = (float(p) for p in parts)
    except ValueError as exc:
        raise QueryError(f"bbox {text!r}: not numbers") from exc
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise QueryError(f"bbox {text!r}: not finite")
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise QueryError(f"bbox {text!r}: longitudes must be within ±180 and latitudes within ±90")
    if s > n:
        raise QueryError(f"bbox {text!r}: south is greater than north")
    return (w, s, e, n)


def parse_query_date(text: str, *, end: bool = False) -> date:
    """A date typed by a user: ``2020``, ``2020-06`` or ``2020-06-30``."""
    parsed = parse_date(text, end=end)
    if parsed is None:
        raise QueryError(f"date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed


def parse_resolution_text(text: str) -> float:
    """A resolution bound typed by a user (``1km``, ``0.25°``, ``30m``), in metres."""
    try:
        return parse_resolution_bound(text)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


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


def text_terms(text: str) -> list[str]:
    """Search terms: words and "quoted phrases", lower-cased."""
    return [(m.group(1) or m.group(2)).lower() for m in _TERMS.finditer(text) if (m.group(1) or m.group(2))]


def text_mask_scan(frame: pd.DataFrame, text: str) -> np.ndarray:
    """Rows whose search text contains every term (substring match, so Chinese works)."""
    mask = np.ones(len(frame), dtype=bool)
    haystack = frame["search_text"]
    for term in text_terms(text):
        mask &= haystack.str.contains(term, regex=False).to_numpy(dtype=bool)
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


def sort_frame(frame: pd.DataFrame, sort: str, text: str = "") -> pd.DataFrame:
    """Sort by a key from :data:`SORT_KEYS` (unknown keys raise); missing values last.

    The relevance keys need ``text`` (the free text searched for) and the columns
    :func:`relevance_scores` reads; without text they sort by title.
    """
    if sort not in SORT_KEYS:
        raise QueryError(f"sort {sort!r}: expected one of {', '.join(SORT_KEYS)}")
    column, ascending = SORT_KEYS[sort]
    if column.startswith("title"):
        order = title_order(frame[column], chinese=column == "title_zh")
        ordered = frame.iloc[order if ascending else order[::-1]]
        if sort.startswith("relevance") and text_terms(text):
            return ordered.iloc[np.argsort(-relevance_scores(ordered, text), kind="stable")]
        return ordered
    return frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")


def title_order(titles: pd.Series, *, chinese: bool = False) -> np.ndarray:
    """Positions of ``titles`` in title order (stable, case-insensitive).

    Chinese titles are ordered by their GB18030 bytes: GB2312's 3,755 common characters are
    encoded in pinyin order (the rest by radical and stroke), so 冰川 < 冻土 < 积雪 as in a
    Chinese index, where code points would scatter them.
    """
    lowered = titles.fillna("").astype(str).str.lower()
    if chinese:
        # Arrow sorts variable-length binary; a fixed-width NumPy array would take rows × longest.
        key = pa.array([t.encode("gb18030", "replace") for t in lowered], type=pa.large_binary())
    else:  # UTF-8 bytes = code points
        key = pa.array(lowered, type=pa.large_string())
    return np.asarray(pc.sort_indices(key).to_numpy())


# Weights of what a free-text match says about a dataset: its id or whole title asked for,
# the phrase in its title, each term in its title (as a word counts more), in its keywords or
# category, and how often the terms appear anywhere (abstracts included), capped. Integers, so a
# score is exact whatever order its parts are added in (the database adds them too).
_W_ID, _W_TITLE_EQUAL, _W_TITLE_PHRASE, _W_ID_PHRASE, _W_PHRASE = 5000, 2000, 1000, 500, 150
_W_TITLE_TERM, _W_TITLE_WORD, _W_KEYWORD, _W_MENTION, MAX_MENTIONS = 100, 50, 25, 1, 10

# The lower-cased fields a score reads: RANK_FIELDS from the record, and its search text.
RANK_FIELDS = ("id", "title_en", "title_zh", "tags")
SEARCH_TEXT = "search_text"


class ScorePart(NamedTuple):
    """One part of a relevance score: ``weight`` when ``test`` holds for ``needle`` in any of
    ``fields`` ("equal", "contains", or "word": :func:`word_pattern` matches), or, for
    "mentions", ``weight`` per non-overlapping occurrence in the field, at most MAX_MENTIONS."""

    weight: int
    test: str
    fields: tuple[str, ...]
    needle: str


def score_parts(terms: list[str]) -> list[ScorePart]:
    """What a match on ``terms`` scores for: one definition for the local index and the database."""
    phrase = " ".join(terms)
    titles = ("title_en", "title_zh")
    parts = [ScorePart(_W_ID, "equal", ("id",), phrase),
             ScorePart(_W_TITLE_EQUAL, "equal", ("title_en",), phrase),
             ScorePart(_W_TITLE_EQUAL, "equal", ("title_zh",), phrase),
             ScorePart(_W_TITLE_PHRASE, "contains", titles, phrase),
             ScorePart(_W_ID_PHRASE, "contains", ("id",), phrase)]
    if len(terms) > 1:
        parts.append(ScorePart(_W_PHRASE, "contains", (SEARCH_TEXT,), phrase))
    for term in terms:
        parts.append(ScorePart(_W_TITLE_TERM, "contains", titles, term))
        if term.isascii() and re.search(r"[a-z0-9]", term):  # a Latin term as a whole word counts more
            parts.append(ScorePart(_W_TITLE_WORD, "word", titles, term))
        parts.append(ScorePart(_W_KEYWORD, "contains", ("tags",), term))
        parts.append(ScorePart(_W_MENTION, "mentions", (SEARCH_TEXT,), term))
    return parts


def word_pattern(term: str) -> str:
    """``term`` as a whole word ("landsat" in "Landsat 8", not in "landsatlike"); the same
    pattern in RE2 (Arrow) and PostgreSQL's regular expressions."""
    return r"(?:^|[^a-z0-9])" + re.escape(term) + r"(?:[^a-z0-9]|$)"


def _text_column(frame: pd.DataFrame, column: str, positions: np.ndarray | None) -> pa.Array:
    """A string column as Arrow (no copy for Arrow-backed columns), rows at ``positions``."""
    array = pa.array(frame[column], type=pa.large_string(), from_pandas=True)
    if positions is not None:
        array = pc.take(array, pa.array(positions, type=pa.int64()))
    return pc.fill_null(array, "")


def rank_fields(frame: pd.DataFrame, positions: np.ndarray | None = None) -> dict[str, pa.Array]:
    """The :data:`RANK_FIELDS` of each row (or each row at ``positions``), lower-cased."""

    def lower(column: str) -> pa.Array:
        return pc.utf8_lower(_text_column(frame, column, positions))

    tags = pc.binary_join_element_wise(lower("keywords"), lower("category"), pa.scalar("\n", pa.large_string()))
    return {"id": lower("id"), "title_en": lower("title_en"), "title_zh": lower("title_zh"), "tags": tags}


def relevance_scores(frame: pd.DataFrame, text: str, positions: np.ndarray | None = None) -> np.ndarray:
    """How well each row (or each row at ``positions``) matches ``text`` (higher is better).

    Reads ``id``, ``title_en``, ``title_zh``, ``keywords``, ``category`` and ``search_text``
    (lower-cased at ingest).
    """
    terms = text_terms(text)
    scores = np.zeros(len(frame) if positions is None else len(positions), dtype=np.int64)
    if not terms or not len(scores):
        return scores
    fields = rank_fields(frame, positions)
    fields[SEARCH_TEXT] = _text_column(frame, SEARCH_TEXT, positions)

    def holds(test: str, array: pa.Array, needle: str) -> np.ndarray:
        if test == "equal":
            return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object) == needle
        found = (pc.match_substring_regex(array, word_pattern(needle)) if test == "word"
                 else pc.match_substring(array, needle))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)

    for part in score_parts(terms):
        if part.test == "mentions":
            counts = np.asarray(pc.count_substring(fields[part.fields[0]], part.needle).to_numpy(), dtype=np.int64)
            scores += part.weight * np.minimum(counts, MAX_MENTIONS)
        else:
            hit = np.zeros(len(scores), dtype=bool)
            for name in part.fields:
                hit |= holds(part.test, fields[name], part.needle)
            scores += part.weight * hit
    return scores
