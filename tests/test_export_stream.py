"""Exports are written in chunks of rows (issue 22, at scale) with the very bytes of one pass."""

from __future__ import annotations

import json

import pytest

from dataset_atlas.catalog import LocalCatalog
from dataset_atlas.catalog.export import iter_csv, iter_geojson, result_to_csv, result_to_geojson, search_rows

from .conftest import SEEDS, STAC_CORPUS


@pytest.fixture(scope="module", params=["seeds", "corpus"])
def catalog(request: pytest.FixtureRequest) -> LocalCatalog:
    if request.param == "seeds":
        return LocalCatalog.from_paths([SEEDS])
    if not STAC_CORPUS.is_dir():
        pytest.skip("the STAC corpus is not here")
    return LocalCatalog.from_paths([SEEDS, STAC_CORPUS])


def _one_pass_geojson(frame, get) -> str:  # type: ignore[no-untyped-def]
    """The GeoJSON as it was written before chunking: one dumps of the whole collection."""
    from dataset_atlas.catalog.export import _geometry

    features = []
    for row in search_rows(frame, get):
        bbox = row.pop("bbox")
        features.append({"type": "Feature", "id": row["id"], "bbox": bbox, "geometry": _geometry(bbox),
                         "properties": row})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


@pytest.mark.parametrize("with_records", [False, True])
def test_chunked_exports_are_byte_identical(catalog: LocalCatalog, with_records: bool) -> None:
    frame = catalog.frame.sort_values("title_en")  # not in index order: records read per chunk
    get = catalog.get if with_records else None
    whole_csv = result_to_csv(frame, get)
    whole_geojson = result_to_geojson(frame, get)
    assert whole_geojson == _one_pass_geojson(frame, get)
    for chunk in (1, 2, 7, len(frame) + 1):
        assert "".join(iter_csv(frame, get, chunk=chunk)) == whole_csv
        assert "".join(iter_geojson(frame, get, chunk=chunk)) == whole_geojson


def test_empty_result_keeps_its_header(catalog: LocalCatalog) -> None:
    empty = catalog.frame.iloc[:0]
    assert result_to_csv(empty).startswith("\ufeffid,title_zh")
    assert json.loads(result_to_geojson(empty)) == {"type": "FeatureCollection", "features": []}
