"""Telling file formats apart by their first bytes and names, and finding sidecars."""

from __future__ import annotations

from pathlib import Path

from dataset_atlas.quicklook.easegrid import CHANNEL_EXT_RE, grid_for_size, looks_like_ease_name

TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PICTURE_EXTS = (".jpg", ".jpeg", ".png")

# Files that only describe another file; listed with it, never on their own.
SIDECAR_SUFFIXES = (".aux.xml", ".ovr", ".msk", ".met", ".tim", ".tfw", ".tifw", ".jgw",
                    ".pgw", ".wld", ".prj", ".hdr", ".xml", ".md5", ".sha256")
METADATA_NAMES = ("_ncdc_meta_.json", "synthetic.txt")

_LABELS = {".nc": "NetCDF", ".nc4": "NetCDF", ".h5": "HDF5", ".hdf": "HDF", ".xlsx": "Excel",
           ".xls": "Excel", ".csv": "CSV", ".txt": "Text", ".json": "JSON", ".zip": "ZIP archive",
           ".shp": "Shapefile", ".gpkg": "GeoPackage", ".pdf": "PDF", ".docx": "Word"}


def head(path: Path, n: int = 8) -> bytes:
    """First ``n`` bytes of a file (b"" if unreadable)."""
    try:
        with path.open("rb") as f:
            return f.read(n)
    except OSError:
        return b""


def sniff(path: Path, size: int | None = None) -> str:
    """Format key: 'tiff', 'jpeg', 'png', 'ease', or 'other'."""
    magic = head(path)
    if magic[:4] in TIFF_MAGIC:
        return "tiff"
    if magic.startswith(JPEG_MAGIC):
        return "jpeg"
    if magic.startswith(PNG_MAGIC):
        return "png"
    if looks_like_ease_name(path.name) or CHANNEL_EXT_RE.match(path.suffix):
        return "ease"
    nbytes = size if size is not None else path.stat().st_size
    if not path.suffix and grid_for_size(nbytes, path.name) is not None:
        return "ease"
    return "other"


def format_label(path: Path, kind: str) -> str:
    """Human label of a file's format."""
    if kind == "tiff":
        return "GeoTIFF"
    if kind == "jpeg":
        return "JPEG image"
    if kind == "png":
        return "PNG image"
    if kind == "ease":
        return "EASE-Grid raw (2-byte)"
    return _LABELS.get(path.suffix.lower(), (path.suffix.lstrip(".").upper() or "unknown"))


def is_sidecar_name(name: str) -> bool:
    """True for names of files that only describe another file."""
    low = name.lower()
    return low in METADATA_NAMES or any(low.endswith(s) for s in SIDECAR_SUFFIXES)


def owner_names(name: str) -> list[str]:
    """Names a sidecar or picture may belong to: 'a.37H.met' -> ['a.37H', 'a']."""
    low = name
    if low.lower().endswith(".aux.xml"):
        return [low[: -len(".aux.xml")]]
    stem = low.rsplit(".", 1)[0] if "." in low else low
    out = [stem]
    if "." in stem:
        out.append(stem.rsplit(".", 1)[0])
    return out


def sibling_pictures(path: Path) -> list[Path]:
    """Ready-made pictures next to ``path``: 'x.37H.jpg', then 'x.jpg'."""
    names = [path.name + e for e in PICTURE_EXTS]
    if path.suffix:
        names += [path.stem + e for e in PICTURE_EXTS]
    found = []
    for n in names:
        p = path.with_name(n)
        if p != path and p.is_file():
            found.append(p)
    return found
