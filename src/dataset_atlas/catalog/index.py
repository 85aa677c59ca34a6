"""The catalog index: one row per record, saved as GeoParquet.

The frame keeps flat, typed columns for filtering (bbox as four floats, dates, resolution in
metres, ...) and the whole normalised record as JSON for the detail view, so a saved index
is self-contained. Geometry is written as WKB with GeoParquet metadata so GIS tools read
the file, but loading skips decoding it: queries run on the bbox columns.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from dataset_atlas.errors import IndexFileError, IndexLockedError, IndexWriteError, IngestInterrupted

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]
from dataset_atlas.geometry import Box
from dataset_atlas.model import DatasetRecord, Extent
from dataset_atlas.model import encode_record as record_json_bytes
from dataset_atlas.sources.discover import IngestReport

INDEX_VERSION = 1
META_KEY = b"dataset_atlas"
ROW_GROUP_SIZE = 2048
LIST_SEP = "\u001f"  # joins list values (keywords, formats) inside one string column

COLUMNS = [
    "id", "source_kind", "source_path", "title_zh", "title_en", "category", "keywords", "formats",
    "place_zh", "place_en", "west", "south", "east", "north", "extent_quality", "start", "end",
    "ongoing", "resolution_m", "resolution_text", "time_resolution", "access", "licence",
    "size_bytes", "file_count", "search_text", "record",
]  # fmt: skip


def search_text(record: DatasetRecord) -> str:
    """Lower-cased text that free-text search runs over (both languages)."""
    parts = [record.id, record.title.zh, record.title.en, record.abstract_text.zh, record.abstract_text.en,
             record.place.zh, record.place.en, record.category, *record.keywords]
    return "\n".join(p for p in parts if p).lower()


def record_json(record: DatasetRecord) -> str:
    """``json.dumps(record.to_dict())``, compact, about ten times faster than ``to_dict``."""
    return record_json_bytes(record).decode("utf-8")


def records_to_frame(records: Sequence[DatasetRecord], encoded: Sequence[bytes] | None = None) -> pd.DataFrame:
    """Flatten records into the index frame; ``encoded`` is their stored JSON when known."""
    rows: list[dict[str, Any]] = []
    for r in records:
        bbox = r.extent.bbox or (np.nan, np.nan, np.nan, np.nan)
        rows.append({
            "id": r.id, "source_kind": r.source_kind, "source_path": r.source_path,
            "title_zh": r.title.get("zh"), "title_en": r.title.get("en"), "category": r.category,
            "keywords": LIST_SEP.join(r.keywords), "formats": LIST_SEP.join(r.formats),
            "place_zh": r.place.get("zh"), "place_en": r.place.get("en"),
            "west": bbox[0], "south": bbox[1], "east": bbox[2], "north": bbox[3],
            "extent_quality": str(r.extent.quality),
            "start": r.time.start, "end": r.time.end, "ongoing": r.time.ongoing,
            "resolution_m": r.resolution.metres if r.resolution.metres is not None else np.nan,
            "resolution_text": r.resolution.text, "time_resolution": str(r.time_resolution),
            "access": r.access, "licence": r.licence,
            "size_bytes": r.size_bytes, "file_count": r.file_count,
        })
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("search_text", "record")])
    # The two large text columns go straight into Arrow: building them through Python str
    # objects was most of the frame's cost (the record JSON is already UTF-8 from orjson).
    frame["search_text"] = pa.array([search_text(r) for r in records], type=pa.large_string()).to_pandas()
    if encoded is None:
        encoded = [record_json_bytes(r) for r in records]
    frame["record"] = pa.array(encoded, type=pa.large_binary()).cast(
        pa.large_string()).to_pandas()
    return normalize_frame_types(frame[COLUMNS])


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("west", "south", "east", "north", "resolution_m"), "float64"),
    "start": "datetime64[s]", "end": "datetime64[s]", "size_bytes": "Int64", "file_count": "Int64",
    "ongoing": "bool",
}


def normalize_frame_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Give the index columns their dtypes (after building or loading).

    Columns already in their final dtype are left alone, so a saved index (written typed)
    loads without conversions.
    """
    dtypes = frame.dtypes  # (once: a column lookup per check costs more than a small page's conversion)
    for col, dtype in _DTYPES.items():
        if col not in dtypes or dtypes[col] == dtype:
            continue
        if dtype.startswith("datetime"):
            frame[col] = pd.to_datetime(frame[col], errors="coerce").astype(dtype)
        elif dtype == "bool":
            frame[col] = frame[col].astype(bool)
        elif dtype == "Int64" and getattr(frame[col].dtype, "kind", "") in ("O", "u"):
            # Ints straight from records: exact, and beyond int64 (bad input) is missing.
            frame[col] = pd.array([int(v) if isinstance(v, int | np.integer) and _INT64_MIN <= v <= _INT64_MAX
                                   else None for v in frame[col].tolist()], dtype="Int64")
        else:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(dtype)
    for col in COLUMNS:
        if col in dtypes and col not in _DTYPES and dtypes[col] == np.dtype("O"):
            frame[col] = frame[col].fillna("").astype(str)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return frame


def extent_geometry(extent: Extent) -> shapely.Geometry | None:
    """WGS84 geometry of an extent: a point, a box, or two boxes split at 180°."""
    if extent.bbox is None:
        return None
    w, s, e, n = extent.bbox
    if extent.is_point:
        return shapely.Point(w, s)
    parts = [shapely.box(*part) for part in Box(w, s, e, n).split()]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def frame_geometries(frame: pd.DataFrame) -> np.ndarray:
    """Vectorised :func:`extent_geometry` for the bbox columns of a frame."""
    w, s, e, n = (frame[c].to_numpy(dtype="float64") for c in ("west", "south", "east", "north"))
    out = np.full(len(frame), None, dtype=object)
    has = ~np.isnan(w)
    point = has & (w == e) & (s == n)
    cross = has & (w > e) & ~point
    plain = has & ~point & ~cross
    out[point] = shapely.points(w[point], s[point])
    out[plain] = shapely.box(w[plain], s[plain], e[plain], n[plain])
    for i in np.flatnonzero(cross):
        out[i] = shapely.MultiPolygon([shapely.box(*part) for part in Box(w[i], s[i], e[i], n[i]).split()])
    return out


_GEO_META = json.dumps({
    "version": "1.0.0",
    "primary_column": "geometry",
    "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point", "Polygon", "MultiPolygon"]}},
}).encode()
_WRITE_SLICE = 65_536  # rows converted to Arrow at a time when saving a whole frame


def save_index(frame: pd.DataFrame, report: IngestReport, path: str | os.PathLike[str]) -> Path:
    """Write the index as GeoParquet, atomically: a crash mid-write keeps the old file."""
    with interrupts_raise(f"saving {path} interrupted; the previous index is unchanged"), IndexWriter(path) as writer:
        for start in range(0, len(frame), _WRITE_SLICE):
            raise_if_interrupted()
            writer.write(frame.iloc[start:start + _WRITE_SLICE])
        return writer.commit(report)


class IndexWriter:
    """Writes an index file in row groups as records arrive, so memory does not grow with it.

    While open it holds the index's lock (a second ingest into the same file fails at once,
    saying so), and on entering removes temp files a killed ingest left behind (safe: the lock
    says no one else is writing them). Rows go to a hidden temp file beside the index, which
    :meth:`commit` moves over the index in one step with the previous file's mode (or the
    umask's for a new one); anything else (an error, an interrupt) deletes the temp file and
    leaves the old index as it was. Write errors name the file (:class:`IndexWriteError`).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.target = Path(path)
        self._lock: IndexLock | None = None
        self._tmp: Path | None = None
        self._fh: Any = None
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self.rows = 0

    def __enter__(self) -> IndexWriter:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexWriteError(
                f"{self.target.parent}: cannot create the index folder ({exc.strerror or exc})") from exc
        self._lock = IndexLock(self.target)
        try:
            remove_stale_temp_files(self.target)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=TEMP_SUFFIX, dir=self.target.parent)
            self._tmp = Path(tmp)
            self._fh = os.fdopen(fd, "wb")
            os.fchmod(fd, _new_file_mode(self.target))
        except OSError as exc:
            self._abort()
            raise self._error(exc) from exc
        except BaseException:
            self._abort()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._abort()

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows (index frame columns); full row groups go to disk at once."""
        if not len(frame):
            return
        table = pa.Table.from_pandas(frame[COLUMNS], schema=self._schema, preserve_index=False)
        wkb = shapely.to_wkb(frame_geometries(frame))
        table = table.append_column("geometry", pa.array(list(wkb), type=pa.binary()))
        if self._schema is None:
            self._schema = table.schema.remove(table.schema.get_field_index("geometry"))
        self._pending.append(table)
        self._pending_rows += len(table)
        self.rows += len(table)
        if self._pending_rows >= ROW_GROUP_SIZE:
            self._flush(final=False)

    def commit(self, report: IngestReport) -> Path:
        """Finish the file and move it over the index; returns the index path."""
        if self._fh is None:
            raise IndexWriteError(f"{self.target}: the index writer is closed")
        try:
            if self._schema is None:  # no rows: still a valid (empty) index
                empty = normalize_frame_types(pd.DataFrame({c: [] for c in COLUMNS}))
                self._schema = pa.Table.from_pandas(empty, preserve_index=False).schema
            self._flush(final=True)
            writer = self._open_writer()
            # Known only now, so in the footer's key-value metadata (load_index reads both).
            writer.add_key_value_metadata({META_KEY: json.dumps({"version": INDEX_VERSION,
                                                                  "report": report.to_dict()}).encode()})
            writer.close()
            self._writer = None
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
            assert self._tmp is not None
            raise_if_interrupted()  # the last moment at which the old index can still stay
            os.replace(self._tmp, self.target)
            self._tmp = None
            _fsync_folder(self.target.parent)
        except (OSError, pa.ArrowException) as exc:
            raise self._error(exc) from exc
        return self.target

    def _open_writer(self) -> pq.ParquetWriter:
        if self._writer is None:
            assert self._schema is not None
            schema = self._schema.append(pa.field("geometry", pa.binary()))
            meta = dict(schema.metadata or {})
            meta[b"geo"] = _GEO_META
            # Small row groups: one record is read back by decoding its group only (RecordStore).
            self._writer = pq.ParquetWriter(self._fh, schema.with_metadata(meta), compression="zstd")
        return self._writer

    def _flush(self, *, final: bool) -> None:
        """Write whole row groups of :data:`ROW_GROUP_SIZE` rows (and the rest when ``final``)."""
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        full = len(table) if final else len(table) - len(table) % ROW_GROUP_SIZE
        try:
            if full:
                self._open_writer().write_table(table.slice(0, full), row_group_size=ROW_GROUP_SIZE)
        except (OSError, pa.ArrowException) as exc:
            raise self._error(exc) from exc
        rest = table.slice(full)
        self._pending = [rest.combine_chunks()] if len(rest) else []
        self._pending_rows = len(rest)

    def _error(self, exc: BaseException) -> IndexWriteError:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return IndexWriteError(f"{self.target}: cannot write the index ({reason}); the previous index is unchanged")

    def _abort(self) -> None:
        """Drop the temp file (if not committed) and release the lock; never raises."""
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
        self._writer = None
        with contextlib.suppress(Exception):
            if self._fh is not None:
                self._fh.close()
        self._fh = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None
        self._pending = []
        if self._lock is not None:
            self._lock.release()
            self._lock = None


TEMP_SUFFIX = ".tmp"


def temp_files(target: Path) -> list[Path]:
    """Temp files of writes of ``target`` (``.<name>.<random>.tmp`` beside it)."""
    prefix = f".{target.name}."
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / n for n in names
            if n.startswith(prefix) and n.endswith(TEMP_SUFFIX) and n != f".{target.name}{LOCK_SUFFIX}"]


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temp files a killed write of ``target`` left behind (call with the lock held)."""
    removed = []
    for path in temp_files(target):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
    return removed


LOCK_SUFFIX = ".lock"


class IndexLock:
    """An exclusive ``flock`` on ``.<index name>.lock`` beside the index, held while writing it.

    Fails at once (no waiting) with :class:`IndexLockedError` naming the index and the pid
    holding it. The lock file is removed on release; taking the lock checks that the locked
    file is still the one at the path, so removing it cannot let two writers in.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.path = target.parent / f".{target.name}{LOCK_SUFFIX}"
        self._fd: int | None = None
        if fcntl is None:  # pragma: no cover - not POSIX: no locking
            return
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            except OSError as exc:
                raise IndexWriteError(f"{target}: cannot create the lock file {self.path} "
                                      f"({exc.strerror or exc})") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _read_pid(fd)
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise IndexWriteError(f"{target}: cannot lock {self.path} ({exc.strerror or exc})") from exc
                by = f" (pid {holder})" if holder else ""
                raise IndexLockedError(
                    f"{target}: another ingest{by} is writing this index right now; not waiting for it. "
                    f"Run again when it has finished, or write to another --index "
                    f"(lock file {self.path})") from exc
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except OSError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file after we opened it: lock the new one
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and unlock (in that order: see the class doc)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


def _new_file_mode(target: Path) -> int:
    """The previous index's permissions, or those the umask gives a new file (not mkstemp's 0600)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux shows it without changing it (os.umask would, briefly, for every thread)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Interrupt:
    """The signal an ingest received and has not acted on yet (see :func:`interrupts_raise`)."""

    signum: int | None = None
    message = ""


_INTERRUPT = _Interrupt()


def raise_if_interrupted() -> None:
    """Raise :class:`IngestInterrupted` if SIGTERM/SIGINT arrived inside :func:`interrupts_raise`.

    Called at safe points (between files, chunks and row groups, and before the index is
    replaced). Elsewhere, in worker processes and outside an ingest, it does nothing.
    """
    if _INTERRUPT.signum is not None:
        raise IngestInterrupted(f"{signal.Signals(_INTERRUPT.signum).name}: {_INTERRUPT.message}")


@contextlib.contextmanager
def interrupts_raise(message: str) -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`IngestInterrupted` at the block's next safe point.

    Python dies on SIGTERM without running ``finally`` blocks (the temp file would stay) and
    prints a traceback on SIGINT. The handler only records the signal: an exception raised
    from a handler lands wherever the main thread happens to be, and inside a thread start,
    a lock release or a ``__del__`` it was swallowed (the ingest went on and exited 0) or
    turned into another error. :func:`raise_if_interrupted` raises it where that is safe.
    Only in the main thread, and only where the handlers are still Python's defaults (an
    application's own handlers are left alone); later signals are ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    previous: dict[signal.Signals, Any] = {}

    def note(signum: int, _frame: object) -> None:
        if _INTERRUPT.signum is None:
            _INTERRUPT.signum = signum

    for sig, default in defaults.items():
        if signal.getsignal(sig) is default:
            previous[sig] = signal.signal(sig, note)
    _INTERRUPT.signum, _INTERRUPT.message = None, message
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _INTERRUPT.signum = None


def load_index(path: str | os.PathLike[str], *, records: bool = True) -> tuple[pd.DataFrame, IngestReport]:
    """Read an index written by :func:`save_index` (geometry left undecoded).

    With ``records=False`` the big ``record`` column (the whole normalised records as JSON,
    most of the file) is not read: :class:`RecordStore` fetches single records on demand.
    """
    source = Path(path)
    if not source.is_file():
        raise IndexFileError(f"{source}: no index file here (build one with `dataset-atlas ingest`)")
    try:
        parquet = pq.ParquetFile(source)
        # The report is in the footer's key-value metadata (written last); older files have
        # it in the Arrow schema's metadata.
        meta = {**(parquet.schema_arrow.metadata or {}), **(parquet.metadata.metadata or {})}
        if META_KEY not in meta:
            raise IndexFileError(f"{source}: not a Dataset Atlas index (no {META_KEY.decode()} metadata)")
        info = json.loads(meta[META_KEY])
        if info.get("version") != INDEX_VERSION:
            raise IndexFileError(f"{source}: index version {info.get('version')} is not {INDEX_VERSION}; "
                                 "rebuild it with `dataset-atlas ingest`")
        table = parquet.read(columns=COLUMNS if records else [c for c in COLUMNS if c != "record"])
    except (pa.ArrowException, OSError, ValueError) as exc:
        if isinstance(exc, IndexFileError):
            raise
        raise IndexFileError(f"{source}: unreadable index ({exc})") from exc
    frame = normalize_frame_types(table.to_pandas())  # pandas metadata in the file restores Int64 etc.
    del table
    # Arrow's allocator keeps the decoded pages cached for reuse: at 100k records that is
    # ~200 MB the app would hold for nothing.
    pa.default_memory_pool().release_unused()
    return frame, IngestReport.from_dict(info.get("report", {}))


class RecordStore:
    """The ``record`` column of a saved index, read one row group at a time on demand.

    Keeps start-up fast and memory low: the column is most of the file. The id stored next
    to each record is checked, so a file replaced since loading is an error, not a wrong record.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        meta = pq.ParquetFile(self.path).metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._cached: tuple[int, list[str], list[str]] | None = None

    def get(self, position: int, record_id: str) -> str:
        """The record JSON at row ``position``, which must have id ``record_id``."""
        group = int(np.searchsorted(self._starts, position, side="right")) - 1
        if self._cached is None or self._cached[0] != group:
            try:
                table = pq.ParquetFile(self.path).read_row_group(group, columns=["id", "record"])
            except (pa.ArrowException, OSError, IndexError) as exc:
                raise IndexFileError(f"{self.path}: cannot read record {record_id} ({exc})") from exc
            self._cached = (group, table.column("id").to_pylist(), table.column("record").to_pylist())
        _, ids, texts = self._cached
        offset = position - int(self._starts[group])
        if offset >= len(ids) or ids[offset] != record_id:
            raise IndexFileError(f"{self.path}: the index file changed since it was loaded; reload it")
        return str(texts[offset])

    def column(self) -> pd.Series:
        """The whole column (to save the index elsewhere)."""
        try:
            table = pq.read_table(self.path, columns=["record"])
        except (pa.ArrowException, OSError) as exc:
            raise IndexFileError(f"{self.path}: cannot read records ({exc})") from exc
        return table.column("record").to_pandas()
