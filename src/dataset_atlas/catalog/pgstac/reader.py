"""Reading a catalog database: :class:`PgstacCatalog`, the :class:`~dataset_atlas.catalog.base.Catalog`
whose every query runs in SQL (see :mod:`dataset_atlas.catalog.pgstac` for the layout)."""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dataset_atlas.catalog.base import CatalogSource, IngestReport, Query, SearchResult
from dataset_atlas.catalog.glossary import also_searched
from dataset_atlas.catalog.local.frame import normalize_frame_types
from dataset_atlas.catalog.local.masks import FrameCodes, combine, facet_counts, filter_masks
from dataset_atlas.catalog.pgstac.query import (
    CUBE_SQL,
    FACET_COLUMNS,
    MATCHES_NOTHING,
    RESULT_COLUMNS,
    SELECT_COLUMNS,
    SORT_SQL,
    VERSION_SQL,
    Clause,
    base_sort,
    joined,
    order_sql,
    packed_counts_sql,
    score_sql,
    unpack_pairs,
    where_clauses,
)
from dataset_atlas.catalog.pgstac.schema import SCHEMA_VERSION, connect
from dataset_atlas.catalog.query import FACETS, SORT_KEYS, text_terms
from dataset_atlas.catalog.stacmap import record_from_collection
from dataset_atlas.errors import AtlasError, QueryError
from dataset_atlas.model import DatasetRecord

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

POOL_TIMEOUT_S = 30
MAX_TERMS = 250  # free-text terms one query may hold (a link keeps 500 characters of text)
RESULTS_KEPT = 4  # recent results reused per process while the catalog is unchanged
WORK_MEM = "64MB"  # per sort or hash of this catalog's connections (see _pool_open)
RESULT_ROWS = 20_000  # rows the app reads per result (Catalog.result_rows): its memory stays flat


@dataclass(frozen=True)
class _Cube:
    """The whole catalog's records per combination at one catalog version."""

    version: int
    pairs: np.ndarray

    @property
    def total(self) -> int:
        return int(self.pairs[:, 1].sum())




class _Combos:
    """The ``combos`` table in memory (a few thousand rows: one per combination of facet values,
    not per record), so the facet counts over the combinations are numpy work, with the same
    filter and count code as the local index."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        rows = sorted(rows)
        self.codes = np.array([r[0] for r in rows], dtype=np.int64)
        self.frame = pd.DataFrame(
            [r[1:6] for r in rows], columns=["category", "time_resolution", "access", "extent_quality", "formats"])
        self.has_extent = np.array([bool(r[6]) for r in rows], dtype=bool)
        self.facet_codes = FrameCodes.build(self.frame)
        self._index = pd.Index(self.codes)  # a hash lookup: 20x faster than searchsorted for 10,000 codes

    def positions(self, codes: np.ndarray) -> np.ndarray | None:
        """Row positions of ``codes``, or None when one is not known yet (written since loaded)."""
        at = self._index.get_indexer(pd.Index(codes))
        return None if (at < 0).any() else at




def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute(f"SET work_mem = '{WORK_MEM}'")


def _one(cur: psycopg.Cursor[Any]) -> tuple[Any, ...]:
    """The row of a statement that always returns one."""
    row = cur.fetchone()
    assert row is not None
    return tuple(row)


class PgstacCatalog:
    """A catalog in a pgstac database; every query runs in SQL (see the module docs)."""

    facets_available = True

    def __init__(self, dsn: str, *, pool_size: int = 4, results_kept: int = RESULTS_KEPT,
                 result_rows: int = RESULT_ROWS) -> None:
        self.dsn = dsn
        self.result_rows: int | None = result_rows
        self.source = CatalogSource("pgstac", dsn)
        self._pool_size = pool_size
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._lock = threading.Lock()
        self._results: collections.OrderedDict[tuple[Query, int], SearchResult] = collections.OrderedDict()
        self._results_kept = results_kept  # 0: every search queries (the benches measure the SQL)
        self._combos: _Combos | None = None
        self._cube: _Cube | None = None
        with connect(dsn, autocommit=True) as conn, conn.cursor() as cur:  # fails fast, in one line, on a wrong URL
            ready = _one(cur.execute("SELECT to_regclass('dataset_atlas.records') IS NOT NULL "
                                     "AND to_regclass('dataset_atlas.meta') IS NOT NULL"))[0]
            if not ready:
                raise AtlasError(f"{self.source.display}: no Dataset Atlas catalog in this database yet; "
                                 "create it with `dataset-atlas ingest PATH --catalog URL`")
            stored = cur.execute("SELECT value::text::int FROM dataset_atlas.meta "
                                 "WHERE key = 'schema_version'").fetchone()
            if stored is not None and stored[0] < SCHEMA_VERSION:  # (its search text would not match queries)
                raise AtlasError(f"{self.source.display}: the catalog was written with schema {stored[0]}, this "
                                 f"version reads {SCHEMA_VERSION}; the next `dataset-atlas ingest PATH --catalog URL` "
                                 "migrates it")
            last = cur.execute("SELECT value FROM dataset_atlas.meta WHERE key = 'last_ingest'").fetchone()
        self.report = IngestReport.from_dict(last[0]) if last else IngestReport()

    def _pool_open(self) -> ConnectionPool[psycopg.Connection[Any]]:
        with self._lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                # Streamlit serves each session in its own thread: a small pool, opened once per process.
                # work_mem: a result of 20,000 rows is sorted and a text query's matches are kept in
                # memory, not spilled to disk (the default of 4 MB is sized for many small queries)
                # (a SET per new connection: a startup option would replace any given in the URL)
                pool = ConnectionPool(self.dsn, min_size=1, max_size=self._pool_size, open=False,
                                      kwargs={"autocommit": True}, configure=_configure)
                try:
                    pool.open(wait=True, timeout=POOL_TIMEOUT_S)
                except Exception as exc:
                    pool.close()
                    raise AtlasError(f"cannot connect to the catalog database {self.source.display}: {exc}") from exc
                self._pool = pool
            return self._pool

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection; a database gone away becomes one clear :class:`AtlasError`."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool_open().connection(timeout=POOL_TIMEOUT_S) as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AtlasError(f"the catalog database {self.source.display} did not answer: {reason}") from exc

    def _fetch(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._connection() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def close(self) -> None:
        """Close the connection pool."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __len__(self) -> int:
        return int(self._fetch("SELECT coalesce(sum(n), 0) FROM dataset_atlas.cube")[0][0])

    def time_span(self) -> tuple[date | None, date | None]:
        """Earliest and latest start or end."""
        row = self._fetch("SELECT least(min(start_date), min(end_date)), greatest(max(start_date), max(end_date)) "
                          "FROM dataset_atlas.records")[0]
        return row[0], row[1]

    def version(self) -> int:
        """The catalog's change counter (bumped by every statement that changes its rows)."""
        return int(self._fetch(VERSION_SQL)[0][0])

    def search(self, query: Query) -> SearchResult:
        """Filter, count facets, sort and limit, all in the database.

        The app reruns the same query on every interaction (a click, a map move): while the
        catalog's :meth:`version` is unchanged the last few results are reused (a copy each time).
        """
        if base_sort(query.sort) not in SORT_SQL:
            raise QueryError(f"sort {query.sort!r}: expected one of {', '.join(SORT_KEYS)}")
        terms = len(text_terms(query.text))
        if terms > MAX_TERMS:  # each is a statement parameter (and a few more to rank by), at most 65,535
            raise QueryError(f"free text of {terms:,} terms: a database catalog searches at most {MAX_TERMS:,}")
        if not self._results_kept:
            return self._search(query)
        key = (query, self.version())
        with self._lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
        if cached is None:
            cached = self._search(query, version=key[1])
            with self._lock:
                self._results[key] = cached
                while len(self._results) > self._results_kept:
                    self._results.popitem(last=False)
        return replace(cached, frame=cached.frame.copy(), facets={f: dict(c) for f, c in cached.facets.items()})

    def _search(self, query: Query, *, version: int | None = None) -> SearchResult:
        """The result of ``query``; ``version``: the catalog version the caller just read, if any."""
        terms = text_terms(query.text)
        conds = where_clauses(query)
        # without text (or with text that can match nothing): the title order
        ranked = query.sort.startswith("relevance") and "text" in conds and conds["text"].sql != MATCHES_NOTHING
        query = replace(query, sort=base_sort(query.sort))
        facet_conds = [c for k, c in conds.items() if k in FACETS]
        limit = "" if query.limit is None else f" LIMIT {max(int(query.limit), 0)}"
        limit += f" OFFSET {max(int(query.offset), 0)}" if query.offset else ""
        pairs: np.ndarray | None  # matched records per combination: (code, count) rows
        with self._connection() as conn, conn.transaction(), conn.cursor(binary=True) as cur:
            if "text" in conds:
                # The text matches (passing the other shared filters too) are found once, in one
                # statement that counts them and picks the page among them (each keeps its
                # combination, its sort key and, by relevance, its score); then the page is read.
                shared = joined(c for k, c in where_clauses(query, table="texts").items() if k not in FACETS)
                in_combos = joined(facet_conds)
                combos_in = f"SELECT code FROM dataset_atlas.combos WHERE {in_combos.sql}"
                in_facets = f" WHERE combo IN ({combos_in})" if facet_conds else ""
                scored = score_sql(terms) if ranked else Clause("", {})
                score = f", {scored.sql} AS score" if ranked else ""
                order = ("score DESC, " if ranked else "") + f"{order_sql(query.sort)}, ord"
                cur.execute(
                    f"WITH hits AS MATERIALIZED (SELECT id, combo, ord, {SORT_SQL[query.sort][0]}{score} "
                    f"FROM dataset_atlas.texts WHERE {shared.sql}), "
                    f"page AS (SELECT id, row_number() OVER (ORDER BY {order}) AS at FROM (SELECT * FROM hits"
                    f"{in_facets} ORDER BY {order}{limit}) AS p) "
                    f"SELECT ({packed_counts_sql('SELECT combo, count(*)::integer AS n FROM hits GROUP BY combo')}), "
                    "(SELECT array_agg(id ORDER BY at) FROM page)",
                    {**shared.params, **in_combos.params, **scored.params})
                packed, page = _one(cur)
                pairs = unpack_pairs(packed)
                # looked up by id and put in the page's order here (sorting wide rows in the
                # database costs more than reading them)
                page = page or []
                frame = self._copy_frame(cur, f"SELECT {SELECT_COLUMNS} FROM dataset_atlas.records "
                                              "WHERE id = ANY(%(page)s::text[])", {"page": page})
                at = pd.Index(frame["id"]).get_indexer(page)
                frame = frame.iloc[at[at >= 0]].reset_index(drop=True)  # (-1: deleted by a writer since)
            else:
                every = joined(conds.values())
                shared_conds = [c for k, c in where_clauses(query, table="facts").items() if k not in FACETS]
                frame = self._copy_frame(cur, f"SELECT {SELECT_COLUMNS} FROM dataset_atlas.records "
                                              f"WHERE {every.sql or 'TRUE'} "
                                              f"ORDER BY {order_sql(query.sort)}, ord{limit}", every.params)
                # without area, time or resolution filters: the whole catalog's counts (the cube)
                if shared_conds:
                    shared = joined(shared_conds)
                    pairs = unpack_pairs(_one(cur.execute(packed_counts_sql(
                        f"SELECT combo, count(*)::integer AS n FROM dataset_atlas.facts "
                        f"WHERE {shared.sql} GROUP BY combo"), shared.params))[0])
                else:
                    pairs = None
            cube = self._cube_for(cur, version)
            pairs = cube.pairs if pairs is None else pairs
            combos = self._combos_for(cur, pairs[:, 0])
        weights = np.zeros(len(combos.codes), dtype=np.int64)
        at = combos.positions(pairs[:, 0])
        assert at is not None  # _combos_for reloads until every code is known
        weights[at] = pairs[:, 1]
        facet_query = Query(categories=query.categories, time_resolutions=query.time_resolutions,
                            access=query.access, formats=query.formats, extent_qualities=query.extent_qualities)
        masks = filter_masks(combos.frame, facet_query, codes=combos.facet_codes)
        passing = combine(masks, len(combos.codes))
        facets = facet_counts(combos.frame, masks, combos.facet_codes, weights=weights)
        return SearchResult(frame, int(weights[passing].sum()), cube.total, facets,
                            int(weights[passing & ~combos.has_extent].sum()), also_searched(query.text))

    def _cube_for(self, cur: psycopg.Cursor[Any], version: int | None = None) -> _Cube:
        """The whole catalog's counts per combination, read again only when the catalog's
        version has changed since (a facet-only query's counts, and every query's total, come
        from here without reading the table). ``version``: the one :meth:`search` read to key
        its result with (not read a second time)."""
        if version is None:
            version = _one(cur.execute(VERSION_SQL))[0]
        with self._lock:
            cube = self._cube
        if cube is None or cube.version != version:
            version, packed = _one(cur.execute(CUBE_SQL))
            cube = _Cube(int(version), unpack_pairs(packed))
            with self._lock:
                self._cube = cube
        return cube

    def _combos_for(self, cur: psycopg.Cursor[Any], codes: np.ndarray) -> _Combos:
        """The combinations table, loaded again when ``codes`` names one written since."""
        with self._lock:
            combos = self._combos
        if combos is None or combos.positions(codes) is None:
            cur.execute("SELECT code, category, time_resolution, access, extent_quality, "
                        "array_to_string(formats, E'\\x1f'), has_extent FROM dataset_atlas.combos")
            combos = _Combos(cur.fetchall())
            with self._lock:
                self._combos = combos
        return combos

    @staticmethod
    def _copy_frame(cur: psycopg.Cursor[Any], sql: str, params: dict[str, Any]) -> pd.DataFrame:
        """The rows of ``sql`` as the index frame's columns, through COPY … CSV and Arrow's CSV reader.

        A 100k-row result is several times faster this way than through Python tuples.
        """
        import pyarrow as pa
        import pyarrow.csv as pacsv

        buffer = bytearray()
        with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", params) as copy:
            for chunk in copy:
                buffer += chunk
        types = {c: pa.large_string() for c in RESULT_COLUMNS}
        types.update({c: pa.float64() for c in ("west", "south", "east", "north", "resolution_m")})
        types.update({"start": pa.timestamp("s"), "end": pa.timestamp("s"), "ongoing": pa.bool_(),
                      "size_bytes": pa.int64(), "file_count": pa.int64()})
        table = pacsv.read_csv(
            pa.py_buffer(bytes(buffer)),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            # COPY writes NULL as an empty unquoted field and '' as a quoted one
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False, true_values=["t"],
                                                 false_values=["f"], include_columns=list(RESULT_COLUMNS)))
        # (include_columns gives the columns in its order; dates are read as datetime64[s], the index's type)
        frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get, coerce_temporal_nanoseconds=False)
        return normalize_frame_types(frame)

    def get(self, record_id: str) -> DatasetRecord | None:
        """The record as ingested (``atlas:record``); a collection written by another tool is read as STAC."""
        if "\x00" in record_id:  # no stored id holds a NUL, and PostgreSQL refuses one as a parameter
            return None
        found = self._fetch("SELECT content FROM pgstac.collections WHERE id = %s", (record_id,))
        if not found:
            return None
        content = found[0][0]
        return record_from_collection(content, f"{self.source.display}/collections/{record_id}")

    def values(self, column: str) -> list[str]:
        """Distinct non-empty values of a facet column, most frequent first."""
        if column not in FACET_COLUMNS:
            raise QueryError(f"values of {column!r}: expected one of {', '.join(FACET_COLUMNS)}")
        expr = "unnest(k.formats)" if column == "formats" else f"k.{column}"
        rows = self._fetch(f"SELECT value, sum(n) AS total FROM (SELECT {expr} AS value, c.n FROM dataset_atlas.cube "
                           "AS c JOIN dataset_atlas.combos AS k ON k.code = c.combo) AS v "
                           "WHERE value <> '' GROUP BY value HAVING sum(n) > 0 ORDER BY total DESC, value")
        return [str(v) for v, _ in rows]

