"""Disk cache of rendered quicklooks: a PNG pair and a JSON file per key.

The key covers the file's identity (resolved path, size, mtime_ns), the style, the
maximum size and the target CRS, so an edited file or another style never gets a stale picture.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from dataset_atlas.quicklook.model import Quicklook, decode_png, encode_png
from dataset_atlas.quicklook.styles import Style

CACHE_VERSION = 3  # bump when rendering or the JSON changes, so old entries are ignored (3: target CRS)


def cache_key(path: Path, style: str | Style | None, max_size: int, crs: str = "EPSG:3857") -> str:
    """Key for ``path`` (already resolved) rendered with ``style`` at ``max_size`` in ``crs``."""
    st = path.stat()
    if isinstance(style, Style):
        style_key = style.key()
    else:
        style_key = (style or "auto").strip().lower()
    text = f"{CACHE_VERSION}|{path}|{st.st_size}|{st.st_mtime_ns}|{style_key}|{max_size}|{crs}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def entry_paths(cache_dir: Path, key: str) -> tuple[Path, Path, Path]:
    """(json, map png, preview png) paths of one entry."""
    return (cache_dir / f"{key}.json", cache_dir / f"{key}.png",
            cache_dir / f"{key}.preview.png")


def load(cache_dir: Path, key: str) -> Quicklook | None:
    """The cached quicklook, or None when absent or unreadable (then it is re-rendered)."""
    meta_p, png_p, prev_p = entry_paths(cache_dir, key)
    try:
        meta = json.loads(meta_p.read_text(encoding="utf-8"))
        rgba = decode_png(png_p.read_bytes())
        preview = decode_png(prev_p.read_bytes()) if prev_p.is_file() else None
        return Quicklook.from_json(meta, rgba, preview, cached=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(cache_dir: Path, key: str, ql: Quicklook) -> None:
    """Store a quicklook; the JSON goes last so a reader never sees half an entry."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta_p, png_p, prev_p = entry_paths(cache_dir, key)
    _atomic_write(png_p, encode_png(ql.rgba))
    if ql.preview is not None:
        _atomic_write(prev_p, encode_png(ql.preview))
    _atomic_write(meta_p, json.dumps(ql.to_json(), ensure_ascii=False).encode("utf-8"))
