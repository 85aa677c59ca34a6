"""Find record files under any mix of files and folders and read them into records.

Every file that cannot give a record is reported with its path and the reason; the rest
still ingests. Folders are walked recursively; inside a folder only ``*.json`` files and
``*.txt`` files that start with ``{`` are tried, so the readme of a data package is not
reported as a broken record, whereas a file named explicitly always is.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from dataset_atlas.errors import IngestInterrupted, RecordError
from dataset_atlas.ingest_report import IngestReport, Rejected
from dataset_atlas.model import DatasetRecord, encode_record
from dataset_atlas.sources.ncdc import is_ncdc, read_ncdc
from dataset_atlas.sources.stac import is_stac_collection, read_stac_collection

MAX_RECORD_BYTES = 20 * 1024 * 1024  # a metadata record is kilobytes; larger is not a record
RECORD_SUFFIXES = {".json", ".txt"}
NCDC_PACKAGE_FILE = "_ncdc_meta_.json"


def iter_record_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, bool]]:
    """Yield ``(file, explicit)`` for each candidate file; ``explicit`` if named directly.

    Inside folders, special files (FIFOs, devices, sockets) with a record suffix are yielded
    too, so :func:`read_file` reports them instead of a silent skip; nothing is opened here.
    """
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


def printable_path(path: str | os.PathLike[str]) -> str:
    """``path`` as text that can be printed and stored: bytes of a name that is not UTF-8
    (kept by Python as lone surrogates) shown as ``\\xNN`` escapes."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def read_bounded(path: Path, max_bytes: int, *, head: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` (or its first ``head`` bytes).

    Checks the file type before opening (a FIFO would block ``open`` and ``/dev/zero`` never
    ends), opens without blocking and checks again on the open file (it may have been swapped),
    and reads at most one byte more than allowed, whatever size the file claims.
    :class:`RecordError` says what is wrong.
    """
    where = printable_path(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise RecordError(where, f"not a regular file ({_kind(info.st_mode)}); not read")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise RecordError(where, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise RecordError(where, f"not a regular file ({_kind(mode)}); not read")
        limit = head if head is not None else max_bytes + 1
        chunks: list[bytes] = []
        got = 0
        while got < limit:
            chunk = os.read(fd, min(limit - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise RecordError(where, f"cannot read file: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if head is None and len(data) > max_bytes:
        raise RecordError(where, f"file too large for a metadata record (more than {max_bytes:,} bytes)")
    return data


def stac_children(catalog: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[Path]:
    """Local files a STAC catalog/collection file links as ``child``, recursively.

    Only relative links that stay inside the root catalog's folder are followed (a tree can
    not lead ingest elsewhere on the disk), each file once. Items are not followed: they are
    not datasets. Anything unreadable is left to the caller to report when it reads it.
    """
    if catalog.suffix.lower() != ".json":
        return
    try:
        root = catalog.resolve().parent
        start = catalog.resolve()
    except (OSError, RuntimeError):  # a symlink loop: read_file reports the file itself
        return
    seen = {start}
    pending = [start]
    while pending:
        current = pending.pop(0)
        try:
            doc = orjson.loads(read_bounded(current, max_bytes))
        except (RecordError, orjson.JSONDecodeError, RecursionError):
            continue
        if not isinstance(doc, dict) or doc.get("type") not in ("Catalog", "Collection"):
            continue
        links = doc.get("links")
        for link in links if isinstance(links, list) else []:
            if not isinstance(link, dict) or link.get("rel") != "child" or not isinstance(link.get("href"), str):
                continue
            href = link["href"]
            if "://" in href or href.startswith(("/", "\\")) or "\x00" in href:
                continue
            try:
                target = (current.parent / href).resolve()
                if target in seen or not target.is_relative_to(root) or not target.is_file():
                    continue
            except (OSError, ValueError, RuntimeError):
                continue
            seen.add(target)
            pending.append(target)
            yield target


# Byte order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _encoding(data: bytes) -> tuple[str, int]:
    """Encoding of JSON text and the length of its byte order mark.

    Without a mark, the zero bytes around the first (ASCII) character tell UTF-16/32 and
    their byte order apart, as RFC 4627 §3 describes.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    head = data[:4]
    if len(head) == 4:
        if head[:3] == b"\0\0\0" and head[3]:
            return "utf-32-be", 0
        if head[0] and head[1:] == b"\0\0\0":
            return "utf-32-le", 0
    if len(head) >= 2:
        if head[0] == 0 and head[1]:
            return "utf-16-be", 0
        if head[0] and head[1] == 0:
            return "utf-16-le", 0
    return "utf-8", 0


def decode_text(data: bytes, source: str) -> str:
    """JSON bytes to text: UTF-8 (with or without a mark), UTF-16 or UTF-32 (detected)."""
    encoding, skip = _encoding(data)
    try:
        return data[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            raise RecordError(source, f"not UTF-8 text (invalid byte at offset {exc.start + skip})") from exc
        raise RecordError(source, f"{encoding.upper()} text (detected) that does not decode: "
                                  f"{exc.reason} at byte {exc.start + skip}") from exc


def parse_json(data: bytes, source: str) -> tuple[Any, list[str]]:
    """Parse a record file's bytes; the notes say what was repaired (lone surrogates, NULs)."""
    text = decode_text(data, source)
    try:
        doc = orjson.loads(text)
        # a NUL can only come from its escape (JSON strings hold no raw control characters)
        return _repair_strings(doc) if "\\u0000" in text else (doc, [])
    except (orjson.JSONDecodeError, RecursionError):
        pass  # orjson is strict (no NaN literals, huge numbers, lone surrogates, depth 1024): ask json
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(source, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise RecordError(source, "malformed JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise RecordError(source, f"JSON not readable: {str(exc)[:120]}") from exc
    return _repair_strings(doc)


def _repair_strings(doc: Any) -> tuple[Any, list[str]]:
    """``doc`` with lone surrogate escapes (``"\\ud83d"``, not text in any encoding, so
    neither JSON output nor Arrow can store them) and NUL characters (``"\\u0000"``, which no
    PostgreSQL text or jsonb value can hold) replaced by U+FFFD, and a note for each place.
    Iterative: the document may be nested a thousand levels deep."""
    notes: list[str] = []

    def fix(text: str, where: str) -> str:
        if "\x00" in text:
            notes.append(f"NUL character (U+0000) in {where or 'the document'} replaced by U+FFFD")
            text = text.replace("\x00", "\ufffd")
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            notes.append(f"lone surrogate escape in {where or 'the document'} replaced by U+FFFD")
            return _SURROGATE.sub("\ufffd", text)

    if isinstance(doc, str):
        return fix(doc, ""), notes
    root: list[Any] = [doc]
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        container, where = stack.pop()
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, value in items:
                key = fix(key, f"a field name in {where or 'the document'}") if isinstance(key, str) else key
                container[key] = value
        for key in (container.keys() if isinstance(container, dict) else range(len(container))):
            value = container[key]
            path = f"{where}.{key}" if where and isinstance(key, str) else (
                f"{where}[{key}]" if where else (f"field {key!r}" if isinstance(key, str) else ""))
            if isinstance(value, str):
                container[key] = fix(value, path)
            elif isinstance(value, dict | list):
                stack.append((value, path))
    return root[0], notes


_SURROGATE = re.compile("[\ud800-\udfff]")


def load_json(path: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """Read a JSON (or JSON-in-.txt) file; :class:`RecordError` says what is wrong."""
    return load_json_noted(path, max_bytes=max_bytes)[0]


def load_json_noted(path: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> tuple[Any, list[str]]:
    """:func:`load_json` and the notes on what was repaired while parsing."""
    data = read_bounded(path, max_bytes)
    if not data:
        raise RecordError(printable_path(path), "file is empty")
    return parse_json(data, printable_path(path))


def _looks_like_json(path: Path) -> bool:
    try:
        head = read_bounded(path, MAX_RECORD_BYTES, head=64)
    except RecordError:
        return True  # let read_file report the error
    encoding, skip = _encoding(head)
    if encoding != "utf-8":
        head = head[skip:].decode(encoding, "ignore").encode()
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def records_from_document(doc: Any, source: str) -> tuple[list[DatasetRecord], list[Rejected], list[Rejected]]:
    """Records in one parsed document (a record, a collection, or a list of them)."""
    pairs, rejected, skipped = encoded_records_from_document(doc, source)
    return [record for record, _ in pairs], rejected, skipped


# Not turned into a rejected file: the user stopped the run, or the machine is out of memory.
FATAL_ERRORS: tuple[type[BaseException], ...] = (MemoryError, IngestInterrupted)


def encoded_records_from_document(
    doc: Any, source: str, notes: Sequence[str] = (),
) -> tuple[list[tuple[DatasetRecord, bytes]], list[Rejected], list[Rejected]]:
    """Records in one document, each with its stored JSON; ``notes`` become record warnings.

    Encoding here, per record, is what keeps one record that cannot be stored (nested too
    deeply, ...) from failing the index write for every other record.
    """
    if isinstance(doc, list) and not doc:
        return [], [Rejected(source, "not a record: an empty JSON list")], []
    items = doc if isinstance(doc, list) else [doc]
    pairs: list[tuple[DatasetRecord, bytes]] = []
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
            record = reader(item, where)
            if notes:
                label = f"{where} [{record.id}]"
                record = replace(record, warnings=(*record.warnings, *(f"{label}: {n}" for n in notes)))
            pairs.append((record, encode_record(record)))
        except RecordError as exc:
            rejected.append(Rejected(where, exc.reason))
        except FATAL_ERRORS:
            raise
        except Exception as exc:  # a reader bug must cost this record only, never the run
            rejected.append(Rejected(where, unexpected_reason(exc)))
    return pairs, rejected, skipped


def unexpected_reason(exc: BaseException) -> str:
    """Reason for a rejection caused by an error no reader anticipated."""
    text = str(exc)
    return f"cannot be read ({type(exc).__name__}: {text[:200]}{'…' if len(text) > 200 else ''})"


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
EncodedFileResult = tuple[list[tuple[DatasetRecord, bytes]], list[Rejected], list[Rejected]]


def read_file(path: Path, explicit: bool, max_bytes: int = MAX_RECORD_BYTES) -> FileResult:
    """Records, rejections and skipped entries of one file (never raises for bad input)."""
    pairs, rejected, skipped = read_file_encoded(path, explicit, max_bytes)
    return [record for record, _ in pairs], rejected, skipped


def read_file_encoded(path: Path, explicit: bool, max_bytes: int = MAX_RECORD_BYTES) -> EncodedFileResult:
    """:func:`read_file` with each record's stored JSON.

    Whatever goes wrong with this file (short of running out of memory or an interrupt)
    becomes a rejection naming it: one file never costs the rest of the run.
    """
    source = printable_path(path)
    try:
        if not explicit and path.suffix.lower() == ".txt" and not _looks_like_json(path):
            return [], [], []
        if not os.path.lexists(path):
            return [], [Rejected(source, "no such file or folder")], []
        doc, notes = load_json_noted(path, max_bytes=max_bytes)
        if source != os.fspath(path):
            notes.append("file name is not UTF-8; shown with \\x escapes")
        return encoded_records_from_document(doc, source, notes)
    except RecordError as exc:
        return [], [Rejected(source, exc.reason)], []
    except FATAL_ERRORS:
        raise
    except Exception as exc:
        return [], [Rejected(source, unexpected_reason(exc))], []


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
