"""One exception root for Dataset Atlas, with a few subclasses.

Every message names the record id or the file it is about, so a curator can act on it.
Builtin parents are added where they are natural (as rasterio does), so callers that
already catch ``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations


class AtlasError(Exception):
    """Root of every error Dataset Atlas raises on purpose."""


class RecordError(AtlasError, ValueError):
    """A metadata record (or file meant to hold one) cannot be read or is invalid."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class IndexFileError(AtlasError, OSError):
    """A saved catalog index is missing, unreadable or of an unknown layout."""


class QueryError(AtlasError, ValueError):
    """A search parameter (bbox, date, resolution text, ...) is invalid."""


class UsageError(AtlasError, ValueError):
    """An argument given by a caller (a command-line option, a function parameter) is out of range."""


class RasterError(AtlasError, OSError):
    """A raster file cannot be previewed: corrupt, unknown format, absurd size, ..."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class UnsafePathError(AtlasError, PermissionError):
    """A path points outside the data root it must stay within."""

    def __init__(self, path: str, root: str) -> None:
        self.path = path
        self.root = root
        super().__init__(f"{path}: outside the data folder {root}")


class IndexLockedError(IndexFileError):
    """Another ingest is writing the same index file right now."""


class IndexWriteError(IndexFileError):
    """The index file could not be written (disk full, permissions, ...); the old one is kept."""


class IngestInterrupted(AtlasError):
    """An ingest stopped by SIGTERM or SIGINT; the previous index is left as it was."""
