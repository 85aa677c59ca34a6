"""Record files to the index frame, in worker processes for large inputs.

Each worker reads a chunk of files and flattens its records into a frame itself, so only
frames (Arrow buffers, cheap to pickle) and small per-record facts travel back; sending the
records themselves cost more than the work saved. The parent keeps file order, so ids,
duplicates and the report are exactly those of a serial read.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from dataset_atlas.catalog.index import records_to_frame
from dataset_atlas.sources.discover import (
    MAX_RECORD_BYTES,
    IngestReport,
    RecordInfo,
    Rejected,
    add_results,
    iter_record_files,
    read_file,
    read_paths,
)

PARALLEL_MIN_FILES = 2000  # below this, starting worker processes costs more than it saves
CHUNK_FILES = 1000

ChunkResult = tuple[pd.DataFrame, list[tuple[list[RecordInfo], list[Rejected], list[Rejected]]]]


def _read_chunk(chunk: list[tuple[Path, bool]], max_bytes: int) -> ChunkResult:
    results = [read_file(path, explicit, max_bytes) for path, explicit in chunk]
    records = [record for found, _, _ in results for record in found]
    infos = [([RecordInfo(r.id, r.source_path, r.warnings) for r in found], rejected, skipped)
             for found, rejected, skipped in results]
    return records_to_frame(records), infos


def frame_from_paths(
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = MAX_RECORD_BYTES,
    progress: Callable[[int], None] | None = None, workers: int | None = None,
) -> tuple[pd.DataFrame, IngestReport]:
    """The index frame and ingest report of every record file under ``paths``."""
    sources = list(paths)
    files = list(iter_record_files(sources))
    count = workers if workers is not None else (os.cpu_count() or 1)
    # fork is the only start method that does not re-run the caller's main script, and forking
    # is only safe without other threads (a server, a text index being built): else read here.
    if count <= 1 or len(files) < PARALLEL_MIN_FILES or threading.active_count() > 1:
        records, report = read_paths(sources, max_bytes=max_bytes, progress=progress)
        return records_to_frame(records), report
    report = IngestReport()
    seen: dict[str, str] = {}
    frames: list[pd.DataFrame] = []
    chunks = [files[i:i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    done = 0
    with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork")) as pool:
        for frame, infos in pool.map(_read_chunk, chunks, [max_bytes] * len(chunks)):
            kept: list[bool] = []
            for found, rejected, skipped in infos:
                accepted: list[RecordInfo] = []
                add_results(report, seen, found, rejected, skipped, accepted.append)
                accepted_ids = {id(info) for info in accepted}
                kept.extend(id(info) in accepted_ids for info in found)
            frames.append(frame[np.asarray(kept, dtype=bool)])
            done += len(infos)
            if progress is not None:
                progress(done)
    frame = pd.concat(frames, ignore_index=True)
    report.ingested = len(frame)
    return frame, report
