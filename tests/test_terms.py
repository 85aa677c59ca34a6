"""One tokenisation for the text and the query (catalog/terms.py): hyphens and punctuation
split words, compounds and plurals meet, Chinese stays a substring match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.local.frame import search_fields
from dataset_atlas.catalog.stacapi import api_text
from dataset_atlas.catalog.terms import normalise, term_forms, term_words, text_terms

from .conftest import SEEDS

COP_DEM = {"cop-dem-glo-30", "cop-dem-glo-90"}


@pytest.fixture(scope="module")
def corpus(stac_corpus: Path) -> LocalCatalog:
    return LocalCatalog.from_paths([SEEDS, stac_corpus])


def ids(catalog: LocalCatalog, text: str) -> set[str]:
    return set(catalog.search(Query(text=text)).frame["id"])


@pytest.mark.parametrize(("text", "normal"), [
    ("Near-global DSM", "near global dsm"), ("snow_depth (cm); SWE", "snow depth cm swe"),
    ("Glaciers, ice caps & ice sheets", "glacier ice cap ice sheet"), ("studies of series", "study of sery"),
    ("class status MODIS gas", "class status modis gas"), ("boxes avalanches 1970s", "boxe avalanche 1970"),
    ("冻土（多年冻土）温度", "冻土 多年冻土 温度"), ("title\n\n -- abstract.", "title\nabstract"),
    ("glaciers冰川", "glacier冰川"),
])  # fmt: skip
def test_the_searchable_form_of_a_text(text: str, normal: str) -> None:
    assert normalise(text) == normal


def test_what_a_user_types_becomes_terms_in_the_same_words() -> None:
    assert text_terms('near-global "Lake  Water-Levels" boxes glaciers 冻土 - ( Sentinel-2') == [
        "near global", "lake water level", "box", "glacier", "冻土", "sentinel 2"]
    assert term_forms("sea ice") == ["sea ice", "seaice"]
    assert "sea ice" in term_forms("seaice") and term_forms("ice") == ["ice"] and term_forms("冻土") == ["冻土"]
    assert term_words('Sentinel-2 "snow, cover" (x') == [["sentinel", "2"], ["snow", "cover"], ["x"]]
    assert api_text("near-global DEMs") == '"near global" AND dems'  # words as written: the API stems them


@pytest.mark.parametrize("text", ["near-global", "near global", "global DEM", "Near-Global digital surface models"])
def test_copernicus_dem_is_found_as_a_global_dem(corpus: LocalCatalog, text: str) -> None:
    assert COP_DEM <= ids(corpus, text)


def write_records(folder: Path, titles: dict[str, str]) -> Path:
    """NCDC records (a seed with another id and English title) in ``folder``."""
    seed = json.loads(sorted(SEEDS.iterdir())[0].read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    for rid, title in titles.items():
        (folder / f"{rid}.json").write_text(json.dumps({**seed, "id": rid, "title_en": title}), encoding="utf-8")
    return folder


COMPOUNDS = {"spaced": "Arctic sea ice extent", "hyphen": "Antarctic sea-ice thickness",
             "joined": "SeaIce concentration", "glacier": "Glacier inventory of the Altai"}


def test_compounds_and_plurals_meet(tmp_path: Path) -> None:
    catalog = LocalCatalog.from_paths([write_records(tmp_path / "r", COMPOUNDS)])
    sea_ice = {"spaced", "hyphen", "joined"}
    for text in ("sea-ice", "sea ice", "seaice", '"sea ice"', "Sea-Ice"):
        assert ids(catalog, text) == sea_ice, text
    assert ids(catalog, "glaciers") == ids(catalog, "glacier") == {"glacier"}
    assert ids(catalog, '"glaciers inventory"') == {"glacier"}  # a phrase meets across plurals too
    assert ids(catalog, "sea-ice extent") == {"spaced"}


def test_a_phrase_matches_across_hyphens_and_spaces(tmp_path: Path) -> None:
    catalog = LocalCatalog.from_paths([write_records(tmp_path / "r", {
        "a": "Lake water-level changes", "b": "Lake water level (altimetry)", "c": "Water of the lake, level"})])
    assert ids(catalog, '"lake water level"') == {"a", "b"}
    assert ids(catalog, '"lake water-levels"') == {"a", "b"}


def _words(catalog: LocalCatalog) -> list[tuple[str, str]]:
    out = []
    for rid in catalog.frame["id"]:
        record = catalog.get(rid)
        assert record is not None
        out.extend((rid, word) for words in term_words(search_fields(record)) for word in words)
    return out


@pytest.fixture(scope="module")
def corpus_words(corpus: LocalCatalog) -> list[tuple[str, str]]:
    return _words(corpus)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_word_of_a_record_finds_it(corpus: LocalCatalog, corpus_words: list[tuple[str, str]],
                                       data: st.DataObject) -> None:
    rid, word = data.draw(st.sampled_from(corpus_words))
    upper = word.upper() if word.upper().lower() == word else word  # (ß → SS is another word)
    typed = data.draw(st.sampled_from([word, upper, f"({word})", f'"{word}"']))
    assert corpus.search(Query(text=typed, ids=(rid,))).matched == 1, (rid, word)
