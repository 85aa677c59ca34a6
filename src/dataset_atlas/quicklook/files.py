"""Linking a record to its data files on disk, for the detail view."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

from dataset_atlas.errors import UnsafePathError
from dataset_atlas.quicklook.easegrid import grid_for_size
from dataset_atlas.quicklook.formats import (
    PICTURE_EXTS,
    format_label,
    is_sidecar_name,
    owner_names,
    sniff,
)
from dataset_atlas.quicklook.model import DataFile
from dataset_atlas.quicklook.paths import resolve_within

PACKAGE_META = "_ncdc_meta_.json"
MAX_FILES = 5000  # a listing for a detail view, not a crawler
MAX_DEPTH = 4


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` (sorted, bounded depth and count, hidden entries skipped)."""
    count = 0
    base_depth = len(folder.parts)
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and len(here.parts) - base_depth < MAX_DEPTH)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield here / name


def _local_path(href: str, base: Path | None) -> Path | None:
    """A local path from a STAC href (plain path or file:// URL); None for remote ones."""
    parsed = urlparse(href)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # http, s3, ... ("C:" is a drive letter)
        return None
    p = Path(href)
    if not p.is_absolute() and base is not None:
        p = base / p
    return p


def _describe(path: Path, root: Path, siblings: set[str]) -> DataFile:
    size = path.stat().st_size
    kind = sniff(path, size)
    previewable = kind in ("tiff", "jpeg", "png") or (
        kind == "ease" and grid_for_size(size, path.name) is not None)
    sidecars = sorted(n for n in siblings if n != path.name and is_sidecar_name(n)
                      and path.name in owner_names(n))
    pictures = [path.with_name(n) for n in sorted(siblings)
                if n != path.name and n.lower().endswith(PICTURE_EXTS)
                and path.name in owner_names(n)]
    picture = pictures[0] if pictures else None
    try:
        name = path.relative_to(root).as_posix()
    except ValueError:
        name = path.name
    return DataFile(name=name, path=path, size=size, format=format_label(path, kind),
                    previewable=previewable or picture is not None,
                    sidecars=tuple(sidecars), picture=picture)


def find_data_files(
    record_id: str, *, source_path: str | Path | None = None,
    asset_hrefs: Sequence[str] = (), data_root: str | Path | None = None,
) -> list[DataFile]:
    """List the data files linked to a record, with size, format and previewability.

    Looked up in: (a) the data package folder when ``source_path`` is its
    ``_ncdc_meta_.json`` (or sits next to one); (b) ``<data_root>/<record_id>/``;
    (c) local ``asset_hrefs`` (relative ones are taken from the source file's folder).
    Sidecars (.met, .TIM, .aux.xml, world files, ...) and pictures made from a data file are
    attached to it rather than listed alone. Nothing outside ``data_root`` (or, without one,
    outside the package folder) is listed: symlinks and ``..`` are resolved first.
    """
    root = Path(data_root).expanduser().resolve() if data_root is not None else None
    found: dict[Path, Path] = {}  # resolved file -> folder it is named relative to

    def add(candidate: Path, base: Path, allowed: Path | None) -> None:
        if allowed is None:
            return
        try:
            resolved = resolve_within(candidate, allowed)
            if resolved.is_file():
                found.setdefault(resolved, base)
        except UnsafePathError:
            return  # a link or href pointing out of the data folder: silently not listed
        except (ValueError, OSError):
            return  # an href no file can have (a NUL byte, a name over 255 bytes): none listed

    source = Path(source_path).expanduser().resolve() if source_path is not None else None
    package = None
    if source is not None and (source.name == PACKAGE_META
                               or (source.parent / PACKAGE_META).is_file()):
        package = source.parent
        for f in _walk(package):
            add(f, package, root if root is not None and package.is_relative_to(root)
                else package)
    if root is not None and record_id and "/" not in record_id and record_id not in ("..", "."):
        folder = root / record_id
        try:
            is_folder = folder.is_dir()
        except (ValueError, OSError):  # an id no folder can be named (NUL, over 255 bytes)
            is_folder = False
        if is_folder:
            for f in _walk(folder):
                add(f, folder.resolve(), root)
    href_base = source.parent if source is not None else root
    for href in asset_hrefs:
        local = _local_path(href, href_base)
        if local is not None:
            allowed = root if root is not None else (source.parent if source else None)
            add(local, local.parent.resolve(), allowed)

    by_folder: dict[Path, set[str]] = {}
    for f in found:
        by_folder.setdefault(f.parent, set()).update(
            p.name for p in f.parent.iterdir() if p.is_file())
    # Pictures and sidecars that belong to a listed data file are shown with it.
    owned: set[Path] = set()
    for f in found:
        if f.name.lower().endswith(PICTURE_EXTS) or is_sidecar_name(f.name):
            if any((f.parent / o) in found and not is_sidecar_name(o)
                   and not o.lower().endswith(PICTURE_EXTS) for o in owner_names(f.name)):
                owned.add(f)
            elif is_sidecar_name(f.name):
                owned.add(f)  # orphan metadata files are not data
    files = [_describe(f, found[f], by_folder[f.parent]) for f in found if f not in owned]
    return sorted(files, key=lambda d: d.name)


def choose_file(files: Sequence[DataFile], wanted: str | None) -> tuple[DataFile | None, bool]:
    """The previewable file named ``wanted`` (a name from the URL), else the first previewable one.

    The flag is True when ``wanted`` names no previewable file of this dataset: the page says
    so instead of silently showing another file.
    """
    previewable = [f for f in files if f.previewable]
    for f in previewable:
        if wanted is not None and f.name == wanted:
            return f, False
    return (previewable[0] if previewable else None), wanted is not None


def overlay_files(files: Sequence[DataFile], chosen: DataFile | None, limit: int) -> list[DataFile]:
    """The previewable files to draw on a map, at most ``limit``: ``chosen`` first, then the rest in order."""
    rest = [f for f in files if f.previewable and f != chosen]
    return ([chosen] if chosen is not None else []) + rest[: max(0, limit - (chosen is not None))]
