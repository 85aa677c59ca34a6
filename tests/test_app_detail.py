"""The dataset page through AppTest: the way to the data, citations in four formats, STAC contents."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dataset_atlas.catalog import LocalCatalog

from .conftest import MAGT_ID, ROOT, SEEDS, SMMR_ID

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stac_corpus: Path) -> None:
    index = tmp_path / "index.parquet"
    paths = [SEEDS, stac_corpus / "sentinel-2-l2a.json", stac_corpus / "landsat-c2-l2.json"]
    LocalCatalog.from_paths(paths).save(index)
    monkeypatch.setenv("DATASET_ATLAS_INDEX", str(index))
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(tmp_path / "no-data"))
    monkeypatch.chdir(ROOT)


def page(record_id: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"view": "dataset", "id": record_id, "lang": lang})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_text(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def test_ncdc_page_shows_the_way_to_the_data_in_english() -> None:
    at = page(MAGT_ID, "en")
    body = html_text(at)
    assert f'href="https://www.ncdc.ac.cn/portal/metadata/{MAGT_ID}"' in body
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in body and ">CC BY 4.0<" in body
    assert "On application: apply to the data centre, download once approved" in body
    assert "陈敦 — 中国科学院西北生态环境资源研究院" in body and "@" not in body
    headers = [h.value for h in at.subheader]
    for heading in ("Abstract", "Citation (ready to copy)", "Data source", "Processing method", "Data quality",
                    "Use this dataset"):
        assert heading in headers
    assert "max-height" not in body  # abstracts are shown whole
    codes = [c.value for c in at.code]
    assert any(c.startswith("@misc{") and "year = {2026}" in c for c in codes)
    assert any(c.startswith("dataset-atlas show " + MAGT_ID) for c in codes)
    assert [b.label for b in at.get("download_button")][:4] == ["Download Text", "Download BibTeX", "Download RIS",
                                                               "Download CSL-JSON"]


def test_ncdc_page_in_chinese() -> None:
    at = page(SMMR_ID, "zh")
    assert {"摘要", "数据来源", "数据处理方法", "数据质量", "使用此数据集"} <= {h.value for h in at.subheader}
    assert "登录获取：在数据中心登录后下载" in html_text(at)


def test_stac_page_shows_licence_link_assets_bands_and_pystac_snippet() -> None:
    at = page("sentinel-2-l2a", "en")
    body = html_text(at)
    assert ">Copernicus Sentinel data terms<" in body and "proprietary" not in body
    assert 'href="https://planetarycomputer.microsoft.com/dataset/sentinel-2-l2a"' in body
    tables = [df.value for df in at.dataframe]
    assert any("B04" in t.iloc[:, 0].tolist() and "Roles" in t.columns for t in tables)  # assets
    assert any("Common name" in t.columns and "red" in t["Common name"].tolist() for t in tables)  # bands
    assert any(c.startswith("from pystac_client import Client") for c in (c.value for c in at.code))
    landsat = page("landsat-c2-l2", "en")
    body = html_text(landsat)
    assert all(f'href="https://doi.org/{d}"' in body for d in ("10.5066/P9IAXOVV", "10.5066/P9C7I13B",
                                                               "10.5066/P9OGBGM6"))
    assert ">Public Domain<" in body
