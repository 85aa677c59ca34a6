"""Writing the index file: in row groups as records arrive, atomically, under a lock.

A crash or an interrupt mid-write keeps the previous index; a second ingest into the same
file fails at once instead of waiting (:class:`IndexLock`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from dataset_atlas.catalog.base import IngestReport
from dataset_atlas.catalog.interrupts import interrupts_raise, raise_if_interrupted
from dataset_atlas.catalog.local.frame import COLUMNS, frame_geometries, normalize_frame_types
from dataset_atlas.catalog.local.geoparquet import GEO_META, INDEX_VERSION, META_KEY
from dataset_atlas.errors import IndexLockedError, IndexWriteError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

ROW_GROUP_SIZE = 2048
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
            meta[b"geo"] = GEO_META
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
