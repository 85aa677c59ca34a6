"""Property-based tests: no generated record crashes the readers; records round-trip."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset_atlas.catalog import LocalCatalog, Query
from dataset_atlas.errors import RecordError
from dataset_atlas.model import DatasetRecord
from dataset_atlas.normalize.resolution import parse_resolution, parse_time_resolution
from dataset_atlas.sources.discover import records_from_document
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.sources.stac import read_stac_collection

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
coordinate = st.none() | st.floats(-400, 400) | st.text(max_size=6) | st.integers(-400, 400)
text_value = st.none() | st.text(max_size=40) | st.sampled_from(
    ["<script>alert(1)</script>", "10m", "0.25°", "1/12°", "年", "日", "北极", "中国", "2020-01-01 00:00:00", ""])

ncdc_docs = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=20).filter(str.strip)},
    optional={
        "title_cn": text_value, "title_en": text_value, "ds_abstract": text_value, "ds_acq_place": text_value,
        "ds_acq_lon_west": coordinate, "ds_acq_lon_east": coordinate, "ds_acq_lat_south": coordinate,
        "ds_acq_lat_north": coordinate, "ds_acq_start_time": text_value | st.integers(),
        "ds_acq_end_time": text_value, "ds_space_res": text_value | st.floats(), "ds_time_res": text_value,
        "ds_format": text_value, "category": text_value, "ds_topic_tags": json_values, "cstr": text_value,
        "i18n": json_values, "ds_contributors": json_values, "ds_total_size": json_values,
        "unknown_field": json_values,
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(ncdc_docs)
def test_ncdc_reader_never_crashes_and_round_trips(doc: dict[str, Any]) -> None:
    record = read_ncdc(doc, "gen.json")
    assert record.raw == doc
    again = DatasetRecord.from_dict(json.loads(json.dumps(record.to_dict(), allow_nan=False)))
    assert again == record
    if record.extent.bbox is not None:
        w, s, e, n = record.extent.bbox
        assert -180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90


@settings(max_examples=200)
@given(json_values)
def test_any_json_document_is_a_record_or_a_reason(doc: Any) -> None:
    records, rejected, skipped = records_from_document(doc, "gen.json")
    items = doc if isinstance(doc, list) else [doc]
    assert len(records) + len(rejected) + len(skipped) == (len(items) or 1)  # `[]` is one rejection
    assert all(r.reason for r in rejected)


stac_docs = st.fixed_dictionaries(
    {"type": st.just("Collection"), "id": st.text(min_size=1, max_size=10).filter(str.strip)},
    optional={"extent": json_values | st.fixed_dictionaries({"spatial": st.fixed_dictionaries(
        {"bbox": st.lists(st.lists(st.floats(-200, 200), min_size=4, max_size=6), max_size=3)})}),
        "gsd": json_values, "summaries": json_values, "item_assets": json_values, "keywords": json_values,
        "title": text_value, "description": text_value, "providers": json_values, "assets": json_values},
)


@settings(max_examples=200)
@given(stac_docs)
def test_stac_reader_never_crashes(doc: dict[str, Any]) -> None:
    try:
        record = read_stac_collection(doc, "gen.json")
    except RecordError:
        return
    assert DatasetRecord.from_dict(json.loads(json.dumps(record.to_dict(), allow_nan=False))) == record


@given(st.text(max_size=30))
def test_resolution_parsers_total(text: str) -> None:
    res = parse_resolution(text)
    assert res.metres is None or res.metres > 0
    parse_time_resolution(text)


@settings(max_examples=50, deadline=None)
@given(st.lists(ncdc_docs, max_size=6, unique_by=lambda d: d["id"].strip()),
       st.tuples(st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90)))
def test_queries_never_crash(docs: list[dict[str, Any]], box: tuple[float, float, float, float]) -> None:
    catalog = LocalCatalog.from_records([read_ncdc(d, "gen.json") for d in docs])
    w, s, e, n = box
    result = catalog.search(Query(bbox=(w, min(s, n), e, max(s, n)), text="a"))
    assert result.matched <= len(docs)
