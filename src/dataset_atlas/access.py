"""The way to the data: what a record offers (STAC assets, bands, summaries) and how to use it.

Pure functions of a :class:`DatasetRecord` (STAC details are read from the source document the
record keeps). Snippets name files by their path inside the data folder, never the server's own
path, and quote every value they take from a record as a Python literal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataset_atlas.model import DatasetRecord
from dataset_atlas.normalize.text import clean_text

MAX_SUMMARY_VALUES = 12
MAX_ROWS = 200  # assets/bands listed; a collection with more is cut (and says so)


@dataclass(frozen=True)
class Asset:
    """A STAC asset: on the collection itself, or one every item carries (``item_assets``)."""

    key: str
    title: str
    media_type: str
    roles: tuple[str, ...]
    per_item: bool


@dataclass(frozen=True)
class Band:
    """One band of a STAC collection (``eo:bands`` / ``bands``, with ``raster:bands`` facts)."""

    name: str
    common_name: str = ""
    description: str = ""
    wavelength_um: float | None = None
    resolution_m: float | None = None
    data_type: str = ""


@dataclass(frozen=True)
class Snippet:
    """A short piece of code to copy: ``language`` as the code block names it."""

    key: str  # "pystac" | "rasterio" | "cli"
    language: str
    code: str


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, str) else ""


def _roles(value: Any) -> tuple[str, ...]:
    return tuple(_text(r) for r in _list(value) if isinstance(r, str))


def stac_assets(record: DatasetRecord) -> list[Asset]:
    """The collection's assets, then the assets each item has."""
    if record.source_kind != "stac":
        return []
    out = [Asset(lk.rel.removeprefix("asset:"), lk.title, lk.media_type, lk.roles, False)
           for lk in record.links if lk.rel.startswith("asset:")]
    for key, asset in _dict(record.raw.get("item_assets")).items():
        if isinstance(asset, Mapping):
            out.append(Asset(_text(key), _text(asset.get("title")), _text(asset.get("type")),
                             _roles(asset.get("roles")), True))
    return out[:MAX_ROWS]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def stac_bands(record: DatasetRecord) -> list[Band]:
    """Bands from ``summaries`` (``eo:bands``/``bands``), else from the item assets, one per name."""
    if record.source_kind != "stac":
        return []
    summaries = _dict(record.raw.get("summaries"))
    listed = _list(summaries.get("eo:bands")) or _list(summaries.get("bands")) or _list(record.raw.get("bands"))
    raster: dict[str, Mapping[str, Any]] = {}
    if not listed:
        for key, asset in _dict(record.raw.get("item_assets")).items():
            asset = _dict(asset)
            raster_bands = _list(asset.get("raster:bands"))
            for i, band in enumerate(_list(asset.get("eo:bands")) or _list(asset.get("bands"))):
                band = _dict(band)
                named = dict(band)
                named.setdefault("name", key if len(_list(asset.get("eo:bands"))) <= 1 else f"{key}[{i}]")
                listed.append(named)
                if i < len(raster_bands):
                    raster[str(named["name"])] = _dict(raster_bands[i])
    out: dict[str, Band] = {}
    for band in listed:
        band = _dict(band)
        name = _text(band.get("name")) or _text(band.get("common_name"))
        if not name or name in out:
            continue
        facts = raster.get(name, {})
        out[name] = Band(
            name=name, common_name=_text(band.get("common_name")), description=_text(band.get("description")),
            wavelength_um=_number(band.get("center_wavelength") or band.get("eo:center_wavelength")),
            resolution_m=_number(band.get("gsd") or facts.get("spatial_resolution")),
            data_type=_text(facts.get("data_type") or band.get("data_type")),
        )
    return list(out.values())[:MAX_ROWS]


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping):
        low, high = value.get("minimum"), value.get("maximum")
        if low is not None or high is not None:
            return f"{_value_text(low)} – {_value_text(high)}"
        return ", ".join(f"{k}: {_value_text(v)}" for k, v in list(value.items())[:MAX_SUMMARY_VALUES])
    if isinstance(value, list):
        shown = ", ".join(_value_text(v) for v in value[:MAX_SUMMARY_VALUES])
        return shown + (f", … (+{len(value) - MAX_SUMMARY_VALUES})" if len(value) > MAX_SUMMARY_VALUES else "")
    if isinstance(value, float):
        return f"{value:g}"
    return _text(str(value)) if value is not None else ""


def stac_summaries(record: DatasetRecord) -> list[tuple[str, str]]:
    """``summaries`` as (field, readable values), bands left to :func:`stac_bands`."""
    if record.source_kind != "stac":
        return []
    skip = {"eo:bands", "bands", "raster:bands"}
    return [(_text(key), _value_text(value)) for key, value in _dict(record.raw.get("summaries")).items()
            if key not in skip][:MAX_ROWS]


def stac_api_root(record: DatasetRecord) -> str:
    """The STAC API the collection came from (its ``root`` link, else its ``self`` link's base)."""
    for link in record.links:
        if link.rel == "root" and link.href.startswith("https://") and not link.href.endswith(".json"):
            return link.href.rstrip("/")
    for link in record.links:
        if link.rel == "self" and link.href.startswith("https://") and "/collections/" in link.href:
            return link.href.split("/collections/", 1)[0]
    return ""


def usage_snippets(record: DatasetRecord, file_names: Sequence[str] = (),
                   preview_names: Sequence[str] = ()) -> list[Snippet]:
    """Code to start with: pystac-client (STAC API), rasterio (local files), ``dataset-atlas``.

    ``file_names`` are GeoTIFF paths relative to the data folder (read with rasterio),
    ``preview_names`` any file ``dataset-atlas quicklook`` reads (EASE-Grid raw too); the first
    of each is used.
    """
    rid = repr(record.id)
    out: list[Snippet] = []
    api = stac_api_root(record)
    if record.source_kind == "stac" and api:
        signed = "planetarycomputer.microsoft.com" in api
        bbox = record.extent.bbox
        lines = ["from pystac_client import Client"]
        if signed:
            lines.append("import planetary_computer  # signs asset links (pip install planetary-computer)")
        lines += ["", f"catalog = Client.open({api!r}" + (", modifier=planetary_computer.sign_inplace)"
                                                          if signed else ")")]
        args = [f"collections=[{rid}]"]
        if bbox is not None and bbox != (-180.0, -90.0, 180.0, 90.0):  # a global box filters nothing
            args.append("bbox=[" + ", ".join(f"{v:g}" for v in bbox) + "]")
        if record.time.start is not None:
            end = record.time.end.isoformat() if record.time.end else ".."
            args.append(f'datetime="{record.time.start.isoformat()}/{end}"')
        args.append("max_items=10")
        lines += ["search = catalog.search(" + ", ".join(args) + ")",
                  "for item in search.items():",
                  "    print(item.id, item.datetime, list(item.assets))"]
        out.append(Snippet("pystac", "python", "\n".join(lines)))
    if file_names:
        name = file_names[0]
        out.append(Snippet("rasterio", "python", "\n".join([
            "from pathlib import Path",
            "import rasterio",
            "",
            "data_folder = Path(\"path/to/data\")  # your copy of the dataset's data folder",
            f"with rasterio.open(data_folder / {name!r}) as src:",
            "    print(src.crs, src.bounds, src.res, src.dtypes)",
            "    preview = src.read(1, out_shape=(src.height // 8 or 1, src.width // 8 or 1))  # decimated",
        ])))
    cli = [f"dataset-atlas show {_shell(record.id)}",
           f"dataset-atlas cite {_shell(record.id)} --format bibtex"]
    preview = next(iter(preview_names or file_names), None)
    if preview:
        cli.append(f"dataset-atlas quicklook {_shell('path/to/data/' + preview)} --out preview.png")
    out.append(Snippet("cli", "bash", "\n".join(cli)))
    return out


def _shell(text: str) -> str:
    """``text`` as one shell word (single-quoted unless plainly safe)."""
    if text and all(ch.isalnum() or ch in "-_./:" for ch in text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"
