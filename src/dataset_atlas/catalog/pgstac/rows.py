"""What the database holds per record beside its collection, derived from the index frame by
the same Python code as the local index (so queries agree): the flat ``records`` row, the
``texts`` keys, and (in SQL) its combination of facet values and its ``facts`` row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from dataset_atlas.catalog.local.frame import LIST_SEP
from dataset_atlas.catalog.local.ranking import rank_fields
from dataset_atlas.catalog.pgstac.grams import grams_literal
from dataset_atlas.catalog.pgstac.schema import COMBO_COLUMNS, FACT_COLUMNS, TEXT_KEYS, TEXTS_COLUMNS
from dataset_atlas.catalog.query import SEARCH_TEXT
from dataset_atlas.catalog.stacmap import iso_day, number_or_none

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql


def text_keys(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Per record of ``frame`` (id, search text, title and keyword columns): what texts keeps
    besides its fact columns (id, search text, gram keys, rank fields), as COPY rows."""
    ranks = [field.to_pylist() for field in rank_fields(frame).values()]
    for rid, text, *rank in zip(frame["id"], frame[SEARCH_TEXT], *ranks, strict=True):
        yield rid, text, grams_literal(text), *rank


def text_keys_table(name: str) -> sql.Composed:
    """``CREATE TEMP TABLE IF NOT EXISTS <name>`` with an id and the :data:`TEXT_KEYS` columns
    (their types as in texts); the caller adds ``ON COMMIT …``."""
    from psycopg import sql

    types = dict(TEXTS_COLUMNS, search_text="text")
    fields = [sql.SQL("id text"), *(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in TEXT_KEYS)]
    return sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} ({})").format(sql.Identifier(name), sql.SQL(", ").join(fields))


def derive_facts(cur: psycopg.Cursor[Any], ids_from: str) -> None:
    """(Re)write the combinations and fact rows of the records whose ids ``ids_from`` selects."""
    combo, fact = ", ".join(COMBO_COLUMNS), ", ".join(FACT_COLUMNS)
    chosen = f"SELECT * FROM dataset_atlas.records WHERE id IN ({ids_from})"
    cur.execute(f"INSERT INTO dataset_atlas.combos ({combo}, has_extent) "
                f"SELECT DISTINCT {combo}, west IS NOT NULL FROM ({chosen}) AS r ORDER BY 1, 2, 3, 4, 5, 6 "
                "ON CONFLICT DO NOTHING")
    excluded = ", ".join(f"EXCLUDED.{c}" for c in ("combo", *FACT_COLUMNS))
    cur.execute(f"INSERT INTO dataset_atlas.facts (id, combo, {fact}) "
                f"SELECT r.id, k.code, {', '.join('r.' + c for c in FACT_COLUMNS)} FROM ({chosen}) AS r "
                f"JOIN dataset_atlas.combos AS k ON (k.category, k.time_resolution, k.access, k.extent_quality, "
                "k.formats, k.has_extent) = (r.category, r.time_resolution, r.access, r.extent_quality, r.formats, "
                f"r.west IS NOT NULL) ON CONFLICT (id) DO UPDATE SET (combo, {fact}) = ROW({excluded})")


def _int_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def table_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows for ``dataset_atlas.records`` from an index frame (same values the local index holds),
    in the order of :data:`~.schema.INSERT_COLUMNS`."""
    out = []
    for r in frame.to_dict("records"):
        formats = [f for f in str(r["formats"]).split(LIST_SEP) if f] if r["formats"] else []
        out.append((
            r["id"], r["source_kind"], r["source_path"], r["title_zh"], r["title_en"], r["category"], r["keywords"],
            formats, r["place_zh"], r["place_en"], number_or_none(r["west"]), number_or_none(r["south"]),
            number_or_none(r["east"]), number_or_none(r["north"]), r["extent_quality"], iso_day(r["start"]),
            iso_day(r["end"]), bool(r["ongoing"]), number_or_none(r["resolution_m"]), r["resolution_text"],
            r["time_resolution"], r["access"], r["licence"], _int_or_none(r["size_bytes"]),
            _int_or_none(r["file_count"]), (r["title_en"] or "").lower(), zh_key(r["title_zh"]),
        ))
    return out


def zh_key(title: str | None) -> str:
    """The Chinese title order of the local index (GB18030 bytes: pinyin for common
    characters) as text that ``COLLATE "C"`` orders the same way: the bytes in hex."""
    return (title or "").lower().encode("gb18030", "replace").hex()
