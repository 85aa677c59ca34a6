"""The database layout: its version, the SQL files that create and migrate it, the column
lists the statements name, and connecting.

The DDL lives in ``sql/*.sql`` beside this module (package data, read with
:mod:`importlib.resources`): ``schema.sql`` is the current schema (idempotent),
``migrate-<from>-<to>.sql`` what a catalog written with an older one lacks, and
``texts-storage.sql`` how the texts rows are stored.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from dataset_atlas.catalog.base import CatalogSource
from dataset_atlas.catalog.query import RANK_FIELDS
from dataset_atlas.errors import AtlasError

if TYPE_CHECKING:
    import psycopg

# 2: combos, facts and cube (facet counts); 3: rank fields (relevance in SQL); 4: the search
# text and rank fields in the words of catalog.terms (hyphens split, plurals folded), re-derived
SCHEMA_VERSION = 4
LOCK_KEY = 0x41544C4153  # advisory lock taken while installing the schema ("ATLAS")
INGEST_LOCK_KEY = LOCK_KEY + 1  # held by the ingest writing, for its whole transaction

# Columns of dataset_atlas.texts beside id and the search text, with their types, as
# schema.sql creates them (commented there; a test checks the two agree). The migration's and
# the ingest's temporary tables take their types from here.
TEXTS_COLUMNS = (("combo", "integer"), ("west", "float8"), ("south", "float8"), ("east", "float8"),
                 ("north", "float8"), ("t_lo", "date"), ("t_hi", "date"), ("resolution_m", "float8"),
                 ("grams", "int8[]"), ("ord", "bigint"), ("title_en_key", "text"), ("title_zh_key", "text"),
                 ("start_date", "date"), ("end_date", "date"), ("size_bytes", "bigint"), ("category", "text"),
                 *((f"rank_{name}", "text") for name in RANK_FIELDS))

# The columns statements name (joined where used, with :func:`columns` for a table alias)
COMBO_COLUMNS = ("category", "time_resolution", "access", "extent_quality", "formats")
FACT_COLUMNS = ("west", "south", "east", "north", "t_lo", "t_hi", "resolution_m")
SORT_COLUMNS = ("ord", "title_en_key", "title_zh_key", "start_date", "end_date", "size_bytes",
                "category")  # and resolution_m (a fact column)
INSERT_COLUMNS = ("id", "source_kind", "source_path", "title_zh", "title_en", "category", "keywords", "formats",
                  "place_zh", "place_en", "west", "south", "east", "north", "extent_quality", "start_date",
                  "end_date", "ongoing", "resolution_m", "resolution_text", "time_resolution", "access", "licence",
                  "size_bytes", "file_count", "title_en_key", "title_zh_key")  # of records, beside ord
TEXT_KEYS = ("search_text", "grams", *(f"rank_{name}" for name in RANK_FIELDS))  # of texts, in rows.text_keys' order


def columns(prefix: str, names: tuple[str, ...]) -> str:
    """``names`` of the table aliased ``prefix``, comma separated."""
    return ", ".join(f"{prefix}.{c}" for c in names)


def sql_file(name: str) -> str:
    """The text of ``sql/<name>`` (shipped with the package)."""
    return resources.files("dataset_atlas.catalog.pgstac").joinpath("sql", name).read_text(encoding="utf-8")


def connect(dsn: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection to the catalog database; a refusal becomes one clear :class:`AtlasError`."""
    import psycopg

    try:
        return psycopg.connect(dsn, **kwargs)
    except psycopg.OperationalError as exc:
        where = CatalogSource("pgstac", dsn).display
        raise AtlasError(f"cannot connect to the catalog database {where}: "
                         f"{str(exc).strip().splitlines()[0]}") from exc
