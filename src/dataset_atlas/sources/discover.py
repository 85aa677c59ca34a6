"""Find record files under any mix of files and folders and read them into records.

Every file that cannot give a record is reported with its path and the reason; the rest
still ingests. Folders are walked recursively; inside a folder only ``*.json`` files and
``*.txt`` files that start with ``{`` are tried, so the readme of a data package is not
reported as a broken record, whereas a file named explicitly always is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dataset_atlas.errors import RecordError
from dataset_atlas.model import DatasetRecord
from dataset_atlas.sources.ncdc import is_ncdc, read_ncdc
from dataset_atlas.sources.stac import is_stac_collection, read_stac_collection

MAX_RECORD_BYTES = 20 * 1024 * 1024  # a metadata record is kilobytes; larger is not a record
RECORD_SUFFIXES = {".json", ".txt"}
NCDC_PACKAGE_FILE = "_ncdc_meta_.json"


@dataclass(frozen=True)
class Rejected:
    """A file (or a record in it) that was not ingested, and why."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did: counts, rejections and warnings, for the curator."""

    ingested: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Rejected] = field(default_factory=list)  # not datasets (STAC catalogs, items)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (the CLI's ``--json`` contract keys)."""
        return {
            "ingested": self.ingested,
            "rejected": [{"path": r.path, "reason": r.reason} for r in self.rejected],
            "warnings": list(self.warnings),
            "skipped": [{"path": r.path, "reason": r.reason} for r in self.skipped],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        """Inverse of :meth:`to_dict`."""
        return cls(
            ingested=int(data.get("ingested", 0)),
            rejected=[Rejected(r["path"], r["reason"]) for r in data.get("rejected", [])],
            warnings=list(data.get("warnings", [])),
            skipped=[Rejected(r["path"], r["reason"]) for r in data.get("skipped", [])],
        )


def iter_record_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, bool]]:
    """Yield ``(file, explicit)`` for each candidate file; ``explicit`` if named directly."""
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if Path(name).suffix.lower() in RECORD_SUFFIXES and not name.startswith("."):
                        yield Path(root) / name, False
        else:
            yield path, True
            yield from ((child, True) for child in stac_children(path))


def stac_children(catalog: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[Path]:
    """Local files a STAC catalog/collection file links as ``child``, recursively.

    Only relative links that stay inside the root catalog's folder are followed (a tree can
    not lead ingest elsewhere on the disk), each file once. Items are not followed: they are
    not datasets. Anything unreadable is left to the caller to report when it reads it.
    """
    if catalog.suffix.lower() != ".json":
        return
    root = catalog.resolve().parent
    seen = {catalog.resolve()}
    pending = [catalog.resolve()]
    while pending:
        current = pending.pop(0)
        try:
            if current.stat().st_size > max_bytes:
                continue
            doc = orjson.loads(current.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or doc.get("type") not in ("Catalog", "Collection"):
            continue
        for link in doc.get("links") or []:
            if not isinstance(link, dict) or link.get("rel") != "child" or not isinstance(link.get("href"), str):
                continue
            href = link["href"]
            if "://" in href or href.startswith(("/", "\\")):
                continue
            target = (current.parent / href).resolve()
            if target in seen or not target.is_relative_to(root) or not target.is_file():
                continue
            seen.add(target)
            pending.append(target)
            yield target


def load_json(path: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """Read a JSON (or JSON-in-.txt) file; :class:`RecordError` says what is wrong."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RecordError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise RecordError(str(path), f"file too large for a metadata record ({size:,} bytes > {max_bytes:,})")
    if size == 0:
        raise RecordError(str(path), "file is empty")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(str(path), f"not UTF-8 text (invalid byte at offset {exc.start})") from exc
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass  # orjson is strict (no NaN literals, depth 1024): let json decide and word the error
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(str(path), f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise RecordError(str(path), "malformed JSON: nested too deeply") from exc


def _looks_like_json(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return True  # let load_json report the error
    return head[:1] in (b"{", b"[")


def records_from_document(doc: Any, source: str) -> tuple[list[DatasetRecord], list[Rejected], list[Rejected]]:
    """Records in one parsed document (a record, a collection, or a list of them)."""
    items = doc if isinstance(doc, list) else [doc]
    records: list[DatasetRecord] = []
    rejected: list[Rejected] = []
    skipped: list[Rejected] = []
    for i, item in enumerate(items):
        where = f"{source}#{i}" if isinstance(doc, list) else source
        reader = _reader_for(item)
        if reader is None:
            kind = item.get("type") if isinstance(item, Mapping) else None
            if kind in ("Catalog", "Feature", "FeatureCollection"):
                skipped.append(Rejected(where, f"STAC {kind}, not a dataset record"))
            else:
                rejected.append(Rejected(where, _not_a_record_reason(item)))
            continue
        try:
            records.append(reader(item, where))
        except RecordError as exc:
            rejected.append(Rejected(where, exc.reason))
    return records, rejected, skipped


def _reader_for(item: Any) -> Callable[[Any, str], DatasetRecord] | None:
    if not isinstance(item, Mapping):
        return None
    if is_stac_collection(item):
        return read_stac_collection
    if is_ncdc(item):
        return read_ncdc
    return None


def _not_a_record_reason(item: Any) -> str:
    if not isinstance(item, Mapping):
        return f"not a record: expected a JSON object, got {type(item).__name__}"
    if "id" not in item and NCDC_MARKERS_HINT & item.keys():
        return "record has no id"
    return "not an NCDC record or STAC collection (no id and no known fields)"


NCDC_MARKERS_HINT = frozenset({"title_cn", "title_en", "ds_abstract", "ds_acq_place", "category"})


FileResult = tuple[list[DatasetRecord], list[Rejected], list[Rejected]]


def read_file(path: Path, explicit: bool, max_bytes: int = MAX_RECORD_BYTES) -> FileResult:
    """Records, rejections and skipped entries of one file (never raises for bad input)."""
    if not explicit and path.suffix.lower() == ".txt" and not _looks_like_json(path):
        return [], [], []
    if not path.exists():
        return [], [Rejected(str(path), "no such file or folder")], []
    try:
        doc = load_json(path, max_bytes=max_bytes)
    except RecordError as exc:
        return [], [Rejected(str(path), exc.reason)], []
    return records_from_document(doc, str(path))


def read_paths(
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = MAX_RECORD_BYTES,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[DatasetRecord], IngestReport]:
    """Read every record under ``paths``; duplicates after the first are rejected."""
    report = IngestReport()
    records: list[DatasetRecord] = []
    seen: dict[str, str] = {}
    for n, (path, explicit) in enumerate(iter_record_files(paths), 1):
        if progress is not None:
            progress(n)
        found, rejected, skipped = read_file(path, explicit, max_bytes)
        add_results(report, seen, found, rejected, skipped, records.append)
    report.ingested = len(records)
    return records, report


def add_results(report: IngestReport, seen: dict[str, str], found: Iterable[DatasetRecord | RecordInfo],
                rejected: list[Rejected], skipped: list[Rejected],
                keep: Callable[[Any], None]) -> None:
    """Account one file's results in ``report``: duplicates of ids in ``seen`` are rejected,
    the others passed to ``keep`` (records, or their :class:`RecordInfo` from a worker)."""
    report.rejected.extend(rejected)
    report.skipped.extend(skipped)
    for record in found:
        if record.id in seen:
            report.rejected.append(Rejected(
                record.source_path, f"duplicate id {record.id} (already read from {seen[record.id]})"))
            continue
        seen[record.id] = record.source_path
        keep(record)
        report.warnings.extend(record.warnings)


@dataclass(frozen=True)
class RecordInfo:
    """What the parent needs of a record read in a worker process (the rest is in its frame)."""

    id: str
    source_path: str
    warnings: tuple[str, ...]
