"""The SQL of a search: one condition per filter (keyed as the local index keys its masks),
each with its own parameters, the sort orders, the relevance score and the packed counts.

A condition is a :class:`Clause`: SQL with named placeholders and the values they take, so a
statement built from some of the conditions passes exactly their parameters (:func:`joined`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from dataset_atlas.catalog.base import Query
from dataset_atlas.catalog.glossary import expanded_forms
from dataset_atlas.catalog.local.frame import COLUMNS
from dataset_atlas.catalog.pgstac.grams import term_gram
from dataset_atlas.catalog.query import MAX_MENTIONS, SEARCH_TEXT, score_parts, text_terms, word_pattern

TRIGRAM = 3  # shorter search terms cannot use the trigram index
MATCHES_NOTHING = "FALSE"
RESULT_COLUMNS = tuple(c for c in COLUMNS if c not in ("search_text", "record"))
# The records columns of a result row, named as the index frame names them
SELECT_COLUMNS = ", ".join(
    "array_to_string(formats, E'\\x1f') AS formats" if c == "formats"
    else "start_date AS start" if c == "start" else "end_date AS end" if c == "end" else c
    for c in RESULT_COLUMNS)
FACET_COLUMNS = ("category", "time_resolution", "access", "formats", "extent_quality")
# sort key -> (column, how it orders): the local index's orders (titles by their Python keys, bytewise)
SORT_SQL = {
    "title": ("title_en_key", 'COLLATE "C"'), "title_zh": ("title_zh_key", 'COLLATE "C"'),
    "start": ("start_date", "ASC NULLS LAST"), "-start": ("start_date", "DESC NULLS LAST"),
    "end": ("end_date", "ASC NULLS LAST"), "-end": ("end_date", "DESC NULLS LAST"),
    "resolution": ("resolution_m", "ASC NULLS LAST"), "-resolution": ("resolution_m", "DESC NULLS LAST"),
    "size": ("size_bytes", "ASC NULLS LAST"), "-size": ("size_bytes", "DESC NULLS LAST"),
    "category": ("category", 'COLLATE "C"'),
}  # fmt: skip
VERSION_SQL = "SELECT value::text::bigint FROM dataset_atlas.meta WHERE key = 'version'"


class Clause(NamedTuple):
    """SQL with ``%(name)s`` placeholders, and the values of those placeholders."""

    sql: str
    params: dict[str, Any]


def joined(clauses: Iterable[Clause], glue: str = " AND ") -> Clause:
    """The clauses joined by ``glue``, with their parameters together (names never clash:
    each filter names its own)."""
    clauses = list(clauses)
    params: dict[str, Any] = {}
    for clause in clauses:
        params.update(clause.params)
    return Clause(glue.join(c.sql for c in clauses), params)


def base_sort(sort: str) -> str:
    """The title order a relevance order falls back to (and breaks its ties with)."""
    return {"relevance": "title", "relevance_zh": "title_zh"}.get(sort, sort)


def order_sql(sort: str) -> str:
    """The ORDER BY term of a (non-relevance) sort key."""
    return " ".join(SORT_SQL[sort])


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _storable(values: Iterable[str]) -> list[str]:
    """``values`` without those holding a NUL: no stored value does, and PostgreSQL refuses one as a parameter."""
    return [value for value in values if "\x00" not in value]


def where_clauses(query: Query, *, table: str = "records") -> dict[str, Clause]:
    """One condition per active filter, keyed as :func:`~dataset_atlas.catalog.local.masks.filter_masks` keys its masks.

    ``table`` is the table the conditions read: ``records`` (every column), ``facts`` (the
    narrow rows: the area's index test on its two-corner line) or ``texts`` (the fact columns
    beside the search text). The facet conditions read the columns ``records`` and ``combos``
    share; the ``text`` condition reads ``search_text`` (only ``texts`` has it).
    """
    conds: dict[str, Clause] = {}
    if query.bbox is not None:
        qw, qs, qe, qn = query.bbox
        parts = [("%(qw)s", "180.0"), ("-180.0", "%(qe)s")] if qw > qe else [("%(qw)s", "%(qe)s")]
        lon = " OR ".join(
            f"(west <= {hi} AND (CASE WHEN west > east THEN 180.0 ELSE east END) >= {lo})"
            f" OR (west > east AND -180.0 <= {hi} AND east >= {lo})" for lo, hi in parts)
        lo, hi = ("-180", "180") if qw > qe else ("%(qw)s", "%(qe)s")
        column = {"records": "geom", "facts": "extent"}.get(table)
        indexed = f"{column} && ST_MakeEnvelope({lo}, %(qs)s, {hi}, %(qn)s, 4326) AND " if column else ""
        conds["bbox"] = Clause(f"({indexed}south <= %(qn)s AND north >= %(qs)s AND ({lon}))",
                               {"qw": qw, "qs": qs, "qe": qe, "qn": qn})
    if query.start is not None or query.end is not None:
        cond, times = "(t_lo IS NOT NULL OR t_hi IS NOT NULL)", {}
        if query.end is not None:
            times["t_end"] = query.end
            cond += " AND (t_lo IS NULL OR t_lo <= %(t_end)s)"
        if query.start is not None:
            times["t_start"] = query.start
            cond += " AND (t_hi IS NULL OR t_hi >= %(t_start)s)"
        conds["time"] = Clause(f"({cond})", times)
    if query.min_resolution_m is not None or query.max_resolution_m is not None:
        cond, bounds = "resolution_m IS NOT NULL", {}
        if query.min_resolution_m is not None:
            bounds["r_min"] = query.min_resolution_m * (1 - 1e-9)
            cond += " AND resolution_m >= %(r_min)s"
        if query.max_resolution_m is not None:
            bounds["r_max"] = query.max_resolution_m * (1 + 1e-9)
            cond += " AND resolution_m <= %(r_max)s"
        conds["resolution"] = Clause(f"({cond})", bounds)
    for key, column, values in (("category", "category", query.categories),
                                ("time_resolution", "time_resolution", query.time_resolutions),
                                ("access", "access", query.access),
                                ("extent_quality", "extent_quality", query.extent_qualities),
                                ("ids", "id", query.ids)):
        if values:
            conds[key] = Clause(f"{column} = ANY(%(v_{key})s)", {f"v_{key}": _storable(values)})
    if query.formats:
        conds["formats"] = Clause("formats && %(v_formats)s::text[]", {"v_formats": _storable(query.formats)})
    terms = text_terms(query.text) if query.text.strip() else []
    if any("\x00" in term for term in terms):
        # no stored text holds a NUL (ingest replaces them), nor can a parameter
        conds["text"] = Clause(MATCHES_NOTHING, {})
    elif terms:
        likes: list[str] = []
        texts: dict[str, Any] = {}
        for i, term_forms in enumerate(expanded_forms(query.text)):
            forms: list[str] = []  # any form of the term or of its translations, as the local index
            for j, form in enumerate(term_forms):
                key = f"text_{i}_{j}"
                gram = term_gram(form)
                if gram is not None:  # 冻土, 冰: exact through the gram index
                    texts[key] = [gram]
                    forms.append(f"grams @> %({key})s::int8[]")
                elif len(form) >= TRIGRAM:
                    texts[key] = _like(form)
                    forms.append(f"search_text LIKE %({key})s")
                else:  # short ASCII ("co", "5"): nothing to look up, a scan of the texts
                    texts[key] = form
                    forms.append(f"strpos(search_text, %({key})s) > 0")
            likes.append(forms[0] if len(forms) == 1 else f"({' OR '.join(forms)})")
        conds["text"] = Clause(f"({' AND '.join(likes)})", texts)
    return conds


def score_sql(terms: list[str]) -> Clause:
    """The relevance score of a texts row as SQL: the parts of :func:`~dataset_atlas.catalog.query.score_parts`
    over the row's rank fields, as the local index adds them (integers: the sums are exact)."""
    exprs: list[str] = []
    params: dict[str, Any] = {}
    for i, part in enumerate(score_parts(terms)):
        key = f"rank_{i}"
        columns = [name if name == SEARCH_TEXT else f"rank_{name}" for name in part.fields]
        if part.test == "mentions":  # non-overlapping occurrences, as Arrow's count_substring counts them
            params[key] = part.needle  # (in bytes: octet_length reads a header, length counts characters)
            column = columns[0]
            exprs.append(f"{part.weight} * least((octet_length({column}) - octet_length(replace({column}, "
                         f"%({key})s, ''))) / octet_length(%({key})s), {MAX_MENTIONS})")
            continue
        params[key] = word_pattern(part.needle) if part.test == "word" else part.needle
        test = {"equal": "{} = %({})s", "contains": "strpos({}, %({})s) > 0", "word": "{} ~ %({})s"}[part.test]
        exprs.append(f"(CASE WHEN {' OR '.join(test.format(c, key) for c in columns)} THEN {part.weight} ELSE 0 END)")
    return Clause(" + ".join(exprs), params)


def packed_counts_sql(per_combo: str) -> str:
    """One value: the rows of ``per_combo`` (columns ``combo``, ``n``: matched records per
    combination of facet values) packed as big-endian int4 pairs (code, count).

    Packing into one bytea value moves 10,000 pairs in a third of the time that rows take
    through the driver.
    """
    return f"SELECT string_agg(int4send(combo) || int4send(n), ''::bytea) FROM ({per_combo}) AS m"


# The whole catalog's counts per combination, with the version they belong to (one statement:
# one snapshot, so the pair stays consistent while an ingest commits)
_CUBE_PER_COMBO = "SELECT combo, sum(n)::integer AS n FROM dataset_atlas.cube GROUP BY combo HAVING sum(n) > 0"
CUBE_SQL = f"SELECT ({VERSION_SQL}), ({packed_counts_sql(_CUBE_PER_COMBO)})"


def unpack_pairs(packed: bytes | None) -> np.ndarray:
    """(code, count) rows of a :func:`packed_counts_sql` value."""
    return np.frombuffer(packed or b"", dtype=">i4").reshape(-1, 2).astype(np.int64)
