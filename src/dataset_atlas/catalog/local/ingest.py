"""Record files to the index frame, in worker processes for large inputs.

Each worker reads a chunk of files and flattens its records into a frame itself, so only
frames (Arrow buffers, cheap to pickle) and small per-record facts travel back; sending the
records themselves cost more than the work saved. The parent keeps file order, so ids,
duplicates and the report are exactly those of a serial read.

Chunks are produced as files are found and at most a few are in flight, so
:func:`ingest_to_index` streams them into the index file in row groups: its memory does not
grow with the catalog (only the ids seen, for duplicates, and the report do).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice
from pathlib import Path

import numpy as np
import pandas as pd

from dataset_atlas.catalog.base import IngestReport, Rejected
from dataset_atlas.catalog.interrupts import interrupts_raise, raise_if_interrupted
from dataset_atlas.catalog.local.frame import records_to_frame
from dataset_atlas.catalog.local.writer import IndexWriter
from dataset_atlas.sources.discover import (
    MAX_RECORD_BYTES,
    RecordInfo,
    add_results,
    iter_record_files,
    read_file_encoded,
)

PARALLEL_MIN_FILES = 2000  # below this, starting worker processes costs more than it saves
CHUNK_FILES = 1000
IN_FLIGHT_PER_WORKER = 2  # chunks submitted ahead per worker: keeps workers busy, memory bounded

ChunkResult = tuple[pd.DataFrame, list[tuple[list[RecordInfo], list[Rejected], list[Rejected]]]]


def _read_chunk(chunk: list[tuple[Path, bool]], max_bytes: int) -> ChunkResult:
    results = []
    for path, explicit in chunk:
        raise_if_interrupted()  # reading in this process: stop between files
        results.append(read_file_encoded(path, explicit, max_bytes))
    pairs = [pair for found, _, _ in results for pair in found]
    infos = [([RecordInfo(r.id, r.source_path, r.warnings) for r, _ in found], rejected, skipped)
             for found, rejected, skipped in results]
    return records_to_frame([r for r, _ in pairs], [b for _, b in pairs]), infos


def _die_with_parent(parent: int) -> None:
    """Worker initializer: never outlive the ingest that started us (kill -9 included)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _chunks(files: Iterable[tuple[Path, bool]], size: int) -> Iterator[list[tuple[Path, bool]]]:
    it = iter(files)
    while chunk := list(islice(it, size)):
        yield chunk


def _wait(future: Future[ChunkResult]) -> ChunkResult:
    """A worker's result, checking for SIGTERM/SIGINT every 0.2 s while it is not ready."""
    while True:
        raise_if_interrupted()
        try:
            return future.result(timeout=0.2)
        except TimeoutError:  # concurrent.futures raises the builtin one since 3.11
            continue


def _in_workers(chunks: Iterator[list[tuple[Path, bool]]], max_bytes: int,
                count: int) -> Generator[ChunkResult, None, None]:
    """Chunk results in order, at most ``count * IN_FLIGHT_PER_WORKER`` pending at a time.

    On any exit but the normal end (an error, an interrupt, the consumer stopping) the
    workers are killed at once instead of finishing their chunks.
    """
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    pending: deque[Future[ChunkResult]] = deque()
    finished = False
    try:
        for chunk in chunks:
            pending.append(pool.submit(_read_chunk, chunk, max_bytes))
            if len(pending) >= count * IN_FLIGHT_PER_WORKER:
                yield _wait(pending.popleft())
        while pending:
            yield _wait(pending.popleft())
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            for future in pending:
                future.cancel()
            processes = list((getattr(pool, "_processes", None) or {}).values())
            for process in processes:
                with contextlib.suppress(Exception):
                    process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                with contextlib.suppress(Exception):
                    process.join(timeout=5)


def iter_frames(
    paths: Iterable[str | os.PathLike[str]], report: IngestReport, *, max_bytes: int = MAX_RECORD_BYTES,
    progress: Callable[[int], None] | None = None, workers: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Frames of the records to keep, in file order, chunk by chunk; fills ``report`` as it goes.

    Duplicate ids after the first are rejected, as in a serial read.
    """
    files = iter_record_files(list(paths))
    count = workers if workers is not None else (os.cpu_count() or 1)
    first = list(islice(files, PARALLEL_MIN_FILES))
    chunks = _chunks(chain(first, files), CHUNK_FILES)
    # fork is the only start method that does not re-run the caller's main script, and forking
    # is only safe without other threads (a server, a text index being built): else read here.
    parallel = count > 1 and len(first) >= PARALLEL_MIN_FILES and threading.active_count() == 1
    results: Generator[ChunkResult, None, None] = (
        _in_workers(chunks, max_bytes, count) if parallel else (_read_chunk(c, max_bytes) for c in chunks))
    seen: dict[str, str] = {}
    done = 0
    with contextlib.closing(results):
        for frame, infos in results:
            kept: list[bool] = []
            for found, rejected, skipped in infos:
                accepted: list[RecordInfo] = []
                add_results(report, seen, found, rejected, skipped, accepted.append)
                accepted_ids = {id(info) for info in accepted}
                kept.extend(id(info) in accepted_ids for info in found)
            done += len(infos)
            if progress is not None:
                progress(done)
            if not all(kept):
                frame = frame[np.asarray(kept, dtype=bool)].reset_index(drop=True)
            report.ingested += len(frame)
            if len(frame):
                yield frame


def frame_from_paths(
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = MAX_RECORD_BYTES,
    progress: Callable[[int], None] | None = None, workers: int | None = None,
) -> tuple[pd.DataFrame, IngestReport]:
    """The index frame and ingest report of every record file under ``paths`` (all in memory)."""
    report = IngestReport()
    frames = list(iter_frames(paths, report, max_bytes=max_bytes, progress=progress, workers=workers))
    frame = pd.concat(frames, ignore_index=True) if frames else records_to_frame([])
    return frame, report


def ingest_to_index(
    paths: Iterable[str | os.PathLike[str]], index: str | os.PathLike[str], *,
    max_bytes: int = MAX_RECORD_BYTES, progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Read every record file under ``paths`` straight into the index file ``index``.

    What ``dataset-atlas ingest`` needs, in bounded memory: records stream into the file in
    row groups. The index is replaced only when at least one record was read, atomically;
    another ingest into the same index fails at once (:class:`IndexLockedError`), SIGTERM or
    SIGINT stop it with :class:`IngestInterrupted` and the old index untouched.
    """
    report = IngestReport()
    with interrupts_raise(f"ingest into {index} interrupted; the previous index is unchanged"), \
            IndexWriter(index) as writer:
        for frame in iter_frames(paths, report, max_bytes=max_bytes, progress=progress, workers=workers):
            raise_if_interrupted()
            writer.write(frame)
        if report.ingested:
            writer.commit(report)
    return report
