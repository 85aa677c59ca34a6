"""A researcher's path in a real browser: read the dataset page, copy and download citations, export."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..conftest import MAGT_ID
from ..helpers import parse_bibtex, parse_ris
from .conftest import Server

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SHOTS = Path("/tmp/atlas_detail")


def test_dataset_page_citations_copy_and_download(page: Page, atlas: Server) -> None:
    page.goto(f"{atlas.url}/?view=dataset&id={MAGT_ID}&lang=en")
    expect(page.get_by_text("Citation (ready to copy)")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("link", name="CC BY 4.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by/4.0/")
    expect(page.get_by_role("link", name=f"https://www.ncdc.ac.cn/portal/metadata/{MAGT_ID}")).to_be_visible()
    expect(page.get_by_text("On application: apply to the data centre, download once approved")).to_be_visible()
    page.get_by_role("tab", name="BibTeX").click()
    code = page.locator("[data-testid='stCode']").filter(has_text="@misc{")
    expect(code).to_be_visible(timeout=TIMEOUT)
    expect(code).to_contain_text("year = {2026}")
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="Download BibTeX").click()
    download = info.value
    assert download.suggested_filename == f"citation-{MAGT_ID}.bib"
    (entry,) = parse_bibtex(Path(download.path()).read_text(encoding="utf-8"))
    assert entry[2]["year"] == "2026" and "11738.11.NCDC.NIEER.DB7285.2026" in entry[2]["note"]
    expect(page.get_by_role("heading", name="Use this dataset")).to_be_visible()
    expect(page.get_by_role("heading", name="Data quality")).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "detail_research.png"))


def test_export_tab_downloads_the_result_and_its_citations(page: Page, atlas: Server) -> None:
    page.goto(f"{atlas.url}/?lang=en")
    page.get_by_role("tab", name="Export").click()
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert re.fullmatch(r"datasets_4-of-4_\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    magt = next(r for r in rows if r["id"] == MAGT_ID)
    assert magt["cstr"] == "11738.11.NCDC.NIEER.DB7285.2026" and magt["landing_page"].endswith(MAGT_ID)
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="RIS").click()
    download = info.value
    assert re.fullmatch(r"citations_4-of-4_\d{4}-\d\d-\d\d\.ris", download.suggested_filename)
    records = parse_ris(Path(download.path()).read_bytes().decode("utf-8"))
    assert len(records) == 4 and {"DATA"} == {r["TY"][0] for r in records}
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="CSL-JSON").click()
    items = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert len(items) == 4
