"""The app (AppTest, no browser) on a pgstac database and on a STAC API: same pages, same answers.

DATASET_ATLAS_CATALOG chooses the backend; nothing else in the app changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dataset_atlas.catalog.pgstac import ingest_to_pgstac

from .conftest import CALC_ID, MAGT_ID, ROOT, SEEDS, SMMR_ID
from .pgcluster import Cluster
from .test_stac_api import start_stac_server, stop

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def seeds_db(pg_cluster: Cluster) -> str:
    dsn = pg_cluster.create_database("app")
    ingest_to_pgstac([SEEDS], dsn)
    return dsn


@pytest.fixture(scope="module")
def seeds_api(seeds_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, proc = start_stac_server(seeds_db, tmp_path_factory.mktemp("api") / "serve.log")
    yield "stac+" + url
    stop(proc)


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(tmp_path / "no-data"))
    monkeypatch.chdir(ROOT)


def run(catalog: str, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]) -> AppTest:
    monkeypatch.setenv("DATASET_ATLAS_CATALOG", catalog)
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("###"))


def test_browse_filters_and_counts_on_pgstac(seeds_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(seeds_db, monkeypatch, {"lang": "en"})
    assert headline(at) == "### Dataset Atlas · 3 of 3 datasets"
    at.multiselect(key="w_tres").select("daily").run()
    assert headline(at) == "### Dataset Atlas · 1 of 3 datasets"
    options = at.multiselect(key="w_cat").options  # counts from SQL, given the other filters
    assert any(o.endswith("(1)") for o in options) and any(o.endswith("(0)") for o in options)
    at = run(seeds_db, monkeypatch, {"lang": "en", "q": "冻土"})
    assert headline(at) == "### Dataset Atlas · 1 of 3 datasets"


def test_dataset_and_catalog_pages_on_pgstac(seeds_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(seeds_db, monkeypatch, {"id": SMMR_ID, "lang": "en", "view": "dataset"})
    assert any("车涛" in c.value for c in at.code)
    at = run(seeds_db, monkeypatch, {"id": MAGT_ID, "lang": "en"})
    assert "11738.11.NCDC.NIEER.DB7285.2026" in " ".join(h.proto.body for h in at.get("html"))
    at = run(seeds_db, monkeypatch, {"lang": "en", "view": "catalog"})
    text = " ".join(m.value for m in at.markdown)
    assert seeds_db.split("@")[-1] in text  # the database it reads (no password to hide here)
    assert [m.value for m in at.metric][0] == "3"


def test_browse_on_a_stac_api_says_counts_are_not_available(seeds_api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run(seeds_api, monkeypatch, {"lang": "en"})
    assert headline(at) == "### Dataset Atlas · 3 of 3 datasets"
    assert any("gives no counts per filter value" in c.value for c in at.caption)
    options = at.multiselect(key="w_cat").options
    assert options and not any(re.search(r"\(\d[\d,]*\)$", o) for o in options), options  # no made-up "(0)"
    at.multiselect(key="w_tres").select("daily").run()
    assert headline(at) == "### Dataset Atlas · 1 of 3 datasets"
    at = run(seeds_api, monkeypatch, {"id": CALC_ID, "lang": "en", "view": "dataset"})
    assert not at.warning
