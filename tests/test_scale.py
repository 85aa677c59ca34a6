"""The fast paths of the catalog give the same answers as the straightforward ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.catalog.local.frame import LIST_SEP, record_json
from dataset_atlas.catalog.local.geoparquet import load_index
from dataset_atlas.catalog.local.masks import combine, filter_masks, text_mask_scan
from dataset_atlas.catalog.local.ranking import sort_frame
from dataset_atlas.catalog.local.writer import save_index
from dataset_atlas.catalog.query import SORT_KEYS
from dataset_atlas.errors import IndexFileError
from dataset_atlas.sources.discover import read_paths
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.synth import synthetic_record

from .conftest import SEEDS


@pytest.fixture(scope="module")
def catalog() -> LocalCatalog:
    records = [read_ncdc(synthetic_record(i, seed=5), f"s{i}.json") for i in range(1500)]
    return LocalCatalog.from_records(records)


def reference_search(frame: pd.DataFrame, query: Query):
    """The catalog's original algorithm: string masks, np.unique counts, sort of the subset."""
    masks = filter_masks(frame, query, lambda t: text_mask_scan(frame, t))
    rows = sort_frame(frame[combine(masks, len(frame))], query.sort, query.text)
    facets = {}
    for facet in ("category", "time_resolution", "access", "formats", "extent_quality"):
        values = frame[facet].to_numpy()[combine(masks, len(frame), skip=facet)]
        if facet == "formats":
            values = np.array([v for joined in values for v in joined.split(LIST_SEP) if v], dtype=object)
        names, numbers = np.unique(values.astype(str), return_counts=True)
        counts = {str(n): int(c) for n, c in zip(names, numbers, strict=True)}
        facets[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return rows, facets


QUERIES = [
    Query(),
    Query(bbox=(90.0, 30.0, 110.0, 45.0)),
    Query(bbox=(170.0, 40.0, -170.0, 70.0)),
    Query(start=date(2000, 1, 1), end=date(2010, 12, 31)),
    Query(categories=("冻土", "冰川")),
    Query(max_resolution_m=1000.0),
    Query(formats=("GeoTIFF", "CSV")),
    Query(time_resolutions=("daily", "hourly"), access=("open-access",)),
    Query(extent_qualities=("approximate", "missing")),
    Query(text="冻土"),
    Query(text='permafrost "ground temperature"'),
    Query(bbox=(73.0, 25.0, 105.0, 40.0), start=date(1990, 1, 1), end=date(2020, 12, 31), categories=("积雪",),
          min_resolution_m=100.0, max_resolution_m=30000.0, text="snow", formats=("NetCDF",)),
    Query(categories=("no such category",)),
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_search_equals_reference(catalog: LocalCatalog, query: Query, sort: str) -> None:
    query = Query(**{**query.__dict__, "sort": sort})
    result = catalog.search(query)
    rows, facets = reference_search(catalog.frame, query)
    assert list(result.frame["id"]) == list(rows["id"])
    assert result.matched == len(rows) and result.facets == facets
    assert result.without_extent == int(rows["west"].isna().sum())


def test_limit(catalog: LocalCatalog) -> None:
    full = catalog.search(Query(sort="-start"))
    top = catalog.search(Query(sort="-start", limit=7))
    assert list(top.frame["id"]) == list(full.frame["id"][:7]) and top.matched == full.matched


def test_values_and_formats_facet(catalog: LocalCatalog) -> None:
    facets = catalog.search(Query()).facets
    assert set(catalog.values("formats")) == set(facets["formats"])
    assert sum(facets["category"].values()) == len(catalog)


def test_record_json_is_to_dict(catalog: LocalCatalog) -> None:
    records, _ = read_paths([SEEDS])
    import json

    for record in records + [read_ncdc(synthetic_record(i), "x") for i in range(50)]:
        assert json.loads(record_json(record)) == record.to_dict()
    odd = read_ncdc({"id": "n", "title_cn": "t", "ds_space_res": "9" * 400 + "m", "x": float("nan")}, "n")
    assert json.loads(record_json(odd)) == json.loads(json.dumps(odd.to_dict()))  # slow path, same answer


def test_loaded_catalog_reads_records_lazily(tmp_path: Path, catalog: LocalCatalog) -> None:
    path = catalog.save(tmp_path / "index.parquet")
    loaded = LocalCatalog.load(path)
    assert "record" not in loaded.frame
    for rid in list(catalog.frame["id"][::97]) + [catalog.frame["id"].iloc[-1]]:
        assert loaded.get(rid) == catalog.get(rid)
    assert loaded.get("missing") is None
    full, _ = load_index(path)
    pd.testing.assert_frame_equal(full.drop(columns="record"), loaded.frame)
    pd.testing.assert_frame_equal(full, catalog.frame)
    again = LocalCatalog.load(loaded.save(tmp_path / "copy.parquet"))  # saving a lazy catalog keeps records
    assert again.get(catalog.frame["id"].iloc[3]) == catalog.get(catalog.frame["id"].iloc[3])


def test_replaced_index_file_is_detected(tmp_path: Path, catalog: LocalCatalog) -> None:
    path = catalog.save(tmp_path / "index.parquet")
    loaded = LocalCatalog.load(path)
    reordered = catalog.frame.iloc[::-1].reset_index(drop=True)
    save_index(reordered, catalog.report, path)
    with pytest.raises(IndexFileError, match="changed"):
        loaded.get(catalog.frame["id"].iloc[0])


def test_sizes_beyond_int64_do_not_break_the_frame() -> None:
    records = [read_ncdc({"id": "big", "title_cn": "t", "ds_total_size": 9.3e18}, "b"),
               read_ncdc({"id": "ok", "title_cn": "t", "ds_total_size": 2**40 + 1}, "o")]
    frame = LocalCatalog.from_records(records).frame
    assert frame["size_bytes"].isna().tolist() == [True, False] and frame["size_bytes"].iloc[1] == 2**40 + 1
