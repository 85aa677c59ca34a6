"""NCDC metadata records (the ``export_json`` schema, also ``_ncdc_meta_.json``)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from dataset_atlas.errors import RecordError
from dataset_atlas.model import DatasetRecord, LocalText, Person, Reference, TimeSpan
from dataset_atlas.normalize.dates import parse_date
from dataset_atlas.normalize.extents import normalize_bbox
from dataset_atlas.normalize.formats import format_labels
from dataset_atlas.normalize.identifiers import normalize_cstr, normalize_doi
from dataset_atlas.normalize.licences import normalize_licence
from dataset_atlas.normalize.resolution import parse_resolution, parse_time_resolution
from dataset_atlas.normalize.text import clean_text, html_to_text, safe_html_to_text, sanitize_html

# Any of these marks a document as an NCDC record (together with an id).
NCDC_MARKERS = frozenset(
    {"title_cn", "title_en", "ds_abstract", "ds_acq_start_time", "ds_acq_place", "ds_space_res",
     "ds_share_type", "cstr", "category"}
)  # fmt: skip
_LIST_SPLIT = re.compile(r"[,，;；、|]\s*")
_PEOPLE_FIELDS = (("ds_contributors", "contributor"), ("ds_meta_authors", "metadata author"),
                  ("ds_managers", "contact"))
ACCESS_VALUES = {"open-access", "apply-access", "login-access"}
NCDC_PUBLISHER = LocalText("国家冰川冻土沙漠科学数据中心", "National Cryosphere Desert Data Center")
NCDC_PORTAL = "https://www.ncdc.ac.cn/portal/metadata/"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def is_ncdc(doc: Mapping[str, Any]) -> bool:
    """True when ``doc`` looks like an NCDC record."""
    return "id" in doc and bool(NCDC_MARKERS & doc.keys())


def _text(doc: Mapping[str, Any], key: str, warnings: list[str]) -> str:
    value = doc.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    warnings.append(f"field {key!r} should be text, got {type(value).__name__}; ignored")
    return ""


def _tags(doc: Mapping[str, Any], keys: tuple[str, ...], warnings: list[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}  # an ordered set: linear de-duplication of 200k keywords
    for key in keys:
        value = doc.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            items: list[Any] = _LIST_SPLIT.split(value)
        elif isinstance(value, list):
            items = value
        else:
            warnings.append(f"field {key!r} should be a list, got {type(value).__name__}; ignored")
            continue
        for item in items:
            text = clean_text(str(item)) if isinstance(item, str | int | float) else ""
            if text:
                out.setdefault(text)
    return tuple(out)


def _people(doc: Mapping[str, Any], warnings: list[str]) -> tuple[Person, ...]:
    people: list[Person] = []
    seen: set[tuple[str, str, str]] = set()
    for key, role in _PEOPLE_FIELDS:
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            warnings.append(f"field {key!r} should be a list of people; ignored")
            continue
        for entry in value:
            if isinstance(entry, str):
                name, institution, country = clean_text(entry), "", ""
            elif isinstance(entry, Mapping):
                name = clean_text(entry.get("true_name") or entry.get("name") or "")
                institution = clean_text(entry.get("work_for") or entry.get("institution") or "")
                country = clean_text(entry.get("country") or "")
            else:
                continue
            if name and (name, institution, role) not in seen:
                seen.add((name, institution, role))
                people.append(Person(name, institution, country, role))
    return tuple(people)


def _own_citation(doc: Mapping[str, Any], en: Mapping[str, Any]) -> LocalText:
    """The record's own citation text (``ds_ref_way``); citations are built in ``citation.py``."""
    return LocalText(zh=html_to_text(doc.get("ds_ref_way")), en=html_to_text(en.get("ds_ref_way")))


def _references(doc: Mapping[str, Any], en: Mapping[str, Any]) -> tuple[Reference, ...]:
    """Related papers (``paper_ref_way``): the paper's DOI belongs to the paper, not the dataset."""
    out: list[Reference] = []
    for holder in (doc, en):
        text = html_to_text(holder.get("paper_ref_way"))
        for part in (p.strip() for p in text.split("\n")):
            if part and part.lower() != "none" and all(r.text != part for r in out):
                out.append(Reference(part, normalize_doi(part)))
    return tuple(out)


def _html(doc: Mapping[str, Any], en: Mapping[str, Any], key: str, warnings: list[str]) -> LocalText:
    return LocalText(sanitize_html(_text(doc, key, warnings)), sanitize_html(_text(en, key, warnings)))


def read_ncdc(doc: Any, source: str = "") -> DatasetRecord:
    """Normalise one NCDC record; raise :class:`RecordError` when it cannot be a record."""
    if not isinstance(doc, Mapping):
        raise RecordError(source, f"expected a JSON object, got {type(doc).__name__}")
    rid = doc.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        raise RecordError(source, "record has no id")
    if not isinstance(rid, str):
        raise RecordError(source, f"id must be text, got {type(rid).__name__} {rid!r}")
    rid = rid.strip()
    label = f"{source} [{rid}]" if source else rid
    warnings: list[str] = []
    i18n = doc.get("i18n")
    en: Mapping[str, Any] = {}
    if isinstance(i18n, Mapping) and isinstance(i18n.get("en"), Mapping):
        en = i18n["en"]
    elif i18n is not None:
        warnings.append("field 'i18n' is not an object; English texts taken from *_en fields only")

    title = LocalText(
        zh=clean_text(_text(doc, "title_cn", warnings)),
        en=clean_text(_text(doc, "title_en", warnings) or _text(en, "title", warnings)),
    )
    if not (title.zh or title.en):
        warnings.append("record has no title; its id is shown instead")
        title = LocalText(zh=rid, en=rid)
    # Sanitise each abstract once: the plain text is derived from the sanitised HTML.
    abstract_zh = sanitize_html(_text(doc, "ds_abstract", warnings))
    abstract_en = sanitize_html(_text(en, "ds_abstract", warnings))
    place = LocalText(
        zh=clean_text(_text(doc, "ds_acq_place", warnings)),
        en=clean_text(_text(en, "ds_acq_place", warnings)),
    )
    extent, bbox_warnings = normalize_bbox(
        doc.get("ds_acq_lon_west"), doc.get("ds_acq_lat_south"),
        doc.get("ds_acq_lon_east"), doc.get("ds_acq_lat_north"),
        places=(place.zh, place.en, *_tags(doc, ("ds_locus_tags",), [])),
    )
    warnings.extend(bbox_warnings)

    start_raw, end_raw = doc.get("ds_acq_start_time"), doc.get("ds_acq_end_time")
    start, end = parse_date(start_raw), parse_date(end_raw, end=True)
    for key, raw, parsed in (("ds_acq_start_time", start_raw, start), ("ds_acq_end_time", end_raw, end)):
        if raw not in (None, "") and parsed is None:
            warnings.append(f"field {key!r} is not a date: {str(raw)[:40]!r}; ignored")
    if start and end and end < start:
        warnings.append(f"time span ends ({end}) before it starts ({start}); kept as given")

    space_res_text = _text(doc, "ds_space_res", warnings)
    resolution = parse_resolution(space_res_text)
    if space_res_text.strip() and resolution.metres is None:
        warnings.append(f"spatial resolution {space_res_text!r} not understood")
    time_res_text = _text(doc, "ds_time_res", warnings) or _text(en, "ds_time_res", warnings)

    formats = tuple(
        f for f in (_LIST_SPLIT.split(_text(doc, "ds_format", warnings)) + [_text(en, "ds_format", warnings)])
        if f.strip()
    )
    access = _text(doc, "ds_share_type", warnings).strip().lower() or "unknown"
    cstr = normalize_cstr(doc.get("cstr"))
    doi = normalize_doi(doc.get("doi_value")) or normalize_doi(doc.get("ds_ref_way")) or normalize_doi(
        en.get("ds_ref_way"))
    people = _people(doc, warnings)
    published = parse_date(doc.get("publish_time")) or parse_date(doc.get("created"))
    service = clean_text(_text(doc, "ds_serv_man", warnings))
    if service and service.lower() != "none":  # the centre's data-service contact (no phone, no e-mail)
        people += (Person(service, "", "", "data service"),)
    licence = normalize_licence(_text(doc, "license_type", warnings))

    record = DatasetRecord(
        id=rid,
        source_kind="ncdc",
        source_path=source,
        title=title,
        abstract_html=LocalText(abstract_zh, abstract_en),
        abstract_text=LocalText(safe_html_to_text(abstract_zh), safe_html_to_text(abstract_en)),
        category=clean_text(_text(doc, "category", warnings)),
        keywords=_tags(doc, ("ds_topic_tags", "ds_subject_tags", "ds_locus_tags", "ds_class_tags"), warnings),
        place=place,
        extent=extent,
        time=TimeSpan(start, end),
        resolution=resolution,
        time_resolution=parse_time_resolution(time_res_text),
        time_resolution_text=time_res_text,
        formats=format_labels([clean_text(f) for f in formats]),
        projection=clean_text(" / ".join(
            t for t in (_text(doc, "ds_projection", warnings), _text(doc, "ds_coordinate", warnings))
            if t.strip() and t.strip() != "无")),
        access=access,
        licence=licence.name,
        licence_url=licence.url,
        cstr=cstr,
        doi=doi,
        dois=(doi,) if doi else (),
        citation=_own_citation(doc, en),
        published=published,
        publisher=NCDC_PUBLISHER,
        landing_page=NCDC_PORTAL + rid if _UUID.match(rid) else (f"https://cstr.cn/{cstr}" if cstr else ""),
        source_html=_html(doc, en, "ds_source", warnings),
        processing_html=_html(doc, en, "ds_process_way", warnings),
        quality_html=_html(doc, en, "ds_quality", warnings),
        references=_references(doc, en),
        size_bytes=_count(doc, "ds_total_size", warnings),
        file_count=_count(doc, "ds_files_count", warnings),
        contributors=people,
        thumbnail=_text(doc, "ds_thumbnail", warnings),
        warnings=tuple(f"{label}: {w}" for w in warnings),
        raw=dict(doc),
    )
    return record


def _count(doc: Mapping[str, Any], key: str, warnings: list[str]) -> int | None:
    value = doc.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        warnings.append(f"field {key!r} should be a number; ignored")
        return None
    if isinstance(value, int):
        number = value  # exact, whatever its size (the frame keeps only what fits 64 bits)
    else:
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            warnings.append(f"field {key!r} should be a number, got {str(value)[:30]!r}; ignored")
            return None
        if not math.isfinite(as_float):
            warnings.append(f"field {key!r} is not a finite number ({str(value)[:30]!r}); ignored")
            return None
        number = int(as_float)
    if number < 0:
        warnings.append(f"field {key!r} is negative; ignored")
        return None
    return number


