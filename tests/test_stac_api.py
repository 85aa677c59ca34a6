"""`dataset-atlas serve-stac` (stac-fastapi-pgstac) on a real database, and the `stac+http://` backend reading it.

The server is the real CLI command in a child process on a free loopback port; clients are
plain HTTP and :class:`StacApiCatalog`. Through the API the same ids come back as from the
local index for every filter the API expresses; free text is the API's word-based ``q``,
and that difference is checked, not left to chance.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dataset_atlas.catalog import LocalCatalog, Query, open_catalog
from dataset_atlas.catalog.pgstac import ingest_to_pgstac
from dataset_atlas.catalog.stacapi import StacApiCatalog, api_text
from dataset_atlas.cli import run
from dataset_atlas.errors import AtlasError
from dataset_atlas.settings import Settings
from dataset_atlas.synth import write_synthetic_records

from .conftest import CALC_ID, SEEDS, SMMR_ID, stop
from .helpers import free_port
from .pgcluster import Cluster

START_TIMEOUT_S = 90


def start_stac_server(dsn: str, log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """`dataset-atlas serve-stac` as a child process; returns its URL once the landing page answers."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dataset_atlas.cli", "serve-stac", "--catalog", dsn,
                                 "--host", "127.0.0.1", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:  # readiness polling, not a timing assertion
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as resp:
                if resp.status == 200:
                    return url, proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"serve-stac did not answer: {log.read_text(errors='replace')[-2000:]}")



@pytest.fixture(scope="module")
def served(pg_cluster: Cluster, stac_corpus: Path, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[tuple[str, LocalCatalog]]:
    work = tmp_path_factory.mktemp("stac-api")
    write_synthetic_records(400, work / "synth", seed=3)
    paths = [SEEDS, stac_corpus, work / "synth"]
    dsn = pg_cluster.create_database("api")
    ingest_to_pgstac(paths, dsn)
    url, proc = start_stac_server(dsn, work / "serve.log")
    try:
        yield url, LocalCatalog.from_paths(paths)
    finally:
        stop(proc)


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.loads(resp.read())


def test_the_api_is_standard_stac_with_collection_search(served: tuple[str, LocalCatalog]) -> None:
    url, local = served
    landing = get(url + "/")
    assert any(c.endswith("collection-search") for c in landing["conformsTo"])
    page = get(url + "/collections?limit=10")
    assert page["numberMatched"] == len(local) and len(page["collections"]) == 10
    calc = get(f"{url}/collections/{CALC_ID}")
    assert calc["type"] == "Collection" and calc["atlas:category"] == local.get(CALC_ID).category
    with pytest.raises(urllib.error.HTTPError):  # read-only: no transactions extension
        urllib.request.urlopen(urllib.request.Request(url + "/collections", data=b"{}", method="POST",
                                                      headers={"Content-Type": "application/json"}), timeout=30)


API_QUERIES = [
    Query(), Query(bbox=(160, 50, -170, 70)), Query(bbox=(73.5, 26, 104.7, 39.8)), Query(bbox=(100, 30, 100, 30)),
    Query(start=date(2000, 1, 1)), Query(end=date(1990, 12, 31)), Query(start=date(2005, 6, 1), end=date(2005, 6, 30)),
    Query(categories=("冻土", "冰川")), Query(time_resolutions=("daily", "monthly")), Query(access=("open-access",)),
    Query(formats=("GeoTIFF", "NetCDF")), Query(extent_qualities=("approximate",)), Query(max_resolution_m=30),
    Query(min_resolution_m=10, max_resolution_m=1000), Query(ids=(CALC_ID, SMMR_ID, "sentinel-2-l2a")),
    Query(bbox=(73.5, 18, 135.1, 53.6), start=date(2000, 1, 1), categories=("冻土", "积雪", "遥感及产品"),
          max_resolution_m=25000, sort="-start", limit=30),
]


@pytest.mark.parametrize("query", API_QUERIES, ids=[f"q{i}" for i in range(len(API_QUERIES))])
def test_every_filter_the_api_expresses_gives_the_local_ids(served: tuple[str, LocalCatalog], query: Query) -> None:
    url, local = served
    catalog = StacApiCatalog("stac+" + url)
    got, want = catalog.search(query), local.search(query)
    assert got.matched == want.matched and got.total == want.total and got.without_extent == want.without_extent
    if query.limit is None:
        assert set(got.frame["id"]) == set(want.frame["id"])
    else:  # ties in the sort key may fall in another order (the API does not know the ingest order)
        key = {"-start": "start"}.get(query.sort, "title_en")
        assert list(got.frame[key]) == list(want.frame[key])
    assert not catalog.facets_available and got.facets == {}


def test_free_text_is_word_based_through_the_api(served: tuple[str, LocalCatalog]) -> None:
    """The documented difference: the API's `q` matches words; the other backends match substrings."""
    url, local = served
    catalog = StacApiCatalog("stac+" + url)
    api = set(catalog.search(Query(text="snow")).frame["id"])
    substring = set(local.search(Query(text="snow")).frame["id"])
    # Every word hit contains the letters too, but the API's parser (PostgreSQL full text) does not
    # see "snow" inside "snowfall" or "snow/ice": fewer hits, never other ones.
    assert api and api < substring
    chinese = catalog.search(Query(text="冻")).matched
    assert chinese < local.search(Query(text="冻")).matched  # one character of 冻土 is no word of its own


def test_records_values_and_span_through_the_api(served: tuple[str, LocalCatalog]) -> None:
    url, local = served
    catalog = open_catalog("stac+" + url, Settings())
    assert isinstance(catalog, StacApiCatalog) and catalog.source.kind == "stac-api"
    for rid in (CALC_ID, SMMR_ID, "sentinel-2-l2a"):
        assert catalog.get(rid) == local.get(rid)
    assert catalog.get("no-such-id") is None
    assert sorted(catalog.values("category")) == sorted(local.values("category"))
    assert catalog.time_span() == local.time_span() and len(catalog) == len(local)


def test_cli_search_through_the_api(served: tuple[str, LocalCatalog]) -> None:
    url, local = served
    code, out = run(["search", "--catalog", "stac+" + url, "--category", "冻土", "--sort", "start", "--json"])
    want = local.search(Query(categories=("冻土",), sort="start")).frame
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(want) > 1
    assert sorted(r["id"] for r in rows) == sorted(want["id"])
    assert [r["start"] for r in rows] == [None if pd.isna(v) else v.date().isoformat() for v in want["start"]]


def test_an_unreachable_api_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens there
    code, _ = run(["search", "--catalog", f"stac+http://127.0.0.1:{port}"])
    assert code == 2 and "cannot reach the STAC API" in capsys.readouterr().err
    with pytest.raises(AtlasError, match="cannot reach"):
        StacApiCatalog(f"stac+http://127.0.0.1:{port}")


def test_serve_stac_needs_a_database_url(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _ = run(["serve-stac", "--catalog", "some/index.parquet"])
    assert code == 2 and "serve-stac needs --catalog postgresql://" in capsys.readouterr().err
    monkeypatch.delenv("DATASET_ATLAS_CATALOG", raising=False)
    code, _ = run(["serve-stac"])
    assert code == 2 and "(or $DATASET_ATLAS_CATALOG)" in capsys.readouterr().err


@pytest.mark.parametrize("query", [Query(text="a\u0000"), Query(text="snow\u0000"), Query(categories=("冻土\u0000",)),
                                   Query(ids=("\u0000",)), Query(formats=("GeoTIFF\u0000", "NetCDF"))],
                         ids=["text", "text-word", "category", "id", "format"])
def test_a_nul_through_the_api_matches_what_it_can(served: tuple[str, LocalCatalog], query: Query) -> None:
    """A NUL (a link's %00) never reaches the API, which would answer 500."""
    url, local = served
    catalog = StacApiCatalog("stac+" + url)
    assert catalog.search(query).matched == local.search(query).matched
    assert catalog.get("a\u0000") is None


@pytest.mark.parametrize(("text", "same_as"), [("'", None), ("(snow)", "snow"), ("snow:", "snow"), ("!ice", "ice"),
                                              ("a\\b", '"a b"'), ("-", None), ("冻土 (permafrost)", "冻土 permafrost"),
                                              ("冻土 温度", None), ('snow "ice cap"', None)])
def test_free_text_through_the_api_is_words_not_query_syntax(served: tuple[str, LocalCatalog], text: str,
                                                             same_as: str | None) -> None:
    """pgstac reads `q` as tsquery syntax (a lone ', (, : or ! was a server error, as were terms
    joined by spaces once one is Chinese): only words go, joined by AND."""
    url, _ = served
    catalog = StacApiCatalog("stac+" + url)
    got = catalog.search(Query(text=text))  # no AtlasError (the API answered)
    if api_text(text) is None:
        assert got.matched == 0
    elif same_as is not None:
        assert got.matched == catalog.search(Query(text=same_as)).matched
