"""Every page through Streamlit's AppTest (no browser): filters, URL state, selection, language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dataset_atlas.catalog import LocalCatalog

from .conftest import CALC_ID, MAGT_ID, ROOT, SEEDS, SMMR_ID

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _seeds_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATASET_ATLAS_CATALOG", raising=False)
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(tmp_path / "no-data"))
    monkeypatch.chdir(ROOT)


def run(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def qp(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def unescaped(markdown: str) -> str:
    """Message text as a person reads it (messages escape Markdown so nothing renders as a link)."""
    return markdown.replace("`", "")


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("###"))


def map_component(at: AppTest) -> dict:
    comps = at.get("component_instance")
    return json.loads(comps[0].proto.json_args)


def test_browse_page_on_the_seeds() -> None:
    at = run()
    assert headline(at) == "### 数据集地图 · 3 / 3 个数据集"
    args = map_component(at)
    links = [*args.get("js_links", []), *args.get("css_links", [])]
    assert links and all(not link.startswith("http") for link in links), links
    assert "atlas" in json.dumps(args)


def test_url_filters_apply_and_are_written_back() -> None:
    at = run({"lang": "en", "rmax": "1000", "q": "permafrost"})
    assert headline(at) == "### Dataset Atlas · 1 of 3 datasets"
    assert at.text_input(key="w_text").value == "permafrost"
    assert qp(at, "rmax") == ["1000"] and qp(at, "q") == ["permafrost"]


def test_widget_change_filters_and_updates_the_url() -> None:
    at = run({"lang": "en"})
    at.multiselect(key="w_tres").select("daily").run()
    assert headline(at) == "### Dataset Atlas · 1 of 3 datasets"
    assert qp(at, "tres") == ["daily"]
    at.text_input(key="w_bbox").input("170,50,-170,70").run()  # across the antimeridian: only the Arctic
    assert headline(at) == "### Dataset Atlas · 0 of 3 datasets"
    at.button(key="w_clear").click().run()
    assert headline(at) == "### Dataset Atlas · 3 of 3 datasets"
    assert "tres" not in at.query_params


def test_facet_counts_in_the_category_options() -> None:
    at = run({"lang": "en", "tres": "daily"})
    options = at.multiselect(key="w_cat").options
    assert "遥感及产品 (1)" in " ".join(options) or any("(1)" in o for o in options)
    assert any(o.endswith("(0)") for o in options)


def test_invalid_area_shows_an_error_not_a_crash() -> None:
    at = run({"lang": "en"})
    at.text_input(key="w_bbox").input("10,20,30").run()
    assert not at.exception
    assert any("four numbers" in e.value for e in at.error)
    assert headline(at) == "### Dataset Atlas · 3 of 3 datasets"


def test_language_switch() -> None:
    at = run()
    at.radio(key="w_lang").set_value("en").run()
    assert headline(at).startswith("### Dataset Atlas")
    assert qp(at, "lang") == ["en"]


def test_selection_from_url_shows_the_detail_panel() -> None:
    at = run({"id": MAGT_ID, "lang": "en"})
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "1km permafrost ground temperature" in html and "11738.11.NCDC.NIEER.DB7285.2026" in html
    assert "https://cstr.cn/11738.11.NCDC.NIEER.DB7285.2026" in html


def test_map_click_selects_the_dataset() -> None:
    at = run({"lang": "en"})
    # What streamlit-folium returns for a click on an extent: the point and the tooltip text.
    at.session_state[map_component(at)["key"]] = {  # streamlit-folium's own component key
        "last_clicked": {"lat": 45.0, "lng": 125.0},
        "last_object_clicked": {"lat": 45.0, "lng": 125.0},
        "last_object_clicked_tooltip": f"NE China ⟨id:{MAGT_ID}⟩",  # the hidden span's text
        "last_object_clicked_count": 1,
        "last_active_drawing": None,
        "all_drawings": None,
    }
    at.run()
    assert at.session_state["_view"].selected == MAGT_ID
    assert qp(at, "id") == [MAGT_ID]


def test_dataset_page_and_unknown_id() -> None:
    at = run({"id": SMMR_ID, "lang": "en", "view": "dataset"})
    assert not at.exception
    codes = [c.value for c in at.code]
    assert any(c.startswith("车涛, 晋锐 (2020).") for c in codes)  # citation built from the contributors
    assert any(c.startswith("@misc{") and "11738.11.ncdc.Westdc.2020.348" in c for c in codes)  # BibTeX tab
    assert any(c.startswith("TY  - DATA") for c in codes)  # RIS tab
    at = run({"id": "no-such-id", "lang": "en", "view": "dataset"})
    assert any("No dataset with id no-such-id" in unescaped(w.value) for w in at.warning)


def test_catalog_page_reports_rejections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.json").write_text((SEEDS / "000_df35574ea24b81a0.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (records / "broken.json").write_text("{not json", encoding="utf-8")
    LocalCatalog.from_paths([records]).save(tmp_path / "index.parquet")
    monkeypatch.setenv("DATASET_ATLAS_INDEX", str(tmp_path / "index.parquet"))
    at = run({"lang": "en"})
    assert headline(at) == "### Dataset Atlas · 1 of 1 datasets"
    at.query_params["view"] = "catalog"
    at.run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    assert any("broken.json" in str(f.to_dict()) and "malformed JSON" in str(f.to_dict()) for f in frames)
    assert [m.value for m in at.metric][:2] == ["1", "1"]


def test_hostile_record_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads((SEEDS / "002_dab26969396d45c7.txt").read_text(encoding="utf-8"))
    doc.update(id="evil", title_en='<img src=x onerror="alert(1)">Evil', ds_abstract="<script>alert(2)</script>ok",
               category="<b onmouseover=alert(3)>cat</b>")
    doc["i18n"]["en"]["ds_abstract"] = '<a href="javascript:alert(4)">x</a>'
    (tmp_path / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    LocalCatalog.from_paths([tmp_path / "evil.json"]).save(tmp_path / "index.parquet")
    monkeypatch.setenv("DATASET_ATLAS_INDEX", str(tmp_path / "index.parquet"))
    at = run({"id": "evil", "lang": "en"})
    html = " ".join(h.proto.body for h in at.get("html"))
    for bad in ("onerror", "<script", "javascript:", "onmouseover", "alert(1)"):
        assert bad not in html
    assert "Evil" in html
    assert "alert(" not in map_component(at).get("script", "")


@pytest.mark.parametrize("record_id", [CALC_ID, SMMR_ID])
def test_no_data_folder_is_said_plainly(record_id: str) -> None:
    at = run({"id": record_id, "lang": "en"})
    assert any("No local data files" in c.value or "No data folder" in c.value for c in at.caption)


@pytest.mark.parametrize("content", [None, b"not parquet at all"])
def test_bad_index_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None) -> None:
    index = tmp_path / "index.parquet"
    if content is not None:
        index.write_bytes(content)
    monkeypatch.setenv("DATASET_ATLAS_INDEX", str(index))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert any("Cannot read the catalog index" in e.value and "index.parquet" in unescaped(e.value) for e in at.error)


def test_timeline_has_one_row_per_dated_dataset() -> None:
    at = run({"lang": "en"})
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["encoding"]["y"]["field"] == "id"  # rows keyed by id: titles may repeat
    for record_id in (CALC_ID, MAGT_ID, SMMR_ID):
        assert record_id in spec["encoding"]["y"]["axis"]["labelExpr"]
