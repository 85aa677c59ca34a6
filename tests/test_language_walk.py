"""Every page in both languages: no interface string left in the other language.

Walks the Browse page (with a dataset selected and its quicklook), the dataset page of an
NCDC record and of a STAC collection, and the Catalog page, in Chinese and in English, and
collects what the interface itself writes: widget labels and options, tabs, headings,
captions, buttons, table headers. In Chinese each must contain Chinese (or be a name that is
the same in both languages: CSV, DOI, BibTeX, an id, a number); in English none may contain
Chinese, except values that come from the records themselves (titles, places, keywords).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.demo import write_demo_data

from .conftest import CALC_ID, MAGT_ID, ROOT, SEEDS, SMMR_ID

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# Names that are the same in both languages: formats, identifiers, numbers, code, units.
NEUTRAL = re.compile(
    r"^(CSV|GeoJSON|BibTeX|RIS|CSL-JSON|CSTR|DOI|ID|OpenStreetMap|Esri|[\d\s.,:;/%°~≈()\-–+×]*|"
    r"[A-Za-z0-9_.\-]+\.(tif|tiff|jpg|png|met|TIM|[0-9]{2}[HV])|.*[0-9a-f]{8}-[0-9a-f]{4}-.*)$")


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory, stac_corpus: Path) -> dict[str, str]:
    work = tmp_path_factory.mktemp("walk")
    index = work / "index.parquet"
    LocalCatalog.from_paths([SEEDS, stac_corpus / "sentinel-2-l2a.json", stac_corpus / "modis-10A1-061.json"]).save(
        index)
    write_demo_data(work / "data")
    return {"DATASET_ATLAS_INDEX": str(index), "DATASET_ATLAS_DATA_ROOT": str(work / "data")}


def run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], params: dict[str, str]) -> AppTest:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def interface_strings(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every string the interface writes itself."""
    out: list[tuple[str, str]] = []
    for kind in ("button", "download_button", "selectbox", "multiselect", "text_input", "slider", "select_slider",
                 "checkbox", "toggle", "radio", "date_input"):
        for widget in at.get(kind):
            out.append((kind, str(widget.label)))
            placeholder = getattr(widget.proto, "placeholder", "")
            if placeholder:
                out.append((f"{kind} placeholder", str(placeholder)))
            if kind in ("radio", "selectbox") and widget.label not in ("语言", "Language"):
                options = list(getattr(widget, "options", []))
                if not any(re.search(r"[/.]", str(o)) for o in options):  # file names are data
                    out.extend((f"{kind} option", str(o)) for o in options)
    for kind in ("tab", "expander"):
        out.extend((kind, str(el.label)) for el in at.get(kind))
    out.extend(("subheader", str(el.value)) for el in at.get("subheader"))
    out.extend(("dataframe header", str(c)) for df in at.get("dataframe") for c in df.value.columns)
    for caption in at.get("caption"):
        out.append(("caption", str(caption.value)))
    for md in at.get("markdown"):
        out.append(("markdown", str(md.value)))
    return [(where, text) for where, text in out if text.strip()]


PAGES = {
    "browse": {"id": SMMR_ID},
    "browse-stac": {"id": "sentinel-2-l2a"},
    "dataset-ncdc": {"view": "dataset", "id": MAGT_ID},
    "dataset-calc": {"view": "dataset", "id": CALC_ID},
    "dataset-stac": {"view": "dataset", "id": "modis-10A1-061"},
    "catalog": {"view": "catalog"},
}


@pytest.mark.parametrize("page", list(PAGES))
def test_chinese_interface_has_no_english_string(monkeypatch: pytest.MonkeyPatch, app_env: dict[str, str],
                                                 page: str) -> None:
    at = run(monkeypatch, app_env, {**PAGES[page], "lang": "zh"})
    english = [(where, text) for where, text in interface_strings(at)
               if not CJK.search(text) and not NEUTRAL.match(text.strip())
               and where not in ("markdown",)]  # markdown: record text (headline checked below)
    assert english == [], english
    headline = next(m.value for m in at.markdown if m.value.startswith("###"))
    assert CJK.search(headline)
    for legend in (str(h.proto.body) for h in at.get("html") if 'class="atlas-legend" style' in str(h.proto.body)):
        items = re.findall(r"</span>([^<]*)</li>", legend)
        assert items and all(CJK.search(item) for item in items), items


@pytest.mark.parametrize("page", list(PAGES))
def test_english_interface_has_no_chinese_string(monkeypatch: pytest.MonkeyPatch, app_env: dict[str, str],
                                                 page: str) -> None:
    at = run(monkeypatch, app_env, {**PAGES[page], "lang": "en"})
    chinese = [(where, text) for where, text in interface_strings(at)
               if CJK.search(text) and where != "markdown" and "中文" not in text  # the language switch
               and text != "冻土 / permafrost"]  # the search box's example: one word in each language
    assert chinese == [], chinese
    legends = [str(h.proto.body) for h in at.get("html") if 'class="atlas-legend" style' in str(h.proto.body)]
    assert all(not CJK.search(legend) for legend in legends), legends  # category names too
    assert legends or not page.startswith("browse")  # the map legend is on Browse


def test_area_error_in_chinese(monkeypatch: pytest.MonkeyPatch, app_env: dict[str, str]) -> None:
    at = run(monkeypatch, app_env, {"lang": "zh"})
    at.text_input(key="w_bbox").input("10,20,30").run()
    errors = [e.value for e in at.error]
    assert errors == ["区域无效：请输入 西,南,东,北 四个数（度）；经度在 ±180 之内，纬度在 ±90 之内，南不大于北"]
    at = run(monkeypatch, app_env, {"lang": "en"})
    at.text_input(key="w_bbox").input("10,20,30").run()
    assert any("four numbers" in e.value for e in at.error)
