"""Queries with facet counts: LocalCatalog.search vs the same queries in DuckDB, same data in memory.

The 100,000-record frame is the saved synthetic index; 10,000 is its head and 1,000,000 is
it repeated ten times (ids made unique), built in memory. Each query returns the first 1,000
rows in title order plus the five facet counts (the other filters applied, as the app shows
them); DuckDB gets the same SQL (one filtered SELECT, five GROUP BYs). Text queries clear
the text index's term cache before every run, so each run is a first keystroke.

    python bench/query_bench.py [--sizes 10000,100000,1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa
from common import Figure, index_file, paired_medians, table

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.glossary import expanded_forms
from dataset_atlas.catalog.local.geoparquet import load_index
from dataset_atlas.catalog.local.textindex import TextIndex
from dataset_atlas.catalog.query import FACETS

AREA = (90.0, 30.0, 110.0, 45.0)
QUERIES: dict[str, Query] = {
    "no filter": Query(),
    "area": Query(bbox=AREA),
    "time": Query(start=date(2000, 1, 1), end=date(2010, 12, 31)),
    "category": Query(categories=("冻土",)),
    "resolution": Query(max_resolution_m=1000.0),
    "format": Query(formats=("GeoTIFF",)),
    "text zh 冻土": Query(text="冻土"),
    "text en permafrost": Query(text="permafrost"),
    'text phrase "lake water level"': Query(text='"lake water level"'),
    "text no match": Query(text="zzqx"),
    "all combined": Query(bbox=AREA, start=date(2000, 1, 1), end=date(2010, 12, 31), categories=("冻土", "积雪"),
                          max_resolution_m=30000.0, text="数据"),
}
LIMIT = 1000


def frames(sizes: list[int]) -> dict[int, pd.DataFrame]:
    base, _ = load_index(index_file(100_000), records=False)
    out = {}
    for size in sizes:
        if size <= len(base):
            out[size] = base.head(size).reset_index(drop=True)
        else:
            reps = -(-size // len(base))
            parts = []
            for k in range(reps):
                part = base.copy()
                part["id"] = part["id"] + f"-{k}"
                parts.append(part)
            out[size] = pd.concat(parts, ignore_index=True).head(size)
    return out


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def where(query: Query, skip: str | None = None) -> str:
    """SQL for the filters of ``query`` (the same semantics as catalog.query)."""
    cond = []
    if query.bbox is not None:
        qw, qs, qe, qn = query.bbox  # the benchmark's area does not cross 180°
        cond.append(f"south <= {qn} AND north >= {qs} AND ((west <= {qe} AND "
                    f"(CASE WHEN west > east THEN 180 ELSE east END) >= {qw}) OR (west > east AND east >= {qw}))")
    if query.start or query.end:
        lo = '(CASE WHEN "end" IS NULL OR start <= "end" OR start IS NULL THEN start ELSE "end" END)'
        hi = '(CASE WHEN start IS NULL OR start <= "end" OR "end" IS NULL THEN "end" ELSE start END)'
        cond.append(f"NOT ({lo} IS NULL AND {hi} IS NULL)")
        if query.end:
            cond.append(f"({lo} IS NULL OR {lo} <= TIMESTAMP '{query.end}')")
        if query.start:
            cond.append(f"({hi} IS NULL OR {hi} >= TIMESTAMP '{query.start}')")
    if query.max_resolution_m is not None:
        cond.append(f"resolution_m <= {query.max_resolution_m * (1 + 1e-9)}")
    if query.categories and skip != "category":
        cond.append(f"category IN ({', '.join(map(_lit, query.categories))})")
    if query.formats and skip != "formats":
        cond.append(f"len(list_intersect(string_split(formats, chr(31)), [{', '.join(map(_lit, query.formats))}])) > 0")
    for forms in expanded_forms(query.text):  # each term in any of its forms or its glossary translations'
        cond.append("(" + " OR ".join(f"contains(search_text, {_lit(form)})" for form in forms) + ")")
    return " AND ".join(cond) or "TRUE"


def duck_search(con: duckdb.DuckDBPyConnection, query: Query) -> tuple[int, pd.DataFrame, dict]:
    rows = con.sql(f"SELECT * EXCLUDE (search_text) FROM t WHERE {where(query)} "
                   f"ORDER BY lower(title_en) LIMIT {LIMIT}").to_arrow_table()
    matched = con.execute(f"SELECT count(*) FROM t WHERE {where(query)}").fetchone()[0]
    facets = {}
    for facet in FACETS:
        if facet == "formats":
            sql = (f"SELECT f, count(*) FROM (SELECT unnest(string_split(formats, chr(31))) AS f FROM t "
                   f"WHERE {where(query, facet)}) WHERE f <> '' GROUP BY f")
        else:
            sql = f"SELECT {facet}, count(*) FROM t WHERE {where(query, facet)} GROUP BY {facet}"
        facets[facet] = dict(con.execute(sql).fetchall())
    return matched, rows, facets


def measure(sizes: list[int], runs: int = 5) -> list[Figure]:
    figures = []
    for size, frame in frames(sizes).items():
        figures.extend(measure_size(size, frame, runs))
    return figures


def measure_size(size: int, frame: pd.DataFrame, runs: int) -> list[Figure]:
    figures = []
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("t", pa.Table.from_pandas(frame, preserve_index=False))
    start = time.perf_counter()
    index = TextIndex(frame["search_text"])
    build = time.perf_counter() - start
    catalog = LocalCatalog(frame, text_index=index)
    catalog.search(Query(limit=1))  # facet codes and sort ranks, built once per catalog
    scan = paired_medians(lambda: duck_search(con, QUERIES["text zh 冻土"]), lambda: None, runs=3)[0]
    figures.append(Figure(f"{size:,}: text index build", build, scan, "DuckDB text query",
                          f"{index.nbytes / 1e6:.0f} MB, once per catalog"))
    for name, query in QUERIES.items():
        query = Query(**{**query.__dict__, "limit": LIMIT})

        def ours(query: Query = query) -> None:
            index._cache.clear()
            catalog.search(query)

        mine = catalog.search(query)
        matched, _, facets = duck_search(con, query)
        same = mine.matched == matched and all(
            {k: v for k, v in mine.facets[f].items()} == {str(k): v for k, v in facets[f].items() if v}
            for f in FACETS)
        a, b = paired_medians(ours, lambda query=query: duck_search(con, query), runs=runs)
        figures.append(Figure(f"{size:,}: {name}", a, b, "DuckDB",
                              f"{mine.matched:,} match" + ("" if same else " (COUNTS DIFFER)")))
    con.close()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(table(measure([int(s) for s in args.sizes.split(",")], args.runs)))
