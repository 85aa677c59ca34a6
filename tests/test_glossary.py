"""The bilingual glossary and the query expansion it drives (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.glossary import GLOSSARY, also_searched, expanded_forms, read_pairs
from dataset_atlas.catalog.terms import term_forms
from dataset_atlas.synth import write_synthetic_records

from .conftest import SEEDS

GLOSSARY_FILE = Path(__file__).resolve().parents[1] / "src" / "dataset_atlas" / "data" / GLOSSARY


def test_the_glossary_is_well_formed_and_names_its_sources() -> None:
    pairs = read_pairs()
    assert len(pairs) >= 300
    assert len(set(pairs)) == len(pairs)
    assert all(zh and en for zh, en in pairs)
    assert all(not zh.isascii() and en.isascii() for zh, en in pairs)  # Chinese, then English
    header = GLOSSARY_FILE.read_text(encoding="utf-8")
    for source in ("GCMD", "Global Cryosphere Watch", "categories.py"):
        assert source in header
    for pair in (("冻土", "permafrost"), ("高程", "elevation"), ("合成孔径雷达", "SAR"), ("海冰", "sea ice")):
        assert pair in pairs


def test_a_term_also_matches_its_translations_in_both_directions() -> None:
    assert expanded_forms("高程") == (("高程", "elevation", "dem"),)
    assert also_searched("高程") == ("elevation", "DEM")
    assert "冻土" in expanded_forms("permafrost")[0]
    assert also_searched("Permafrost") == ("冻土", "多年冻土")
    # several typed words that spell an entry: (soil AND moisture) OR 土壤湿度
    assert all("土壤湿度" in forms for forms in expanded_forms("soil moisture"))
    assert also_searched("zzqx") == () and expanded_forms("zzqx") == (tuple(term_forms("zzqx")),)


@pytest.fixture(scope="module")
def local(stac_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> LocalCatalog:
    synth = tmp_path_factory.mktemp("synth")
    write_synthetic_records(300, synth, seed=7)  # NCDC-style records, many in Chinese only
    return LocalCatalog.from_paths([SEEDS, stac_corpus, synth])


def test_chinese_finds_english_records_and_english_chinese_ones(local: LocalCatalog) -> None:
    dem = local.search(Query(text="高程"))
    assert {"cop-dem-glo-30", "cop-dem-glo-90"} <= set(dem.frame["id"])
    assert dem.expanded == ("elevation", "DEM")
    assert {"sentinel-1-grd", "sentinel-1-rtc"} <= set(local.search(Query(text="合成孔径雷达")).frame["id"])
    found = local.search(Query(text="permafrost"))
    texts = local.frame.set_index("id")["search_text"]
    chinese_only = [r for r in found.frame["id"] if "permafrost" not in texts[r]]
    assert chinese_only  # an NCDC record that says 冻土 and never "permafrost"
    assert local.search(Query(text="zzqx")).expanded == ()


def test_a_direct_match_ranks_above_an_expanded_one(local: LocalCatalog) -> None:
    ids = list(local.search(Query(text="permafrost", sort="relevance")).frame["id"])
    text = local.frame.set_index("id")["search_text"]
    direct = [i for i, r in enumerate(ids) if "permafrost" in text[r]]
    expanded = [i for i, r in enumerate(ids) if "permafrost" not in text[r]]
    assert direct and expanded and max(direct) < min(expanded)
    ids = list(local.search(Query(text="高程", sort="relevance")).frame["id"])
    direct = [i for i, r in enumerate(ids) if "高程" in text[r]]
    if direct:
        assert max(direct) < min(i for i, r in enumerate(ids) if "高程" not in text[r])


def test_the_browse_page_says_what_it_also_searched_in_both_languages(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    from .conftest import ROOT
    from .test_app import run

    monkeypatch.delenv("DATASET_ATLAS_CATALOG", raising=False)
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(tmp_path / "no-data"))
    monkeypatch.chdir(ROOT)
    at = run({"lang": "en"})
    assert not any(c.value.startswith("Also searched") for c in at.caption)
    at.text_input(key="w_text").input("permafrost").run()
    assert "Also searched: 冻土, 多年冻土" in [c.value for c in at.caption]
    at.radio(key="w_lang").set_value("zh").run()
    assert "同时搜索了：冻土, 多年冻土" in [c.value for c in at.caption]
    at.text_input(key="w_text").input("zzqx").run()
    assert not any(c.value.startswith("同时搜索了") for c in at.caption)
