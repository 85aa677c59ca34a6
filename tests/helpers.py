"""Small helpers several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine


def write_tif(path: Path, data: np.ndarray, crs: str, transform: Affine, **profile: Any) -> Path:
    """A one-band GeoTIFF of ``data`` (its shape and dtype) at ``path``; ``profile`` adds creation
    options such as ``nodata`` (none unless given) or ``tiled``."""
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=crs, transform=transform, **profile) as dst:
        dst.write(data, 1)
    return path


def free_port() -> int:
    """A loopback TCP port nobody listens on (the OS's pick) for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Citation format readers (independent of the code under test).

def parse_bibtex(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """A strict reader of what BibTeX accepts: @type{key, name = {balanced value}, ...}."""
    entries = []
    pos = 0
    entry = re.compile(r"\s*@(\w+)\{([^,\s{}]+),\s*")
    while pos < len(text.rstrip()):
        m = entry.match(text, pos)
        assert m, f"not an entry at {text[pos:pos + 40]!r}"
        kind, key, pos = m.group(1), m.group(2), m.end()
        fields: dict[str, str] = {}
        while True:
            fm = re.compile(r"\s*(\w+)\s*=\s*\{").match(text, pos)
            if not fm:
                break
            depth, i = 1, fm.end()
            while depth:
                ch = text[i]
                if ch == "\\":
                    i += 2
                    continue
                depth += {"{": 1, "}": -1}.get(ch, 0)
                i += 1
            fields[fm.group(1)] = text[fm.end(): i - 1]
            pos = i
            sep = re.compile(r"\s*,?\s*").match(text, pos)
            assert sep is not None
            pos = sep.end()
        assert text[pos] == "}", f"entry {key} not closed: {text[pos:pos + 40]!r}"
        pos += 1
        entries.append((kind, key, fields))
    return entries


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in text.split("\r\n"):
        if not line:
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert m, f"bad RIS line {line!r}"
        tag, value = m.groups()
        if tag == "TY":
            assert current is None
            current = {}
        assert current is not None, "RIS record without TY"
        if tag == "ER":
            records.append(current)
            current = None
            continue
        current.setdefault(tag, []).append(value)
    assert current is None, "RIS record without ER"
    return records


def check_csl(text: str) -> list[dict[str, object]]:
    items = json.loads(text)
    assert isinstance(items, list)
    for item in items:
        assert item["type"] == "dataset" and item["id"] and item["title"]
        assert all(set(a) == {"literal"} for a in item["author"])
        if "issued" in item:
            (parts,) = item["issued"]["date-parts"]
            assert all(isinstance(p, int) for p in parts)
    return items
