"""The order of a result over the index frame: by a sort key, by title (Chinese titles in
pinyin order), or by how well each row matches the free text (the relevance score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_atlas.catalog.query import (
    MAX_MENTIONS,
    SEARCH_TEXT,
    SORT_KEYS,
    score_parts,
    text_terms,
    word_pattern,
)
from dataset_atlas.catalog.terms import normalise_array
from dataset_atlas.errors import QueryError


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


def _text_column(frame: pd.DataFrame, column: str, positions: np.ndarray | None) -> pa.Array:
    """A string column as Arrow (no copy for Arrow-backed columns), rows at ``positions``."""
    array = pa.array(frame[column], type=pa.large_string(), from_pandas=True)
    if positions is not None:
        array = pc.take(array, pa.array(positions, type=pa.int64()))
    return pc.fill_null(array, "")


def rank_fields(frame: pd.DataFrame, positions: np.ndarray | None = None) -> dict[str, pa.Array]:
    """The :data:`RANK_FIELDS` of each row (or each row at ``positions``), normalised as the
    search text is (:func:`~dataset_atlas.catalog.terms.normalise_array`)."""

    def lower(column: str) -> pa.Array:
        return normalise_array(_text_column(frame, column, positions))

    tags = pc.binary_join_element_wise(lower("keywords"), lower("category"), pa.scalar("\n", pa.large_string()))
    return {"id": lower("id"), "title_en": lower("title_en"), "title_zh": lower("title_zh"), "tags": tags}


def relevance_scores(frame: pd.DataFrame, text: str, positions: np.ndarray | None = None,
                     ranked: dict[str, pa.Array] | None = None) -> np.ndarray:
    """How well each row (or each row at ``positions``) matches ``text`` (higher is better).

    Reads ``id``, ``title_en``, ``title_zh``, ``keywords``, ``category`` and ``search_text``
    (normalised at ingest). ``ranked``: :func:`rank_fields` of the whole frame, computed once
    by the caller (normalising them per query is most of a ranked query's time).
    """
    terms = text_terms(text)
    scores = np.zeros(len(frame) if positions is None else len(positions), dtype=np.int64)
    if not terms or not len(scores):
        return scores
    if ranked is None:
        fields = rank_fields(frame, positions)
    elif positions is None:
        fields = dict(ranked)
    else:
        taken = pa.array(positions, type=pa.int64())
        fields = {name: pc.take(array, taken) for name, array in ranked.items()}
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
