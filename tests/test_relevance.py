"""Free text ranks by relevance (title above abstract, phrase and id first, both languages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_atlas import cli
from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.local.ranking import relevance_scores, sort_frame
from dataset_atlas.model import DatasetRecord, LocalText
from dataset_atlas.ui.state import ViewState

from .conftest import MAGT_ID, SEEDS


@pytest.fixture(scope="module")
def corpus(stac_corpus: Path) -> LocalCatalog:
    return LocalCatalog.from_paths([SEEDS, stac_corpus])


def ids(catalog: LocalCatalog, text: str, sort: str = "relevance") -> list[str]:
    return list(catalog.search(Query(text=text, sort=sort)).frame["id"])


def test_corpus_examples_from_the_issue(corpus: LocalCatalog) -> None:
    found = ids(corpus, "Sentinel-2")
    assert found[0] == "sentinel-2-l2a" and len(found) == 5  # was 4th of 5 in title order
    assert ids(corpus, "Sentinel-2", sort="title").index("sentinel-2-l2a") == 3  # title order is kept
    landsat = ids(corpus, "landsat")
    assert set(landsat[:3]) == {"landsat-8-c2-l2", "landsat-c2-l1", "landsat-c2-l2"}  # titles first
    assert landsat.index("jrc-gsw") >= 3  # jrc-gsw mentions Landsat in its abstract only


def test_id_and_exact_phrase_first(corpus: LocalCatalog) -> None:
    assert ids(corpus, "landsat-c2-l2")[0] == "landsat-c2-l2"
    sst = ids(corpus, "sea surface temperature")  # every word must appear; the phrase ranks first
    titles = dict(zip(corpus.frame["id"], corpus.frame["title_en"].str.lower(), strict=True))
    with_phrase = [i for i in sst if "sea surface temperature" in titles[i]]
    assert sst[: len(with_phrase)] == with_phrase and len(with_phrase) < len(sst)


def record(rid: str, title_zh: str, title_en: str, abstract: str = "") -> DatasetRecord:
    return DatasetRecord(id=rid, source_kind="ncdc", title=LocalText(title_zh, title_en),
                         abstract_text=LocalText(abstract, abstract))


def test_title_above_abstract_in_both_languages() -> None:
    catalog = LocalCatalog.from_records([
        record("a", "阿尔泰山积雪", "Altai snow", "冻土 permafrost mentioned in the abstract only"),
        record("b", "青藏高原冻土分布", "Permafrost of the Tibetan Plateau"),
        record("c", "冻土", "Permafrost"),  # the whole title asked for
    ])
    assert ids(catalog, "冻土") == ["c", "b", "a"]
    assert ids(catalog, "permafrost") == ["c", "b", "a"]
    assert ids(catalog, "permafrost", sort="title") == ["a", "c", "b"]
    frame = catalog.frame
    assert list(sort_frame(frame[frame["id"] != "x"], "relevance", "冻土")["id"]) == ["c", "b", "a"]
    scores = relevance_scores(frame, "nothing matches")
    assert not scores.any()


def test_chinese_titles_sort_by_pinyin_in_chinese_mode() -> None:
    catalog = LocalCatalog.from_records([
        record("zhong", "中国冰川目录", "A glacier inventory of China"),
        record("an", "安徽降水", "Anhui precipitation"),
        record("bei", "北极海冰", "Arctic sea ice"),
    ])
    # code points would put 中 (U+4E2D) before 北 (U+5317) before 安 (U+5B89)
    assert ids(catalog, "", sort="title_zh") == ["an", "bei", "zhong"]  # ān, běi, zhōng
    assert ids(catalog, "", sort="title") == ["zhong", "an", "bei"]  # "A glacier", Anhui, Arctic
    assert ViewState(lang="zh").query().sort == "relevance_zh"
    assert ViewState(lang="zh", sort="title").query().sort == "title_zh"
    assert ViewState(lang="en").query().sort == "relevance"
    assert ids(catalog, "", sort="relevance_zh") == ["an", "bei", "zhong"]


def test_cli_ranks_by_relevance_by_default(corpus: LocalCatalog, tmp_path: Path) -> None:
    index = tmp_path / "index.parquet"
    corpus.save(index)
    code, out = cli.run(["search", "--index", str(index), "--text", "landsat"])
    assert code == 0
    first = out.splitlines()[1].split()[0]
    assert first.startswith("landsat-")
    code, out = cli.run(["search", "--index", str(index), "--text", "冻土", "--limit", "1"])
    assert out.splitlines()[1].startswith(MAGT_ID)
