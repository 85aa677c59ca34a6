"""The query vocabulary every backend shares: sort keys, facets, parsing what a user typed,
free-text terms and the parts of a relevance score.

The :class:`~dataset_atlas.catalog.base.Query` itself is in :mod:`dataset_atlas.catalog.base`;
the in-memory evaluation (masks, facet counts, sorting, scores) in :mod:`dataset_atlas.catalog.local`;
the SQL one in :mod:`dataset_atlas.catalog.pgstac.query`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import NamedTuple

from dataset_atlas.catalog.terms import text_terms as text_terms  # the one tokenisation (re-exported)
from dataset_atlas.errors import QueryError
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
