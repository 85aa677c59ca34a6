"""The text index gives exactly the rows the plain scan gives (CJK, phrases, short terms)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.local.masks import text_mask_scan
from dataset_atlas.catalog.local.textindex import BLOCK_ROWS, TextIndex
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.synth import synthetic_record

from .conftest import SEEDS

TEXTS = [
    "北极圈土地覆盖情况(calc-2020 年)\ncircumpolar arctic land cover",
    "东北多年冻土区1km冻土地温分布数据",
    "permafrost ground temperature of northeast china",
    "冰川编目 glacier inventory 冰",
    "",
    "a",
    "snow depth 积雪深度 daily",
    "x" * 3000 + "needle",
    "多年冻土 活动层 permafrost active layer",
    "𠀀 rare plane-2 character and 😀 emoji",
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    # Many blocks, and the texts spread over them, so block candidates and misses both occur.
    texts = [TEXTS[i % len(TEXTS)] + f" row{i}" for i in range(BLOCK_ROWS * 20 + 7)]
    return pd.DataFrame({"search_text": texts})


QUERIES = [
    "冻土", "冰", "北", "permafrost", "perm", "p", "e", "arctic cover", '"land cover"', '"cover land"',
    "needle", "xneedle", "row1", "row12", "row123", "row9999", "zzz", "calc-2020", "(calc-2020", "1km冻土",
    "𠀀", "😀 emoji", "冻土 permafrost", "冻土 snow", "积雪深度", "雪深", " ", "", "a", "年)",
]


@pytest.mark.parametrize("text", QUERIES)
def test_index_matches_scan(frame: pd.DataFrame, text: str) -> None:
    index = TextIndex(frame["search_text"])
    assert np.array_equal(index(text), text_mask_scan(frame, text))


def test_typing_refines_with_cache(frame: pd.DataFrame) -> None:
    index = TextIndex(frame["search_text"])
    for typed in ["p", "pe", "per", "perm", "perma", "permaf", "permafrost", "permafrostx", "r", "ro", "row1"]:
        assert np.array_equal(index(typed), text_mask_scan(frame, typed)), typed


def test_candidates_are_a_superset_and_narrow() -> None:
    frame = pd.DataFrame({"search_text": [f"dataset {i} 冻土" for i in range(BLOCK_ROWS * 50)]})
    frame.loc[100, "search_text"] += " needle"
    index = TextIndex(frame["search_text"])
    truth = np.flatnonzero(text_mask_scan(frame, "needle"))
    candidates = index.candidate_rows("needle")
    assert list(truth) == [100] and set(truth) <= set(candidates)
    assert len(candidates) <= BLOCK_ROWS * 3  # the index really prunes (collisions may add a block)
    assert len(index.candidate_rows("qqqqzzzz")) < BLOCK_ROWS * 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="冻土冰川ab c\"雪𠀀", max_size=12), min_size=1, max_size=80), st.text(
    alphabet="冻土冰川ab c\"雪𠀀", max_size=8))
def test_index_matches_scan_generated(texts: list[str], query: str) -> None:
    frame = pd.DataFrame({"search_text": [t.lower() for t in texts]})
    assert np.array_equal(TextIndex(frame["search_text"])(query), text_mask_scan(frame, query))


def test_catalog_uses_index_and_agrees_with_scan() -> None:
    records = [read_ncdc(synthetic_record(i, seed=3), f"r{i}.json") for i in range(400)]
    catalog = LocalCatalog.from_records(records)
    plain = LocalCatalog(catalog.frame, text_index=lambda t: text_mask_scan(catalog.frame, t))
    for text in ["冻土", "permafrost", "冰川 glacier", '"snow depth"', "黑河", "zz-no-match", "1km"]:
        got, want = catalog.search(Query(text=text)), plain.search(Query(text=text))
        assert list(got.frame["id"]) == list(want.frame["id"]) and got.facets == want.facets
    assert isinstance(catalog.text_index, TextIndex)
    seeds = LocalCatalog.from_paths([SEEDS])
    assert seeds.search(Query(text="calc-2020")).matched == 1


def test_common_and_rare_terms_past_the_sample_agree_with_the_scan() -> None:
    # Enough rows that both verification paths (byte search, row-by-row) run past the sample.
    rng = np.random.default_rng(7)
    words = np.array(["冻土", "permafrost", "glacier", "雪", "lake water", "basin", "数据"])
    texts = [" ".join(rng.choice(words, size=6)) + (" needle" if i % 997 == 0 else "") for i in range(20_000)]
    frame = pd.DataFrame({"search_text": texts})
    index = TextIndex(frame["search_text"])
    for query in ["数据", "needle", "冻土 glacier", '"lake water"', "water basin", "er", "zzz"]:
        assert np.array_equal(index(query), text_mask_scan(frame, query)), query


def test_scanner_without_signatures_agrees_with_the_index() -> None:
    rng = np.random.default_rng(3)
    words = np.array(["冻土", "permafrost", "glacier", "雪", "lake water", "basin"])
    frame = pd.DataFrame({"search_text": [" ".join(rng.choice(words, size=5)) for _ in range(5_000)]})
    scanner = TextIndex(frame["search_text"], signatures=False)
    index = TextIndex(frame["search_text"])
    for query in ["冻土", "glacier basin", '"lake water"', "zzz", "a"]:
        assert np.array_equal(scanner(query), index(query))
        assert np.array_equal(index(query), text_mask_scan(frame, query))
