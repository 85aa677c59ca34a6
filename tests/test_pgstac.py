"""The pgstac backend on a real PostgreSQL (started by the tests): ingest, queries, parity with the local index.

Parity: the same queries on the seeds, the 123-collection STAC corpus and synthetic records
give the same ids in the same order, the same counts and the same facet counts on the local
index and on pgstac. Where the two differ on purpose, a test below says how.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset_atlas.catalog import Catalog, LocalCatalog, Query, open_catalog
from dataset_atlas.catalog.pgstac import PgstacCatalog, ingest_to_pgstac, install_schema
from dataset_atlas.catalog.pgstac import migrate as migrate_module
from dataset_atlas.catalog.pgstac.grams import gram_keys, term_gram
from dataset_atlas.catalog.pgstac.query import joined, score_sql, where_clauses
from dataset_atlas.catalog.pgstac.reader import MAX_TERMS, WORK_MEM
from dataset_atlas.catalog.pgstac.schema import TEXTS_COLUMNS, sql_file
from dataset_atlas.catalog.query import SORT_KEYS
from dataset_atlas.catalog.stacmap import PREFIX, collection_document, record_from_collection
from dataset_atlas.cli import run
from dataset_atlas.errors import AtlasError, QueryError
from dataset_atlas.model import DatasetRecord
from dataset_atlas.settings import Settings
from dataset_atlas.synth import write_synthetic_records

from .conftest import CALC_ID, MAGT_ID, SEEDS, SMMR_ID, STAC_CORPUS
from .pgcluster import Cluster
from .test_terms import COMPOUNDS, _words, write_records

SYNTH_COUNT = 1500


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_synthetic_records(SYNTH_COUNT, out, seed=7)
    return out


@pytest.fixture(scope="module")
def both(pg_cluster: Cluster, synth_dir: Path, stac_corpus: Path) -> tuple[LocalCatalog, PgstacCatalog]:
    """Seeds + corpus + synthetic records, in memory and in pgstac (ingested the same way)."""
    paths = [SEEDS, stac_corpus, synth_dir]
    dsn = pg_cluster.create_database("parity")
    report = ingest_to_pgstac(paths, dsn)
    local = LocalCatalog.from_paths(paths)
    assert report.ingested == len(local) == 3 + 123 + SYNTH_COUNT
    catalog = PgstacCatalog(dsn)
    yield local, catalog
    catalog.close()


QUERIES = [
    Query(),
    Query(sort="title_zh"), Query(sort="start"), Query(sort="-start"), Query(sort="end"), Query(sort="-end"),
    Query(sort="resolution"), Query(sort="-resolution"), Query(sort="size"), Query(sort="-size"),
    Query(sort="category"), Query(limit=0), Query(limit=25, sort="-start"),
    Query(limit=25, offset=50, sort="-resolution"), Query(offset=1600), Query(offset=40, text="冻土"),  # pages
    Query(bbox=(160, 50, -170, 70)),  # across the antimeridian
    Query(bbox=(-10, -10, 10, 10)), Query(bbox=(73.5, 26, 104.7, 39.8), sort="resolution"),
    Query(bbox=(100, 30, 100, 30)),  # a point
    Query(bbox=(179, -90, -179, 90)),
    Query(start=date(2000, 1, 1)), Query(end=date(1990, 12, 31)),
    Query(start=date(2005, 6, 1), end=date(2005, 6, 30)),
    Query(start=date(2030, 1, 1)),  # only ongoing (open-ended) spans reach this far
    Query(categories=("冻土", "冰川")), Query(categories=("冻土",), time_resolutions=("daily", "monthly")),
    Query(access=("open-access",)), Query(formats=("GeoTIFF", "NetCDF")),
    Query(extent_qualities=("approximate", "missing")),
    Query(min_resolution_m=1000), Query(max_resolution_m=30), Query(min_resolution_m=10, max_resolution_m=1000),
    Query(text="冻土"), Query(text="冻土 温度"), Query(text="snow"), Query(text='"land cover"'),
    Query(text="SENTINEL-2"), Query(text="100%_"), Query(text="%_"),  # LIKE's wildcards are plain text
    Query(text="冻土 temperature"),  # a short term (no trigram) with a long one
    Query(text="冰"), Query(text="土温"), Query(text="数据 snow"), Query(text="co"),  # gram index, short ASCII
    Query(ids=(CALC_ID, MAGT_ID, "sentinel-2-l2a", "no-such-id")),
    # relevance (the UI's default): filtered and counted in SQL, ranked by the same scores
    Query(sort="relevance"), Query(sort="relevance_zh"), Query(text="Sentinel-2", sort="relevance"),
    Query(text="landsat", sort="relevance", limit=3, offset=1), Query(text="冻土", sort="relevance_zh"),
    Query(text="snow cover", sort="relevance", categories=("积雪",)),
    # scored in SQL from the same parts: phrases, whole words, ids, wildcards and regex characters
    Query(text='"land cover" snow', sort="relevance"), Query(text="sentinel-2-l2a", sort="relevance"),
    Query(text="100%_ (a|b) [x] $^.*+?", sort="relevance"), Query(text="snow", sort="relevance", limit=30, offset=7),
    Query(text="冻土 温度", sort="relevance_zh", limit=50), Query(text="数据 snow", sort="relevance_zh",
                                                                 time_resolutions=("daily",)),
    Query(bbox=(73.5, 18, 135.1, 53.6), start=date(2000, 1, 1), categories=("冻土", "积雪", "遥感及产品"),
          formats=("GeoTIFF",), max_resolution_m=25000, text="温度", sort="-start", limit=40),
]


def _same(local: Catalog, pg: Catalog, query: Query) -> None:
    a, b = local.search(query), pg.search(query)
    assert list(b.frame["id"]) == list(a.frame["id"]), query
    assert (b.matched, b.total, b.without_extent) == (a.matched, a.total, a.without_extent), query
    assert b.facets == a.facets, query


@pytest.mark.parametrize("query", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_the_same_query_gives_the_same_ids_order_and_facets(both: tuple[LocalCatalog, PgstacCatalog],
                                                            query: Query) -> None:
    _same(*both, query)


def test_result_rows_and_records_come_back_exactly(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    local, pg = both
    a, b = local.search(Query(limit=400, sort="-start")), pg.search(Query(limit=400, sort="-start"))
    pd.testing.assert_frame_equal(b.frame.reset_index(drop=True), a.frame.reset_index(drop=True))
    for rid in list(a.frame["id"][::7]) + [CALC_ID, MAGT_ID, SMMR_ID, "sentinel-2-l2a"]:
        got, want = pg.get(rid), local.get(rid)
        assert got == want and got is not None and got.raw == want.raw  # lossless, raw document included
    assert pg.get("no-such-id") is None


def test_catalog_wide_values_and_time_span_agree(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    local, pg = both
    for column in ("category", "access", "formats", "time_resolution"):
        assert sorted(pg.values(column)) == sorted(local.values(column)), column
        counts = local.search(Query(limit=0)).facets.get(column)
        if counts:  # most frequent first on both (ties may be listed in another order)
            assert [counts[v] for v in pg.values(column)] == sorted(counts.values(), reverse=True)
    assert pg.time_span() == local.time_span() and len(pg) == len(local)


def test_pages_are_slices_of_the_whole_sorted_result(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    for catalog in both:
        whole = catalog.search(Query(sort="start"))
        page = catalog.search(Query(sort="start", limit=30, offset=90))
        assert list(page.frame["id"]) == list(whole.frame["id"][90:120])
        assert (page.matched, page.facets) == (whole.matched, whole.facets)  # counts ignore paging


def test_unknown_sort_is_a_clear_error(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    with pytest.raises(QueryError, match="sort 'sideways'"):
        both[1].search(Query(sort="sideways"))


def test_text_semantics_are_substrings_like_the_local_index(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    """Substring, not word-based (the STAC API's `q` is word-based: see test_stac_api.py)."""
    local, pg = both
    for text in ("冻", "perma", "ermafro", "tibet plateau"):
        _same(local, pg, Query(text=text))
    assert pg.search(Query(text="冻")).matched > pg.search(Query(text="冻土")).matched > 0


def test_collections_carry_the_prefixed_fields_and_stay_stac(pg_dsn: str) -> None:
    ingest_to_pgstac([SEEDS, STAC_CORPUS / "sentinel-2-l2a.json"], pg_dsn)
    with psycopg.connect(pg_dsn) as conn:
        calc = conn.execute("SELECT content FROM pgstac.collections WHERE id = %s", (CALC_ID,)).fetchone()[0]
        s2 = conn.execute("SELECT content FROM pgstac.collections WHERE id = 'sentinel-2-l2a'").fetchone()[0]
    assert calc["type"] == "Collection" and calc["extent"]["spatial"]["bbox"][0] == calc[PREFIX + "bbox"]
    assert calc[PREFIX + "category"] and calc[PREFIX + "time_resolution"] and calc[PREFIX + "title_zh"]
    assert calc[PREFIX + "record"]["id"] == CALC_ID
    original = json.loads((STAC_CORPUS / "sentinel-2-l2a.json").read_text(encoding="utf-8"))
    assert {k: s2[k] for k in original} == original  # a STAC collection is stored as it came, plus atlas: fields


def test_reingest_updates_in_place_and_deletes_follow_the_collections(pg_dsn: str, tmp_path: Path) -> None:
    doc = json.loads((SEEDS / "000_df35574ea24b81a0.txt").read_text(encoding="utf-8"))
    record_file = tmp_path / "one.json"
    record_file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert ingest_to_pgstac([record_file], pg_dsn).ingested == 1
    (rid,) = PgstacCatalog(pg_dsn).search(Query()).frame["id"]
    doc["title_en"] = doc["title_en"] + " revised"
    record_file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ingest_to_pgstac([record_file, SEEDS], pg_dsn)  # the same id again: updated, not duplicated
    catalog = PgstacCatalog(pg_dsn)
    assert len(catalog) == 3
    assert catalog.search(Query(text="revised")).frame["id"].tolist() == [rid]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # another writer (e.g. the API) deletes it
        conn.execute("SET search_path TO pgstac, public")
        conn.execute("SELECT pgstac.delete_collection(%s)", (rid,))
    assert len(catalog) == 2 and catalog.get(rid) is None and catalog.search(Query(ids=(rid,))).matched == 0


def test_awkward_text_comes_back_unchanged(pg_dsn: str, tmp_path: Path) -> None:
    """Quotes, commas, line breaks, NUL-free control characters and empty fields survive the CSV transfer."""
    doc = json.loads((SEEDS / "000_df35574ea24b81a0.txt").read_text(encoding="utf-8"))
    doc.update(title_en='a, "quoted"\nsecond line\r\n\tend', title_cn="", ds_space_res="", ds_format="")
    (tmp_path / 'odd, "name"\nline two.json').write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ingest_to_pgstac([tmp_path], pg_dsn)
    local = LocalCatalog.from_paths([tmp_path])
    got, want = PgstacCatalog(pg_dsn).search(Query()), local.search(Query())
    assert "\n" in want.frame["source_path"].iat[0] and "\x1f" in want.frame["keywords"].iat[0]
    pd.testing.assert_frame_equal(got.frame.reset_index(drop=True), want.frame.reset_index(drop=True))


def test_a_reused_result_follows_every_change_of_the_catalog(pg_dsn: str, stac_corpus: Path) -> None:
    ingest_to_pgstac([SEEDS], pg_dsn)
    catalog = PgstacCatalog(pg_dsn)
    first = catalog.search(Query(sort="-start"))
    first.frame["title_en"] = "changed by the caller"  # a caller changing its copy changes nothing
    first.facets["category"].clear()
    again = catalog.search(Query(sort="-start"))
    assert again.matched == len(again.frame) == 3 and "changed by the caller" not in set(again.frame["title_en"])
    assert again.facets["category"]
    before = catalog.version()
    ingest_to_pgstac([stac_corpus / "sentinel-2-l2a.json"], pg_dsn)  # another curator, another process
    assert catalog.version() > before
    assert catalog.search(Query(sort="-start")).matched == 4
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("SET search_path TO pgstac, public")
        conn.execute("SELECT pgstac.delete_collection('sentinel-2-l2a')")  # deleted through pgstac
    assert catalog.search(Query(sort="-start")).matched == 3


def test_a_collection_written_by_another_tool_reads_as_stac(pg_dsn: str) -> None:
    ingest_to_pgstac([SEEDS], pg_dsn)
    doc = json.loads((STAC_CORPUS / "sentinel-2-l2a.json").read_text(encoding="utf-8"))
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO pgstac.collections (content) VALUES (%s)", (json.dumps(doc),))
    record = PgstacCatalog(pg_dsn).get("sentinel-2-l2a")
    assert record is not None and record.source_kind == "stac" and record.title.en == doc["title"]


def test_opening_a_database_without_a_catalog_says_how_to_make_one(pg_dsn: str) -> None:
    with pytest.raises(AtlasError, match=r"no Dataset Atlas catalog in this database yet.*ingest"):
        open_catalog(pg_dsn, Settings())


def test_an_unreachable_database_is_one_clear_line(pg_cluster: Cluster) -> None:
    url = f"postgresql://atlas:secret@127.0.0.1:{pg_cluster.port}/no_such_database"
    code, _ = run(["search", "--catalog", url])
    assert code == 2
    with pytest.raises(AtlasError, match="cannot connect to the catalog database") as info:
        open_catalog(url, Settings())
    assert "secret" not in str(info.value)


def test_a_database_that_goes_away_is_a_clear_error(pg_cluster: Cluster) -> None:
    dsn = pg_cluster.create_database("gone")
    ingest_to_pgstac([SEEDS], dsn)
    catalog = PgstacCatalog(dsn)
    assert catalog.search(Query()).matched == 3
    with psycopg.connect(pg_cluster.dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{dsn.rsplit("/", 1)[1]}" WITH (FORCE)')  # ends the pooled connections too
    with pytest.raises(AtlasError, match="did not answer"):
        catalog.search(Query())
    catalog.close()


def test_cli_ingest_search_show_export_on_pgstac(pg_dsn: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["ingest", str(SEEDS), "--catalog", pg_dsn, "--json"])
    assert code == 0 and json.loads(out)["ingested"] == 3
    code, out = run(["search", "--catalog", pg_dsn, "--text", "冻土", "--json"])
    local_code, local_out = run(["search", "--index", str(_local_index(tmp_path)), "--text", "冻土", "--json"])
    assert code == local_code == 0 and json.loads(out) == json.loads(local_out) and len(json.loads(out)) == 1
    code, out = run(["show", CALC_ID, "--catalog", pg_dsn, "--json"])
    assert code == 0 and json.loads(out)["id"] == CALC_ID
    export = ["export", "--format", "geojson", "--sort", "-start"]
    code, out = run([*export, "--catalog", pg_dsn])
    _, local_geojson = run([*export, "--index", str(_local_index(tmp_path))])
    assert code == 0 and json.loads(out) == json.loads(local_geojson)
    code, out = run(["search", "--catalog", pg_dsn, "--sort", "start", "--limit", "1", "--offset", "1", "--json"])
    _, local_out = run(["search", "--index", str(_local_index(tmp_path)), "--sort", "start", "--json"])
    assert code == 0 and json.loads(out) == json.loads(local_out)[1:2]
    code, out = run(["search", "--catalog", pg_dsn, "--category", "nope"])
    assert code == 2 and "no such value in this catalog" in capsys.readouterr().err
    code, out = run(["search", "--catalog", pg_dsn, "--index", "x.parquet"])
    assert code == 2  # one or the other


def test_cli_refuses_to_ingest_into_a_stac_api(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["ingest", str(SEEDS), "--catalog", "stac+http://127.0.0.1:9/"])
    assert code == 2 and "read-only" in capsys.readouterr().err


def _local_index(tmp_path: Path) -> Path:
    path = tmp_path / "local.parquet"
    if not path.exists():
        LocalCatalog.from_paths([SEEDS]).save(path)
    return path


def _counts(catalog: Catalog, query: Query) -> tuple[int, int, int, dict[str, dict[str, int]]]:
    got = catalog.search(query)
    return got.matched, got.total, got.without_extent, got.facets


COUNT_QUERIES = [Query(limit=0), Query(categories=("冻土",), limit=0), Query(formats=("GeoTIFF",), limit=0),
                 Query(bbox=(73.5, 26, 104.7, 39.8), time_resolutions=("daily",), limit=0),
                 Query(start=date(2000, 1, 1), extent_qualities=("missing", "approximate"), limit=0)]


def test_counts_follow_updates_deletes_and_concurrent_curators(pg_dsn: str, tmp_path: Path) -> None:
    """The per-combination counts kept by triggers, and a process's copy of them, stay exact through every
    kind of change."""
    first, second = tmp_path / "first", tmp_path / "second"
    write_synthetic_records(300, first, seed=11)
    write_synthetic_records(300, second, seed=12)
    errors: list[BaseException] = []

    def ingest(path: Path) -> None:
        try:
            ingest_to_pgstac([path], pg_dsn)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(p,)) for p in (first, second)]  # two curators at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and not any(t.is_alive() for t in threads)
    catalog = PgstacCatalog(pg_dsn, results_kept=0)
    for query in COUNT_QUERIES:
        assert _counts(catalog, query) == _counts(LocalCatalog.from_paths([first, second]), query), query
    # re-ingest with changed facet values (updates), then delete through pgstac (cascades)
    changed = sorted(first.rglob("*.json"))[:40]
    for path in changed:
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc.update(category="冰川", ds_format="NetCDF")
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert ingest_to_pgstac([first], pg_dsn).ingested == 300
    for query in COUNT_QUERIES:  # the catalog's counts, read before, are read again
        assert _counts(catalog, query) == _counts(LocalCatalog.from_paths([first, second]), query), query
    gone = catalog.search(Query(limit=25, sort="-start")).frame["id"].tolist()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("SET search_path TO pgstac, public")
        for rid in gone:
            conn.execute("SELECT pgstac.delete_collection(%s)", (rid,))
    local = LocalCatalog.from_paths([first, second])
    local = LocalCatalog(local.frame[~local.frame["id"].isin(gone)].reset_index(drop=True))
    assert len(catalog) == len(local) == 575
    for query in COUNT_QUERIES:
        assert _counts(catalog, query) == _counts(local, query), query
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # ingest folded its deltas: one row per combination
        rows, combos = conn.execute("SELECT count(*), count(DISTINCT combo) FROM dataset_atlas.cube").fetchone()
    assert rows <= combos + len(gone)  # the deletes after the last ingest add one delta each at most


@pytest.mark.parametrize("text", ["near-global", "near global", "global DEM", "sea-ice", "sea ice", "seaice",
                                  "glaciers", "glacier", '"lake water-levels"', "Sentinel-2", "landsat-c2-l2"])
def test_hyphens_compounds_and_plurals_meet_on_both_backends(both: tuple[LocalCatalog, PgstacCatalog],
                                                              text: str) -> None:
    _same(*both, Query(text=text, sort="relevance"))
    if text in ("near-global", "near global", "global DEM"):
        assert {"cop-dem-glo-30", "cop-dem-glo-90"} <= set(both[1].search(Query(text=text)).frame["id"])


def test_compounds_meet_in_the_database(pg_dsn: str, tmp_path: Path) -> None:
    records = write_records(tmp_path / "r", COMPOUNDS)
    ingest_to_pgstac([records], pg_dsn)
    pg, local = PgstacCatalog(pg_dsn, results_kept=0), LocalCatalog.from_paths([records])
    for text in ("sea-ice", "sea ice", "seaice", '"sea ice"'):
        assert set(pg.search(Query(text=text)).frame["id"]) == {"spaced", "hyphen", "joined"}, text
        _same(local, pg, Query(text=text, sort="relevance"))
    assert set(pg.search(Query(text="glaciers")).frame["id"]) == {"glacier"}


@pytest.fixture(scope="module")
def both_words(both: tuple[LocalCatalog, PgstacCatalog]) -> list[tuple[str, str]]:
    return _words(both[0])


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_any_word_of_a_record_finds_it_on_both_backends(both: tuple[LocalCatalog, PgstacCatalog],
                                                        both_words: list[tuple[str, str]], data: st.DataObject) -> None:
    """Property: a word of a record's searchable text (split as catalog/terms.py splits it)
    finds that record, on the local index and in the database."""
    rid, word = data.draw(st.sampled_from(both_words))
    for catalog in both:
        assert catalog.search(Query(text=word, ids=(rid,))).matched == 1, (type(catalog).__name__, rid, word)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_catalog_is_migrated_in_place(pg_dsn: str, stac_corpus: Path, version: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_to_pgstac([SEEDS, stac_corpus], pg_dsn)
    monkeypatch.setattr(migrate_module, "MIGRATION_BATCH", 10)  # the rows are derived over several batches
    added = {1: [c for c, _ in TEXTS_COLUMNS], 2: [c for c, _ in TEXTS_COLUMNS if c.startswith("rank_")],
             3: []}[version]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # what a database of that schema holds
        if version == 1:
            conn.execute("DROP TABLE dataset_atlas.facts, dataset_atlas.cube, dataset_atlas.combos")
        conn.execute("UPDATE dataset_atlas.meta SET value = %s WHERE key = 'schema_version'", (str(version),))
        if added:
            conn.execute(f"ALTER TABLE dataset_atlas.texts {', '.join(f'DROP COLUMN {c}' for c in added)}")
        # schema 3 and before: the search text only lower-cased ("near-global"), no collection summary
        conn.execute("UPDATE dataset_atlas.texts SET search_text = lower(search_text)"
                     " || ' stale-' || id" + ("" if added else ", rank_id = lower(rank_id) || '-'"))
    with pytest.raises(AtlasError, match=f"written with schema {version}, this version reads"):
        PgstacCatalog(pg_dsn)
    install_schema(pg_dsn)
    local = LocalCatalog.from_paths([SEEDS, stac_corpus])
    catalog = PgstacCatalog(pg_dsn, results_kept=0)
    for query in [*COUNT_QUERIES, Query(text="landsat", limit=0), Query(text="冻土", limit=0)]:
        assert _counts(catalog, query) == _counts(local, query), query
    assert catalog.search(Query(text="冻土")).matched > 0  # the gram keys were filled in
    for query in (Query(text="landsat", sort="relevance"), Query(text="sentinel 2", sort="relevance"),
                  Query(text="near-global DEM", sort="relevance"), Query(text="stale")):
        _same(local, catalog, query)  # and the rank fields, and the search text derived anew
    assert _texts_storage(pg_dsn) == {"search_text": "e", "grams": "e", "title_en_key": "m", "rank_tags": "m"}


def _texts_storage(dsn: str) -> dict[str, str]:
    with psycopg.connect(dsn) as conn:
        return dict(conn.execute("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
                                 "'dataset_atlas.texts'::regclass AND attname IN "
                                 "('search_text', 'grams', 'title_en_key', 'rank_tags')").fetchall())


def test_a_texts_row_keeps_its_long_text_out_of_line(pg_dsn: str, synth_dir: Path) -> None:
    """Text queries read narrow rows: the search text and gram keys live in TOAST."""
    ingest_to_pgstac([synth_dir], pg_dsn)
    assert _texts_storage(pg_dsn) == {"search_text": "e", "grams": "e", "title_en_key": "m", "rank_tags": "m"}
    with psycopg.connect(pg_dsn) as conn:
        heap, toast = conn.execute("SELECT pg_relation_size(oid), pg_relation_size(reltoastrelid) FROM pg_class "
                                   "WHERE oid = 'dataset_atlas.texts'::regclass").fetchone()
    assert toast > 2 * heap  # (synthetic texts are 1-3 kB each)


_CHARS = st.sampled_from("冻土温度冰川积雪 aZ9-é")


@given(text=st.text(_CHARS, max_size=40), term=st.text(_CHARS, min_size=1, max_size=2))
def test_a_gram_key_is_found_exactly_when_the_term_is_in_the_text(text: str, term: str) -> None:
    """No database needed: the index is exact for terms of one or two non-ASCII characters."""
    key = term_gram(term)
    if any(ord(c) <= 0x7F for c in term):
        assert key is None  # such terms use the trigram index or a scan
    else:
        assert key is not None and (key in set(gram_keys(text).tolist())) == (term in text)


def test_the_sql_files_name_the_texts_columns_python_names() -> None:
    """No database needed: schema.sql, the migrations and the storage file agree with TEXTS_COLUMNS."""
    schema = sql_file("schema.sql")
    body = schema[schema.index("CREATE TABLE IF NOT EXISTS dataset_atlas.texts ("):]
    body = re.sub(r"--[^\n]*", "", body[body.index("(") + 1:body.index("\n);")])
    declared = [tuple(part.split()[:2]) for part in body.replace("\n", " ").split(",")]
    assert declared[2:] == list(TEXTS_COLUMNS)  # after id and search_text
    added = {step: re.findall(r"ADD COLUMN IF NOT EXISTS (\w+) ([\w\[\]]+)", sql_file(f"migrate-{step}-{step + 1}.sql"))
             for step in (1, 2)}
    assert added[1] + added[2] == list(TEXTS_COLUMNS)
    assert [c for c, _ in added[2]] == [c for c, _ in TEXTS_COLUMNS if c.startswith("rank_")]
    storage = dict(re.findall(r"ALTER COLUMN (\w+) SET STORAGE (\w+)", sql_file("texts-storage.sql")))
    long_values = {"search_text", "grams"}
    assert storage == {"id": "MAIN", "search_text": "EXTERNAL", **{c: "EXTERNAL" if c in long_values else "MAIN"
                       for c, kind in TEXTS_COLUMNS if kind in ("text", "int8[]")}}


@pytest.mark.parametrize("query", QUERIES + [Query(text="a\x00b"), Query(ids=("x",), bbox=(10, 0, 20, 5))])
def test_each_condition_carries_exactly_its_own_parameters(query: Query) -> None:
    """No database needed: every placeholder of a condition is among its parameters and the
    reverse, and no two conditions name the same parameter (so joining some passes exactly theirs)."""
    for table in ("records", "facts", "texts"):
        conds = where_clauses(query, table=table)
        for clause in conds.values():
            assert set(re.findall(r"%\((\w+)\)s", clause.sql)) == set(clause.params)
        names = [name for clause in conds.values() for name in clause.params]
        assert len(names) == len(set(names))
        together = joined(conds.values())
        assert together.params == {k: v for c in conds.values() for k, v in c.params.items()}
    scored = score_sql(["snow", "冻土"])
    assert set(re.findall(r"%\((\w+)\)s", scored.sql)) == set(scored.params)


def test_a_record_comes_back_from_its_collection_document() -> None:
    """No database needed: the STAC mapping both backends read is a round trip; a collection
    without atlas:record (written by another tool) is read as STAC."""
    frame = LocalCatalog.from_paths([SEEDS]).frame
    for row in frame.to_dict("records"):
        record = json.loads(row["record"])
        doc = collection_document(record, row)
        assert doc["id"] == record["id"] and doc[PREFIX + "category"] == row["category"]
        assert record_from_collection(doc, "here") == DatasetRecord.from_dict(record)
        plain = {k: v for k, v in doc.items() if not k.startswith(PREFIX)}
        assert record_from_collection(plain, "here").id == record["id"]


def test_curators_ingesting_the_same_records_at_once_both_land(pg_dsn: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Two curators upserting overlapping records in opposite order: one waits for the other,
    neither fails (each ingest takes its rows in its own order, so without one ingest at a time
    the database could only break the tie by aborting one of them: a deadlock)."""
    import dataset_atlas.catalog.local.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "CHUNK_FILES", 40)  # several transactions' worth of batches each
    first, second = tmp_path / "first", tmp_path / "second"
    write_synthetic_records(120, first, seed=21)
    write_synthetic_records(120, second, seed=22)
    errors: list[BaseException] = []

    def ingest(paths: list[Path]) -> None:
        try:
            ingest_to_pgstac(paths, pg_dsn)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(order,)) for order in ([first, second], [second, first])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    catalog = PgstacCatalog(pg_dsn, results_kept=0)
    local = LocalCatalog.from_paths([first, second])
    assert len(catalog) == len(local) == 240
    for query in COUNT_QUERIES:
        assert _counts(catalog, query) == _counts(local, query), query


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=12)
       | st.sampled_from(["冻土", "sentinel 2", '"land cover"', "snow-cover", "a\\b", "c++", "(x", "[", "^$"]))
def test_any_typed_text_ranks_the_same_in_sql(both: tuple[LocalCatalog, PgstacCatalog], text: str) -> None:
    """Regular-expression and LIKE characters in a term are plain text to both scorers."""
    _same(*both, Query(text=text, sort="relevance", limit=20))


def test_catalog_connections_keep_the_urls_options_and_sort_in_memory(both: tuple[LocalCatalog, PgstacCatalog]
                                                                       ) -> None:
    dsn = both[1].dsn + "?options=-c%20statement_timeout%3D54321"
    catalog = PgstacCatalog(dsn)
    try:
        assert catalog._fetch("SELECT current_setting('work_mem'), current_setting('statement_timeout')")[0] == (
            WORK_MEM, "54321ms")
    finally:
        catalog.close()


def test_nul_characters_in_a_record_cost_neither_the_record_nor_the_ingest(pg_dsn: str, tmp_path: Path) -> None:
    """JSON may escape a NUL (\\u0000) that no PostgreSQL text or jsonb value can hold: it is
    replaced (with a note naming the field) on every backend, and the other records land."""
    good = json.loads((SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]).read_text(encoding="utf-8"))
    bad = {**good, "id": "nul\u0000id", "title_en": "Snow\u0000depth", "ds_keywords_en": "a\u0000b",
           "nul\u0000field": "x"}
    (tmp_path / "good.json").write_text(json.dumps({**good, "id": "good"}), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    report = ingest_to_pgstac([tmp_path], pg_dsn)
    assert report.ingested == 2 and not report.rejected
    assert any("NUL character (U+0000) in field 'title_en'" in w for w in report.warnings)
    pg, local = PgstacCatalog(pg_dsn, results_kept=0), LocalCatalog.from_paths([tmp_path])
    assert pg.get("nul\ufffdid") == local.get("nul\ufffdid") and pg.get("nul\ufffdid") is not None
    assert pg.get("nul\ufffdid").title.en == "Snow\ufffddepth"
    for query in (Query(text="snow\ufffddepth"), Query(text="snow\u0000depth"), Query(ids=("nul\u0000id",))):
        _same(local, pg, query)


@pytest.mark.parametrize("query", [Query(text="冻\u0000土"), Query(text="a\u0000 snow", sort="relevance"),
                                   Query(categories=("冻土", "冻土\u0000")), Query(ids=("\u0000",)),
                                   Query(formats=("GeoTIFF\u0000",))],
                         ids=["text", "ranked", "category", "id", "format"])
def test_a_nul_in_a_query_matches_nothing_it_cannot_match(both: tuple[LocalCatalog, PgstacCatalog],
                                                           query: Query) -> None:
    """A URL can carry %00; PostgreSQL refuses it as a parameter, so it must never reach one."""
    _same(*both, query)
    assert both[1].get("a\u0000") is None


_VALUES = st.sampled_from(["冻土", "积雪", "daily", "monthly", "open-access", "GeoTIFF", "NetCDF", "exact",
                           "approximate", "missing", ""]) | st.text(max_size=6)
_LON, _LAT = st.floats(-180, 180), st.floats(-90, 90)


@st.composite
def _queries(draw: st.DrawFn) -> Query:
    """Any query a URL or the CLI can express (their parsers keep boxes, dates and sizes in range)."""
    lat = sorted(draw(st.lists(_LAT, min_size=2, max_size=2)))
    bbox = draw(st.none() | st.just((draw(_LON), lat[0], draw(_LON), lat[1])))
    day = st.none() | st.dates(date(1850, 1, 1), date(2150, 12, 31))
    size = st.none() | st.floats(0.01, 1e7)
    return Query(bbox=bbox, start=draw(day), end=draw(day), min_resolution_m=draw(size), max_resolution_m=draw(size),
                 categories=tuple(draw(st.lists(_VALUES, max_size=2))),
                 time_resolutions=tuple(draw(st.lists(_VALUES, max_size=2))),
                 access=tuple(draw(st.lists(_VALUES, max_size=1))), formats=tuple(draw(st.lists(_VALUES, max_size=2))),
                 extent_qualities=tuple(draw(st.lists(_VALUES, max_size=2))),
                 text=draw(st.sampled_from(["", "冻土", "snow", "温度 data", "co"]) | st.text(max_size=8)),
                 sort=draw(st.sampled_from(sorted(SORT_KEYS))), limit=draw(st.none() | st.integers(0, 40)),
                 offset=draw(st.integers(0, 40)))


@settings(max_examples=150, deadline=None)
@given(query=_queries())
def test_any_query_gives_the_same_answer_on_both_backends(both: tuple[LocalCatalog, PgstacCatalog],
                                                          query: Query) -> None:
    """Fuzz: ids, order, counts and facets agree for any mix of filters, text, sort and page."""
    _same(*both, query)


def test_a_record_the_database_refuses_is_rejected_alone_with_its_reason(pg_dsn: str, tmp_path: Path) -> None:
    """Values longer than an index entry can hold (8 kB) cost their record, named, not the ingest."""
    good = json.loads((SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]).read_text(encoding="utf-8"))
    junk = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3000))  # 9,000 bytes, incompressible
    for name, change in {"id": {"id": junk}, "category": {"id": "long-category", "category": junk},
                         "title": {"id": "long-title", "title_en": junk + junk}}.items():
        (tmp_path / f"{name}.json").write_text(json.dumps({**good, **change}, ensure_ascii=False), encoding="utf-8")
    for i in range(3):
        (tmp_path / f"ok{i}.json").write_text(json.dumps({**good, "id": f"ok-{i}"}), encoding="utf-8")
    report = ingest_to_pgstac([tmp_path], pg_dsn)
    assert report.ingested == 3
    why = {Path(r.path).name: r.reason for r in report.rejected}
    assert set(why) == {"id.json", "category.json", "title.json"}
    assert all("the database refused it" in r and "too long to index" in r for r in why.values())
    assert why["category.json"].startswith("record long-category:")
    assert not any("long-category" in w or "long-title" in w for w in report.warnings)  # only the kept records
    catalog = PgstacCatalog(pg_dsn, results_kept=0)
    assert sorted(catalog.search(Query()).frame["id"]) == ["ok-0", "ok-1", "ok-2"]
    assert catalog.report.ingested == 3  # the stored report says the same


def test_free_text_of_many_terms_is_searched_up_to_a_clear_limit(both: tuple[LocalCatalog, PgstacCatalog]) -> None:
    """A link keeps 500 characters of text (250 terms at most); the CLI takes any length."""
    words = " ".join(["snow", "冻土", "data"] * (MAX_TERMS // 3) + ["snow"] * (MAX_TERMS % 3))
    _same(*both, Query(text=words, sort="relevance", limit=20))
    with pytest.raises(QueryError, match=f"free text of {MAX_TERMS + 1} terms"):
        both[1].search(Query(text=words + " x"))


def test_a_record_deleted_between_a_text_querys_statements_is_left_out(pg_dsn: str, stac_corpus: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer may delete a page's record after the page was picked, before it is read."""
    ingest_to_pgstac([stac_corpus], pg_dsn)
    catalog = PgstacCatalog(pg_dsn, results_kept=0)
    before = list(catalog.search(Query(text="landsat", sort="relevance")).frame["id"])
    read_page = PgstacCatalog._copy_frame

    def delete_then_read(cur: object, sql: str, params: dict) -> pd.DataFrame:
        with psycopg.connect(pg_dsn, autocommit=True) as other:  # a real delete, by another connection
            other.execute("SET search_path TO pgstac, public")
            other.execute("SELECT pgstac.delete_collection(%s)", (before[0],))
        return read_page(cur, sql, params)

    monkeypatch.setattr(PgstacCatalog, "_copy_frame", staticmethod(delete_then_read))
    got = list(catalog.search(Query(text="landsat", sort="relevance")).frame["id"])
    assert got == before[1:]  # the others, in their order; no row shown twice


@pytest.mark.parametrize("text", ["高程", "合成孔径雷达", "permafrost", "DEM", "soil moisture", "冻土 elevation",
                                  '"sea ice"', "Permafrost zzqx"])
@pytest.mark.parametrize("sort", ["relevance", "relevance_zh", "title"])
def test_glossary_expansion_is_the_same_on_both_backends(both: tuple[LocalCatalog, PgstacCatalog], text: str,
                                                          sort: str) -> None:
    _same(*both, Query(text=text, sort=sort))
    assert both[1].search(Query(text=text)).expanded == both[0].search(Query(text=text)).expanded
    found = set(both[1].search(Query(text=text)).frame["id"])
    if text == "高程":
        assert {"cop-dem-glo-30", "cop-dem-glo-90"} <= found
    if text == "合成孔径雷达":
        assert {"sentinel-1-grd", "sentinel-1-rtc"} <= found
    if text == "permafrost":  # NCDC records that say 冻土 and never "permafrost"
        texts = both[0].frame.set_index("id")["search_text"]
        assert any("permafrost" not in texts[r] and "冻土" in texts[r] for r in found)
