"""Ingest into the database: record files read into index frames (as for the local index),
each frame upserted as STAC collections and the atlas rows derived from it, all in one transaction."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
import pandas as pd

from dataset_atlas.catalog.base import IngestReport, Rejected
from dataset_atlas.catalog.interrupts import interrupts_raise
from dataset_atlas.catalog.local.ingest import iter_frames
from dataset_atlas.catalog.pgstac.migrate import install_schema
from dataset_atlas.catalog.pgstac.rows import derive_facts, table_rows, text_keys, text_keys_table
from dataset_atlas.catalog.pgstac.schema import (
    FACT_COLUMNS,
    INGEST_LOCK_KEY,
    INSERT_COLUMNS,
    SORT_COLUMNS,
    TEXT_KEYS,
    columns,
    connect,
)
from dataset_atlas.catalog.stacmap import collection_document

if TYPE_CHECKING:
    import psycopg

# SQLSTATE classes of a database refusing one record's values (data exception, integrity
# constraint, program limit such as an index entry over 8 kB); anything else (a lost
# connection, a cancel, a full disk) stops the ingest and leaves the catalog as it was.
_RECORD_REFUSED = ("22", "23", "54")


def write_frame(conn: psycopg.Connection[Any], frame: pd.DataFrame) -> None:
    """Upsert one index frame's records: collections and flat rows, in the caller's transaction."""
    from psycopg import sql
    from psycopg.types.json import Jsonb

    rows = frame.to_dict("records")
    docs = [collection_document(json.loads(r["record"]), r) for r in rows]
    inserted = ", ".join(INSERT_COLUMNS)
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS atlas_incoming (content jsonb) ON COMMIT DELETE ROWS")
        with cur.copy("COPY atlas_incoming (content) FROM STDIN") as copy:
            for doc in docs:
                copy.write_row((Jsonb(doc, dumps=orjson.dumps),))  # orjson: a third of the json module's time
        cur.execute("INSERT INTO pgstac.collections (content) SELECT content FROM atlas_incoming "
                    "ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content")
        cur.execute("TRUNCATE atlas_incoming")
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS atlas_rows (LIKE dataset_atlas.records) ON COMMIT DELETE ROWS")
        records = table_rows(frame)
        # ord: the order of ingest, the tie-break of every sort (as the local index keeps file order)
        cur.execute("SELECT nextval('dataset_atlas.ingest_order') FROM generate_series(1, %s)", (len(records),))
        order = sorted(int(v) for (v,) in cur.fetchall())
        with cur.copy(f"COPY atlas_rows ({inserted}, ord) FROM STDIN") as copy:
            for row, ord_ in zip(records, order, strict=True):
                copy.write_row((*row, ord_))
        excluded = ", ".join(f"EXCLUDED.{c}" for c in INSERT_COLUMNS)
        cur.execute(f"INSERT INTO dataset_atlas.records ({inserted}, ord) "
                    f"SELECT {inserted}, ord FROM atlas_rows "
                    f"ON CONFLICT (id) DO UPDATE SET ({inserted}, ord) = ROW({excluded}, EXCLUDED.ord)")
        derive_facts(cur, "SELECT id FROM atlas_rows")
        cur.execute("TRUNCATE atlas_rows")
        cur.execute(text_keys_table("atlas_texts") + sql.SQL(" ON COMMIT DELETE ROWS"))
        keys = ", ".join(TEXT_KEYS)
        with cur.copy(f"COPY atlas_texts (id, {keys}) FROM STDIN") as copy:
            for row in text_keys(frame):
                copy.write_row(row)
        written_columns = (*TEXT_KEYS, "combo", *FACT_COLUMNS, *SORT_COLUMNS)
        written = ", ".join(written_columns)
        excluded = ", ".join(f"EXCLUDED.{c}" for c in written_columns)
        cur.execute(f"INSERT INTO dataset_atlas.texts (id, {written}) "
                    f"SELECT a.id, {columns('a', TEXT_KEYS)}, f.combo, {columns('f', FACT_COLUMNS)}, "
                    f"{columns('r', SORT_COLUMNS)} FROM atlas_texts AS a "
                    "JOIN dataset_atlas.facts AS f ON f.id = a.id JOIN dataset_atlas.records AS r ON r.id = a.id "
                    f"ON CONFLICT (id) DO UPDATE SET ({written}) = ROW({excluded})")
        cur.execute("TRUNCATE atlas_texts")


def write_or_reject(conn: psycopg.Connection[Any], frame: pd.DataFrame, report: IngestReport) -> None:
    """Write a frame; when the database refuses it, write its records one by one and reject
    those it refuses, each with the database's reason (the rest of the ingest goes on)."""
    import psycopg

    def refused(exc: psycopg.Error) -> bool:
        return exc.sqlstate is not None and exc.sqlstate[:2] in _RECORD_REFUSED

    try:
        with conn.transaction():  # a savepoint: a refusal undoes only this frame
            write_frame(conn, frame)
        return
    except psycopg.Error as exc:
        if not refused(exc):
            raise
    for at in range(len(frame)):
        row = frame.iloc[[at]]
        try:
            with conn.transaction():
                write_frame(conn, row)
        except psycopg.Error as exc:
            if not refused(exc):
                raise
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if exc.sqlstate == "54000" and "index row" in reason:
                reason += " (an id, title, category or format name is too long to index: keep each under 2,000 bytes)"
            path, rid = str(row["source_path"].iloc[0]), str(row["id"].iloc[0])
            report.ingested -= 1
            report.rejected.append(Rejected(path, f"record {rid[:200]}: the database refused it: {reason}"))
            report.warnings = [w for w in report.warnings if not w.startswith(f"{path} [{rid}]: ")]  # not kept


def fold_cube(conn: psycopg.Connection[Any]) -> None:
    """Fold the cube's deltas into one row per combination (rows of another writer's open
    transaction are not visible here and stay as they are)."""
    conn.execute("WITH gone AS (DELETE FROM dataset_atlas.cube RETURNING combo, n) INSERT INTO dataset_atlas.cube "
                 "SELECT combo, sum(n)::integer FROM gone GROUP BY combo HAVING sum(n) <> 0")


def ingest_to_pgstac(paths: Iterable[str | os.PathLike[str]], dsn: str, *,
                     progress: Callable[[int], None] | None = None, workers: int | None = None) -> IngestReport:
    """Read record files into a pgstac database (schema installed or migrated first; upsert).

    All records of one run land in one transaction: a failed or interrupted ingest leaves the
    catalog as it was, and readers never see half an ingest. Ingests write one at a time (a
    second curator's waits for the first to commit): two transactions upserting the same
    records in different orders would otherwise deadlock, and the database would abort one.
    """
    install_schema(dsn)
    report = IngestReport()
    with interrupts_raise("ingest into the database interrupted; the catalog is unchanged"), \
            connect(dsn) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (INGEST_LOCK_KEY,))
        for frame in iter_frames(paths, report, progress=progress, workers=workers):
            write_or_reject(conn, frame, report)
        if report.ingested:
            from psycopg.types.json import Jsonb

            conn.execute("INSERT INTO dataset_atlas.meta VALUES ('last_ingest', %s) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (Jsonb(report.to_dict()),))
    if report.ingested:  # fresh statistics for the planner, and a visibility map for index-only counts
        with connect(dsn, autocommit=True) as conn:
            fold_cube(conn)
            conn.execute("VACUUM (ANALYZE) dataset_atlas.records, dataset_atlas.texts, dataset_atlas.facts, "
                         "dataset_atlas.combos, dataset_atlas.cube")
    return report
