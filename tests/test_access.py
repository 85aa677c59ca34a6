"""The way to the data: licences, landing pages, contacts, NCDC sections, STAC contents, snippets, exports."""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from dataset_atlas.access import stac_api_root, stac_assets, stac_bands, stac_summaries, usage_snippets
from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.export import export_file_name, result_citations, result_to_csv, result_to_geojson
from dataset_atlas.model import DatasetRecord
from dataset_atlas.normalize.licences import normalize_licence

from .conftest import MAGT_ID, SEEDS, SMMR_ID, collection, seed
from .helpers import parse_bibtex


@pytest.mark.parametrize(("value", "title", "href", "name", "url"), [
    ("CC BY 4.0", "", "", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("https://creativecommons.org/licenses/by/4.0/", "", "", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0 International", "https://spdx.org/licenses/CC-BY-4.0.html",
     "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ("CC-BY-NC-SA-4.0", "", "", "CC BY-NC-SA 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
    ("CC0-1.0", "", "", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("cc by", "", "", "CC BY", ""),  # no version: none is guessed
    ("proprietary", "Copernicus Sentinel data terms", "https://example.org/terms.pdf",
     "Copernicus Sentinel data terms", "https://example.org/terms.pdf"),
    ("proprietary", "Public Domain", "https://www.usgs.gov/x", "Public Domain", "https://www.usgs.gov/x"),
    ("proprietary", "", "", "proprietary", ""),
    ("various", "", "https://example.org/a", "example.org", "https://example.org/a"),
    ("proprietary", "Terms", "javascript:alert(1)", "Terms", ""),  # only https links
    ("ODbL-1.0", "", "", "ODbL 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
])
def test_licence_names_and_links(value: str, title: str, href: str, name: str, url: str) -> None:
    licence = normalize_licence(value, title, href)
    assert (licence.name, licence.url) == (name, url)




def test_stac_licences_come_from_the_licence_link(stac_corpus: Path) -> None:
    s2 = collection(stac_corpus, "sentinel-2-l2a")
    assert s2.licence == "Copernicus Sentinel data terms"
    assert s2.licence_url.endswith("Sentinel_Data_Terms_and_Conditions.pdf")
    landsat = collection(stac_corpus, "landsat-c2-l2")
    assert landsat.licence == "Public Domain" and landsat.access == "open-access"
    names = {collection(stac_corpus, n).licence for n in ("esa-worldcover", "cil-gdpcir-cc-by")}
    assert names == {"CC BY 4.0"} == {seed(MAGT_ID).licence}  # one name across NCDC and STAC


def test_ncdc_landing_page_contact_and_sections() -> None:
    magt = seed(MAGT_ID)
    assert magt.landing_page == f"https://www.ncdc.ac.cn/portal/metadata/{MAGT_ID}"
    contacts = [(p.name, p.institution) for p in magt.contributors if p.role == "contact"]
    assert contacts == [("陈敦", "中国科学院西北生态环境资源研究院")]
    assert "数值模拟" in magt.source_html.zh and "numerical simulations" in magt.source_html.en
    assert magt.processing_html.zh and magt.quality_html.en
    assert "@" not in json.dumps(magt.to_dict(include_raw=False), ensure_ascii=False)


def test_stac_landing_page_assets_bands_summaries(stac_corpus: Path) -> None:
    s2 = collection(stac_corpus, "sentinel-2-l2a")
    assert s2.landing_page == "https://planetarycomputer.microsoft.com/dataset/sentinel-2-l2a"
    assets = {a.key: a for a in stac_assets(s2)}
    assert assets["B04"].title == "Band 4 - Red - 10m" and assets["B04"].roles == ("data",) and assets["B04"].per_item
    assert assets["thumbnail"].roles == ("thumbnail",) and not assets["thumbnail"].per_item
    bands = {b.name: b for b in stac_bands(s2)}
    assert bands["B04"].common_name == "red" and bands["B04"].wavelength_um == 0.665 and bands["B04"].resolution_m == 10
    assert dict(stac_summaries(s2))["platform"] == "Sentinel-2A, Sentinel-2B"
    landsat_bands = stac_bands(collection(stac_corpus, "landsat-c2-l2"))
    assert any(b.common_name == "blue" for b in landsat_bands)
    assert stac_assets(seed(MAGT_ID)) == [] and stac_bands(seed(MAGT_ID)) == []


def test_snippets_are_valid_code_and_name_no_server_path(stac_corpus: Path) -> None:
    s2 = collection(stac_corpus, "sentinel-2-l2a")
    assert stac_api_root(s2) == "https://planetarycomputer.microsoft.com/api/stac/v1"
    snippets = {s.key: s for s in usage_snippets(s2, ["x/it's here.tif"])}
    assert set(snippets) == {"pystac", "rasterio", "cli"}
    for key in ("pystac", "rasterio"):
        ast.parse(snippets[key].code)  # runs as Python: every value is a literal
    assert "collections=['sentinel-2-l2a']" in snippets["pystac"].code
    assert "bbox=" not in snippets["pystac"].code  # a global box filters nothing
    assert "'path/to/data/x/it'\"'\"'s here.tif'" in snippets["cli"].code
    ncdc = {s.key: s for s in usage_snippets(seed(SMMR_ID), [], ["x/China-EASE-N07-ML1978298A.18H"])}
    assert set(ncdc) == {"cli"}  # no STAC API, no GeoTIFF: only the commands, quicklook included
    assert "dataset-atlas quicklook path/to/data/x/China-EASE-N07-ML1978298A.18H" in ncdc["cli"].code
    hostile = DatasetRecord(id="a'); import os; os.system('x", source_kind="stac")
    for snippet in usage_snippets(hostile, ["f.tif"]):
        if snippet.language == "python":
            tree = ast.parse(snippet.code)
            assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))


def test_exports_carry_the_way_to_the_data(stac_corpus: Path) -> None:
    catalog = LocalCatalog.from_paths([SEEDS, stac_corpus / "landsat-c2-l2.json"])
    result = catalog.search(Query(sort="title"))
    rows = list(csv.DictReader(io.StringIO(result_to_csv(result.frame, catalog.get).lstrip("\ufeff"))))
    by_id = {r["id"]: r for r in rows}
    assert by_id[MAGT_ID]["cstr"] == "11738.11.NCDC.NIEER.DB7285.2026"
    assert by_id[MAGT_ID]["landing_page"] == f"https://www.ncdc.ac.cn/portal/metadata/{MAGT_ID}"
    assert by_id[MAGT_ID]["licence"] == "CC BY 4.0"
    assert by_id[MAGT_ID]["abstract_en"].startswith("The annual average ground temperature (MAGT)")
    assert by_id["landsat-c2-l2"]["doi"] == "10.5066/P9IAXOVV; 10.5066/P9C7I13B; 10.5066/P9OGBGM6"
    assert by_id["landsat-c2-l2"]["licence_url"] == "https://www.usgs.gov/core-science-systems/hdds/data-policy"
    assert by_id[SMMR_ID]["contact"] == "车涛 (中国科学院西北生态环境资源研究院); 李红星"
    assert "@" not in result_to_csv(result.frame, catalog.get)  # no e-mail addresses
    geo = json.loads(result_to_geojson(result.frame, catalog.get))
    props = {f["id"]: f["properties"] for f in geo["features"]}
    assert props["landsat-c2-l2"]["landing_page"] == "https://planetarycomputer.microsoft.com/dataset/landsat-c2-l2"
    entries = parse_bibtex(result_citations(result.frame, catalog.get, "bibtex", "en"))
    assert len(entries) == len(rows) == 4


def test_export_file_names_say_what_was_exported() -> None:
    query = Query(text="permafrost 冻土", categories=("冻土",), start=date(2000, 1, 1), end=date(2010, 12, 31),
                  bbox=(170.0, 50.0, -170.0, 70.0))
    name = export_file_name(query, 3, 126, "csv", today=date(2026, 11, 25))
    assert name == "datasets_3-of-126_text-permafrost-冻土_category-冻土_2000-2010_area-170-50--170-70_2026-11-25.csv"
    assert export_file_name(Query(), 126, 126, "bibtex", today=date(2026, 11, 25)) == \
        "citations_126-of-126_2026-11-25.bib"
    odd = export_file_name(Query(text="../../etc/passwd\x00<x>"), 0, 5, "geojson", today=date(2026, 1, 1))
    assert "/" not in odd and "\x00" not in odd and odd.endswith(".geojson")
