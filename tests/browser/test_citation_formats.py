"""The dataset page shows one citation in every format: MODIS 10A1 and Copernicus DEM (issue 22)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..conftest import STAC_CORPUS
from .conftest import Server, seeds_app

pytestmark = pytest.mark.browser
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def corpus_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    extra = {n: json.loads((STAC_CORPUS / f"{n}.json").read_text()) for n in ("modis-10A1-061", "cop-dem-glo-30")}
    with seeds_app(tmp_path_factory.mktemp("cite"), extra) as server:
        yield server


def _tab_code(page: Page, tab: str, marker: str) -> str:
    page.get_by_role("tab", name=tab).click()
    code = page.get_by_role("tabpanel", name=tab).get_by_test_id("stCode").filter(has_text=marker)
    expect(code).to_be_visible(timeout=TIMEOUT)
    return code.inner_text()


def test_modis_text_bibtex_ris_name_the_same_authors_and_title(page: Page, corpus_app: Server) -> None:
    page.goto(f"{corpus_app.url}/?view=dataset&id=modis-10A1-061&lang=en")
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    title = "MODIS/Aqua Snow Cover Daily L3 Global 500m Grid, Version 61"
    text = _tab_code(page, "Text", "Hall, D. K.")
    assert text.startswith("Hall, D. K., & Riggs, G. A. (2021). " + title)
    bib = _tab_code(page, "BibTeX", "@misc{")
    assert "author = {{Hall, D. K.} and {Riggs, G. A.}}" in bib and "title = {{" + title + "}}" in bib
    ris = _tab_code(page, "RIS", "TY  - DATA")
    assert "AU  - Hall, D. K." in ris and f"TI  - {title}" in ris and "National Snow and Ice Data Center\nTI" not in ris
    Path("/tmp/atlas_detail").mkdir(exist_ok=True)
    page.screenshot(path="/tmp/atlas_detail/citation_modis.png", full_page=True)


def test_copernicus_dem_is_cited_to_esa_in_chinese_too(page: Page, corpus_app: Server) -> None:
    page.goto(f"{corpus_app.url}/?view=dataset&id=cop-dem-glo-30&lang=zh")
    expect(page.get_by_role("tab", name="BibTeX")).to_be_visible(timeout=TIMEOUT)
    bib = _tab_code(page, "BibTeX", "@misc{")
    assert "author = {{European Space Agency}}" in bib and "Sinergise" not in bib
    ris = _tab_code(page, "RIS", "TY  - DATA")
    assert "AU  - European Space Agency" in ris and "Sinergise" not in ris
