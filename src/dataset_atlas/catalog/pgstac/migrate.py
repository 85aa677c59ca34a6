"""Installing and migrating the schema: pgstac's own (pypgstac's migrations), then the atlas
tables of ``sql/schema.sql``, bringing a catalog written with an older schema up to date in place."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from dataset_atlas.catalog.local.frame import search_fields
from dataset_atlas.catalog.pgstac.rows import derive_facts, text_keys, text_keys_table
from dataset_atlas.catalog.pgstac.schema import (
    FACT_COLUMNS,
    LOCK_KEY,
    SCHEMA_VERSION,
    SORT_COLUMNS,
    TEXT_KEYS,
    columns,
    connect,
    sql_file,
)
from dataset_atlas.catalog.query import SEARCH_TEXT
from dataset_atlas.catalog.terms import normalise_array
from dataset_atlas.model import DatasetRecord

if TYPE_CHECKING:
    import psycopg

MIGRATION_BATCH = 5000  # texts rows a migration derives keys for at a time


def fill_text_keys(cur: psycopg.Cursor[Any]) -> None:
    """Derive the search text, gram keys and rank fields of the texts rows that lack them (a
    migration marks them so) from each record stored in its collection, as ingest does."""
    import pyarrow as pa
    from psycopg import sql

    cur.execute(text_keys_table("atlas_keys") + sql.SQL(" ON COMMIT DROP"))
    after = ""  # in id order (each batch starts where the last one stopped, not at the first row)
    while rows := cur.execute("SELECT t.id, c.content -> 'atlas:record', r.title_en, r.title_zh, r.keywords, "
                              "r.category FROM dataset_atlas.texts AS t JOIN dataset_atlas.records AS r USING (id) "
                              "JOIN pgstac.collections AS c ON c.id = t.id "
                              "WHERE t.id > %s AND (t.grams IS NULL OR t.rank_id IS NULL) "
                              "ORDER BY t.id LIMIT %s", (after, MIGRATION_BATCH)).fetchall():
        after = rows[-1][0]
        frame = pd.DataFrame(rows, columns=["id", "record", "title_en", "title_zh", "keywords", "category"])
        fields = [search_fields(DatasetRecord.from_dict(record)) for record in frame.pop("record")]
        frame[SEARCH_TEXT] = normalise_array(pa.array(fields, pa.large_string())).to_pylist()
        with cur.copy(f"COPY atlas_keys (id, {', '.join(TEXT_KEYS)}) FROM STDIN") as copy:
            for row in text_keys(frame):
                copy.write_row(row)
        cur.execute(f"UPDATE dataset_atlas.texts AS t SET ({', '.join(TEXT_KEYS)}) = "
                    f"ROW({columns('k', TEXT_KEYS)}) FROM atlas_keys AS k WHERE k.id = t.id")
        cur.execute("TRUNCATE atlas_keys")


def copy_facts_to_texts(cur: psycopg.Cursor[Any], ids_from: str) -> None:
    """Copy the fact rows and sort keys of the records ``ids_from`` selects onto their texts rows."""
    cur.execute(f"UPDATE dataset_atlas.texts AS t SET (combo, {', '.join(FACT_COLUMNS)}, {', '.join(SORT_COLUMNS)}) = "
                f"(f.combo, {columns('f', FACT_COLUMNS)}, {columns('r', SORT_COLUMNS)}) "
                "FROM dataset_atlas.facts AS f JOIN dataset_atlas.records AS r ON r.id = f.id "
                f"WHERE f.id = t.id AND t.id IN ({ids_from})")


def stored_schema_version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema version the database's catalog was written with (None: no catalog yet)."""
    found = conn.execute("SELECT to_regclass('dataset_atlas.meta') IS NOT NULL").fetchone()
    if found is None or not found[0]:
        return None
    row = conn.execute("SELECT value::text::int FROM dataset_atlas.meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else int(row[0])


def install_schema(dsn: str) -> str:
    """Install or migrate pgstac (pypgstac's migrations) and the atlas tables; returns pgstac's version."""
    from pypgstac.db import PgstacDB
    from pypgstac.migrate import Migrate

    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            db = PgstacDB(dsn=dsn)
            try:
                version = Migrate(db).run_migration()
            finally:
                db.close()
            with conn.transaction():
                stored = stored_schema_version(conn)
                migrating = stored is not None and stored < SCHEMA_VERSION
                if migrating:  # the columns each later schema added (before schema.sql indexes them)
                    assert stored is not None
                    for step in range(stored, SCHEMA_VERSION):
                        conn.execute(sql_file(f"migrate-{step}-{step + 1}.sql"))
                conn.execute(sql_file("schema.sql"))
                if stored is None or migrating:  # (rows written from now on; a migration rewrites them all)
                    conn.execute(sql_file("texts-storage.sql"))
                if migrating:  # derive what the later schemas added, for every record
                    with conn.cursor() as cur:
                        if stored is not None and stored < 2:
                            derive_facts(cur, "SELECT id FROM dataset_atlas.records")
                            copy_facts_to_texts(cur, "SELECT id FROM dataset_atlas.records")
                        fill_text_keys(cur)
                        # (counts derived anew: app processes read them again, as after an ingest)
                        cur.execute("UPDATE dataset_atlas.meta SET value = to_jsonb(value::text::bigint + 1) "
                                    "WHERE key = 'version'")
                conn.execute("INSERT INTO dataset_atlas.meta VALUES ('schema_version', %s) "
                             "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (json.dumps(SCHEMA_VERSION),))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return str(version)
