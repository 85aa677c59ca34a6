"""Values as a person reads them: resolutions, time steps, categories in both languages, quicklook text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.catalog.base import Query
from dataset_atlas.catalog.export import result_to_csv, search_rows
from dataset_atlas.model import DatasetRecord, Resolution
from dataset_atlas.normalize.categories import CATEGORY_LABELS, category_label
from dataset_atlas.quicklook.model import Quicklook
from dataset_atlas.ui.detail import _stats_line, facts_rows, histogram_frame

from .conftest import ROOT, SEEDS, SMMR_ID, collection, seed


def facts(record: DatasetRecord, lang: str) -> dict[str, str]:
    return dict(facts_rows(record, lang))



def test_resolution_and_time_step_as_people_write_them(stac_corpus: Path) -> None:
    smmr = facts(seed(SMMR_ID), "en")
    assert smmr["Spatial resolution"] == "25 km" and smmr["Temporal resolution"] == "daily"
    assert facts(seed(SMMR_ID), "zh")["时间分辨率"] == "逐日"
    era5 = facts(collection(stac_corpus, "era5-pds"), "en")
    assert era5["Temporal resolution"] == "hourly"  # not "hourly (P0DT1H0M0S)"
    angular = DatasetRecord(id="a", source_kind="ncdc", resolution=Resolution(27_830.0, "0.25°", angular=True))
    assert facts(angular, "en")["Spatial resolution"] == "0.25° (≈ 27.83 km at the equator)"
    assert facts(angular, "zh")["空间分辨率"] == "0.25°（赤道处约 27.83 km）"


def test_ncdc_categories_table_from_domain_md() -> None:
    assert category_label("冻土", "en") == "Permafrost and frozen ground"
    assert category_label("遥感及产品", "en") == "Remote sensing and products"
    assert category_label("冻土", "zh") == "冻土"
    assert category_label("未列出的类别", "en") == "未列出的类别"  # shown as given
    assert len([k for k in CATEGORY_LABELS if k]) >= 12


@pytest.mark.parametrize(("name", "category"), [
    ("modis-10A1-061", "积雪"), ("sentinel-2-l2a", "遥感及产品"), ("esa-worldcover", "基础地理"),
    ("era5-pds", "气象"), ("jrc-gsw", "水文"),
])
def test_stac_themes_map_onto_ncdc_categories(stac_corpus: Path, name: str, category: str) -> None:
    assert collection(stac_corpus, name).category == category


def test_one_facet_per_meaning_and_labels_in_exports(stac_corpus: Path) -> None:
    catalog = LocalCatalog.from_paths([SEEDS, stac_corpus])
    values = catalog.values("category")
    assert "Cryosphere" not in values and "Imagery" not in values and "Other" not in values
    assert all(category_label(v, "en") != v for v in values)  # every category has an English label
    result = catalog.search(Query(categories=("遥感及产品",)))
    assert SMMR_ID in set(result.frame["id"]) and "sentinel-2-l2a" in set(result.frame["id"])
    rows = search_rows(result.frame)
    assert {r["category_label"]["en"] for r in rows} == {"Remote sensing and products"}
    assert ",遥感及产品,Remote sensing and products," in result_to_csv(result.frame)


def look(kind: str, **stats: object) -> Quicklook:
    return Quicklook(rgba=np.zeros((2, 2, 4), np.uint8), bounds=None, overlay_bounds=None, crs=None,
                     width=2, height=2, style="x", legend=[], stats=dict(stats), units="", source="f.tif",
                     synthetic=False, grid_note="little-endian 2-byte integers (chosen by valid range)", kind=kind)


def test_quicklook_statistics_for_people() -> None:
    classes = _stats_line(look("categorical", min=1, max=10, mean=4.3, valid_fraction=0.5), "en")
    assert classes == "valid pixels 50.0%"  # no mean of land-cover classes
    assert _stats_line(look("continuous", min=-2.5, max=1.25, mean=0.1, valid_fraction=1.0), "zh") == \
        "最小值 -2.5 · 最大值 1.25 · 平均值 0.1 · 有效像元 100.0%"
    hist = look("continuous", histogram={"edges": [150.0, 153.165, 156.33], "counts": [3, 4]})
    frame = histogram_frame(hist)
    assert frame is not None and list(frame["value"]) == [152.0, 155.0]  # not 151.5825
    fine = histogram_frame(look("continuous", histogram={"edges": [0.0, 0.05, 0.1], "counts": [1, 2]}))
    assert fine is not None and list(fine["value"]) == [0.025, 0.075]


def test_browse_panel_offers_a_chooser_for_the_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dataset_atlas.demo import write_demo_data

    data = tmp_path / "data"
    write_demo_data(data)
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(data))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"id": SMMR_ID, "lang": "en"})
    at.run()
    assert not at.exception
    chooser = next(s for s in at.selectbox if s.label.startswith("File to preview"))
    assert len(chooser.options) > 1
    second = chooser.options[1]
    chooser.select(second).run()
    assert not at.exception
    captions = [i.caption for img in at.get("image") for i in img.proto.imgs]
    assert second.rsplit("/", 1)[-1] in captions and chooser.options[0].rsplit("/", 1)[-1] not in captions
    assert not any("little-endian" in c.value for c in at.caption if "Statistics" in c.value)


def test_quicklook_errors_never_show_the_servers_data_folder(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    from .conftest import MAGT_ID

    data = tmp_path / "secret-server-folder"
    (data / MAGT_ID).mkdir(parents=True)
    (data / MAGT_ID / "broken.tif").write_bytes(b"II*\x00not a real tiff")
    monkeypatch.delenv("DATASET_ATLAS_INDEX", raising=False)
    monkeypatch.setenv("DATASET_ATLAS_DATA_ROOT", str(data))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"view": "dataset", "id": MAGT_ID, "lang": "en"})
    at.run()
    assert not at.exception
    messages = [w.value for w in at.warning] + [e.value for e in at.error]
    assert any("broken.tif" in m for m in messages), messages
    assert not any("secret-server-folder" in m or str(tmp_path) in m for m in messages), messages
    shown = " ".join([c.value for c in at.caption] + [c.value for c in at.code]
                     + [str(h.proto.body) for h in at.get("html")])
    assert "secret-server-folder" not in shown
