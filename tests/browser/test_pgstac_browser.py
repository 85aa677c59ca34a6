"""The app in a real Chromium with its catalog in a real pgstac database (DATASET_ATLAS_CATALOG)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.pgstac import ingest_to_pgstac

from ..conftest import MAGT_ID
from ..pgcluster import Cluster
from .conftest import HOSTILE, ROOT, Server, painted, settled, start_streamlit, stop
from .test_app import TIMEOUT, open_app, wait_count

pytestmark = pytest.mark.browser
SCREENSHOT = "/tmp/atlas_pgstac_browse.png"


@pytest.fixture(scope="module")
def atlas_pg(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    work = tmp_path_factory.mktemp("atlas-pg")
    records = work / "records"
    shutil.copytree(ROOT / "seeds", records)
    (records / "hostile.json").write_text(json.dumps(HOSTILE, ensure_ascii=False), encoding="utf-8")
    dsn = pg_cluster.create_database("browser")
    ingest_to_pgstac([records], dsn)
    url, proc = start_streamlit({"DATASET_ATLAS_CATALOG": dsn, "DATASET_ATLAS_INDEX": "",
                                 "DATASET_ATLAS_DATA_ROOT": str(work / "no-data")}, work / "streamlit.log")
    yield Server(url, work / "no-index", work / "no-data", proc), dsn
    stop(proc)


def test_search_filter_and_detail_on_pgstac(page: Page, atlas_pg: tuple[Server, str]) -> None:
    server, _ = atlas_pg
    frame = open_app(page, server, "?lang=en")
    wait_count(page, "4 of 4 datasets")
    expect(frame.locator("path.leaflet-interactive")).to_have_count(4, timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="Search text (Chinese or English)")
    box.fill("冻土")  # a Chinese substring, matched in SQL
    box.press("Enter")
    wait_count(page, "1 of 4 datasets")
    expect(frame.locator("path.leaflet-interactive")).to_have_count(1, timeout=TIMEOUT)
    page.wait_for_function("/[?&]q=%E5%86%BB%E5%9C%9F/.test(location.href)", timeout=TIMEOUT)  # the URL keeps it
    page.screenshot(path=SCREENSHOT)


def test_detail_from_the_database_and_hostile_text_stays_text(page: Page, atlas_pg: tuple[Server, str]) -> None:
    server, _ = atlas_pg
    open_app(page, server, f"?lang=en&id={MAGT_ID}")  # the whole record, read back from the collection
    expect(page.get_by_text("11738.11.NCDC.NIEER.DB7285.2026").first).to_be_visible(timeout=TIMEOUT)
    wait_count(page, "4 of 4 datasets")
    page.screenshot(path="/tmp/atlas_pgstac_detail.png")
    box = page.get_by_role("textbox", name="Search text (Chinese or English)")
    box.fill("hostile")
    box.press("Enter")
    wait_count(page, "1 of 4 datasets")
    # The results grid (a canvas; its cells are hidden text for screen readers) lists the title as text.
    expect(page.locator("[data-testid='glide-cell-1-0']")).to_have_text("Hostile title", timeout=TIMEOUT)
    assert page.evaluate("window.__pwned") is None


def test_a_link_carrying_nul_characters_opens_cleanly(page: Page, atlas_pg: tuple[Server, str]) -> None:
    """%00 in a shared link (text, facets, selection) matches nothing; PostgreSQL never sees it."""
    server, _ = atlas_pg
    page.goto(f"{server.url}/?lang=en&q=%00&cat=%E5%86%BB%E5%9C%9F%00&fmt=GeoTIFF%00&id=%00")
    wait_count(page, "0 of 4 datasets")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    page.get_by_role("button", name="Clear all filters").click()
    wait_count(page, "4 of 4 datasets")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_catalog_page_names_the_database(page: Page, atlas_pg: tuple[Server, str]) -> None:
    server, dsn = atlas_pg
    page.goto(f"{server.url}/?lang=en&view=catalog")
    host = dsn.split("@")[-1]
    expect(page.get_by_text(host, exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("4", timeout=TIMEOUT)  # records, counted in SQL
    expect(page.get_by_test_id("stDataFrame")).to_have_count(3, timeout=TIMEOUT)  # warnings, categories, qualities
    settled(page)
    painted(page)  # the grids drawn before the screenshot (not an assertion)
    page.screenshot(path="/tmp/atlas_pgstac_catalog.png", full_page=True)


@pytest.fixture(scope="module")
def atlas_pg_capped(atlas_pg: tuple[Server, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same database, served by an app that reads at most 2 rows per result."""
    _, dsn = atlas_pg
    work = tmp_path_factory.mktemp("atlas-pg-capped")
    url, proc = start_streamlit({"DATASET_ATLAS_CATALOG": dsn, "DATASET_ATLAS_INDEX": "",
                                 "DATASET_ATLAS_DATA_ROOT": str(work / "no-data"), "DATASET_ATLAS_RESULT_ROWS": "2"},
                                work / "streamlit.log")
    yield Server(url, work / "no-index", work / "no-data", proc)
    stop(proc)


def test_a_capped_result_says_what_the_map_shows(page: Page, atlas_pg_capped: Server) -> None:
    """Past the cap the counts stay whole, the map and table show the first rows, and a note says so."""
    frame = open_app(page, atlas_pg_capped, "?lang=en&sort=title")
    wait_count(page, "4 of 4 datasets")  # counted in SQL over every record
    expect(page.get_by_text("show the first 2 of 4 matching datasets")).to_be_visible(timeout=TIMEOUT)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(2, timeout=TIMEOUT)
    expect(page.get_by_text("Rows 1–2 of 4")).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path="/tmp/atlas_pgstac_capped.png")
    page.get_by_text("中文", exact=True).click()  # the note in Chinese too
    expect(page.get_by_text("显示按当前排序的前 2 个数据集（共 4 个匹配")).to_be_visible(timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="关键词（中文或英文）")
    box.fill("冻土")
    box.press("Enter")
    wait_count(page, "1 / 4 个数据集")
    expect(page.get_by_text("显示按当前排序的前")).to_have_count(0, timeout=TIMEOUT)  # all of it fits: no note
    expect(frame.locator("path.leaflet-interactive")).to_have_count(1, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def atlas_pg_corpus(pg_cluster: Cluster, stac_corpus: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, LocalCatalog]]:
    """The seeds and the 123 STAC collections in pgstac, and the same records in a local index."""
    work = tmp_path_factory.mktemp("atlas-pg-corpus")
    dsn = pg_cluster.create_database("corpus")
    ingest_to_pgstac([ROOT / "seeds", stac_corpus], dsn)
    url, proc = start_streamlit({"DATASET_ATLAS_CATALOG": dsn, "DATASET_ATLAS_INDEX": "",
                                 "DATASET_ATLAS_DATA_ROOT": str(work / "no-data")}, work / "streamlit.log")
    yield Server(url, work / "no-index", work / "no-data", proc), LocalCatalog.from_paths([ROOT / "seeds", stac_corpus])
    stop(proc)


def _first_titles(page: Page, count: int) -> list[str]:
    # The results grid is a canvas; its cells are hidden text for screen readers (column 1: the title).
    return [page.locator(f"[data-testid='glide-cell-1-{row}']").inner_text(timeout=TIMEOUT) for row in range(count)]


def test_free_text_ranks_as_the_local_index_in_both_languages(page: Page, atlas_pg_corpus: tuple[Server, LocalCatalog]
                                                              ) -> None:
    """Typed text is ranked by relevance in the database; the grid lists what the local index would."""
    server, local = atlas_pg_corpus
    open_app(page, server, "?lang=en")
    wait_count(page, f"{len(local)} of {len(local)} datasets")
    box = page.get_by_role("textbox", name="Search text (Chinese or English)")
    for text in ("landsat", "Sentinel-2"):
        box.fill(text)
        box.press("Enter")
        want = local.search(Query(text=text, sort="relevance"))
        wait_count(page, f"{want.matched} of {len(local)} datasets")
        expect(page.locator("[data-testid='glide-cell-1-0']")).to_have_text(want.frame["title_en"].iloc[0],
                                                                            timeout=TIMEOUT)
        assert _first_titles(page, 3) == list(want.frame["title_en"][:3]), text
    assert "Landsat" not in _first_titles(page, 1)[0]
    page.screenshot(path="/tmp/atlas_pgstac_ranked.png")
    page.get_by_text("中文", exact=True).click()
    box = page.get_by_role("textbox", name="关键词（中文或英文）")
    box.fill("温度 data")
    box.press("Enter")
    want = local.search(Query(text="温度 data", sort="relevance_zh"))
    wait_count(page, f"{want.matched} / {len(local)} 个数据集")
    expect(page.locator("[data-testid='glide-cell-1-0']")).to_have_text(want.frame["title_zh"].iloc[0], timeout=TIMEOUT)
    # 温度 also searches its glossary translation (temperature): more rows than the grid draws
    # (it renders only the visible ones), so the first rows are compared
    assert want.expanded == ("temperature",) and want.matched > 8
    assert _first_titles(page, 8) == list(want.frame["title_zh"][:8])
