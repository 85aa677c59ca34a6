"""STAC Collection documents (STAC 1.x), e.g. a static catalog or an API's /collections."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from dataset_atlas.errors import RecordError
from dataset_atlas.model import (
    BBox,
    DatasetRecord,
    Extent,
    ExtentQuality,
    Link,
    LocalText,
    Person,
    Reference,
    Resolution,
    TimeResolution,
    TimeSpan,
)
from dataset_atlas.normalize.dates import parse_date
from dataset_atlas.normalize.extents import finite_float, normalize_bbox, union_bboxes
from dataset_atlas.normalize.formats import format_labels
from dataset_atlas.normalize.identifiers import normalize_doi
from dataset_atlas.normalize.licences import Licence, normalize_licence
from dataset_atlas.normalize.resolution import METRES_PER_DEGREE, parse_resolution, parse_time_resolution
from dataset_atlas.normalize.text import clean_text, html_to_text, markdown_to_html, markdown_to_text

# STAC has no category: a theme is inferred from keywords/title (first rule that matches) and
# stored as the NCDC category it means (normalize/categories.py labels it in both languages).
_THEMES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), theme)
    for p, theme in [
        # Land cover maps, then imagery: a satellite image (Landsat's keywords also say
        # "Temperature") is remote sensing, whatever it shows.
        (r"land ?cover|land ?use|lulc|impervious", "基础地理"),
        (r"\bimagery\b|remote sensing|\bsar\b|synthetic aperture radar", "遥感及产品"),
        (r"sea ice", "海冰"),
        (r"snow", "积雪"),
        (r"glacier", "冰川"),
        (r"permafrost|frozen ground", "冻土"),
        (r"\bice\b|cryosphere|frozen", "冰冻圈综合"),
        (r"land ?cover|land ?use|lulc|impervious", "基础地理"),
        (r"elevation|\bdem\b|\bdsm\b|\bdtm\b|lidar|topograph|terrain", "基础地理"),
        (r"ocean|marine|sea surface|coast|bathymetry", "海洋"),
        (r"climate|weather|temperature|precipitation|forecast|reanalysis|era5|cmip", "气象"),
        (r"soil", "土壤"),
        (r"biomass|vegetation|forest|ndvi|crop|agricultur", "生态"),
        (r"water|flood|hydro|river|lake", "水文"),
        (r"population|building|demograph|infrastructure|road", "人文与社会"),
        (r"biodiversity|species|habitat|ecosystem", "生态"),
        (r"air quality|emission|aerosol|atmospher|\bco2\b|methane", "大气"),
        (r"sentinel|landsat|modis|imagery|satellite|\bsar\b|aster|naip|optical|radar", "遥感及产品"),
    ]
]
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
# Theme and time-step guesses look at this much text only: a million-character title made a
# dozen regex searches take a second per record (real titles and keyword lists are far shorter).
_INFER_CHARS = 10_000
_INFER_KEYWORDS = 200
_TIME_WORDS = re.compile(r"hourly|daily|weekly|monthly|annual|yearly|\b\d+[- ]?days?\b", re.I)


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    return value if isinstance(value, list) else []


def _dict(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, Mapping) else {}


def is_stac_collection(doc: Mapping[str, Any]) -> bool:
    """True for a STAC Collection document."""
    return doc.get("type") == "Collection" or ("stac_version" in doc and "extent" in doc
                                               and doc.get("type") not in ("Feature", "Catalog"))


def _positive_numbers(values: Any) -> list[float]:
    items = values if isinstance(values, list) else [values]
    out: list[float] = []
    for v in items:
        number = finite_float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        if number is not None and number > 0:
            out.append(number)
        elif isinstance(v, Mapping):  # summaries may hold a range object {"minimum":..}
            out.extend(_positive_numbers(v.get("minimum")))
    return out


def _band_resolutions(holder: Mapping[str, Any]) -> list[float]:
    """Cell sizes of the bands listed in ``holder``: ``eo:bands[].gsd``, STAC 1.0
    ``raster:bands[].spatial_resolution`` or STAC 1.1 ``bands[]`` (``gsd`` /
    ``raster:spatial_resolution``: 1.1 merged both band lists into ``bands``)."""
    out: list[float] = []
    for key, field_names in (("eo:bands", ("gsd",)), ("raster:bands", ("spatial_resolution",)),
                             ("bands", ("gsd", "raster:spatial_resolution"))):
        for band in _list(holder, key):
            if isinstance(band, Mapping):
                for field_name in field_names:
                    out.extend(_positive_numbers(band.get(field_name)))
    return out


def _asset_resolutions(doc: Mapping[str, Any]) -> list[float]:
    """Cell sizes the collection's own assets declare (``item_assets`` and ``assets``: ``gsd`` or
    their bands'). These describe the files it has; ``summaries.gsd`` may list other products'
    (Landsat 8 C2 Level-2 summarises 15 m, the Level-1 panchromatic band it does not hold)."""
    out: list[float] = []
    for key in ("item_assets", "assets"):
        for asset in _dict(doc, key).values():
            if isinstance(asset, Mapping):
                out.extend(_positive_numbers(asset.get("gsd")))
                out.extend(_band_resolutions(asset))
    return out


def _cube_resolutions(doc: Mapping[str, Any]) -> list[tuple[float, bool]]:
    """``cube:dimensions`` spatial steps as (metres, angular): the datacube extension gives the
    step in the units of ``reference_system`` (EPSG:4326, degrees, when absent)."""
    out: list[tuple[float, bool]] = []
    for dim in _dict(doc, "cube:dimensions").values():
        if not isinstance(dim, Mapping) or dim.get("type") != "spatial" or dim.get("axis") not in ("x", "y"):
            continue
        step = finite_float(dim["step"]) if isinstance(dim.get("step"), int | float) else None
        if step is None or step == 0:
            continue
        crs = dim.get("reference_system", 4326)
        units = ""
        if isinstance(crs, Mapping):  # PROJJSON: the unit of its axes
            axes = _list(_dict(crs, "coordinate_system"), "axis")
            units = str(axes[0].get("unit", "")) if axes and isinstance(axes[0], Mapping) else ""
        degrees = units.startswith("degree") or (not isinstance(crs, Mapping) and str(crs).lower()
                                                 in ("4326", "epsg:4326", "4269", "epsg:4269"))
        metres_like = units in ("metre", "meter", "m") or (not isinstance(crs, Mapping) and not degrees)
        if degrees:
            out.append((abs(step) * METRES_PER_DEGREE, True))
        elif metres_like:
            out.append((abs(step), False))
    return out


def _summary_texts(doc: Mapping[str, Any]) -> list[float]:
    """Resolutions a summary gives as text under a ``<prefix>:resolution`` key ("90m", "1km")."""
    out: list[float] = []
    for key, value in _dict(doc, "summaries").items():
        if isinstance(key, str) and key.endswith(":resolution"):
            for v in value if isinstance(value, list) else [value]:
                res = parse_resolution(v) if isinstance(v, str) else None
                if res is not None and res.metres is not None:
                    out.append(res.metres)
    return out


def stac_resolution(doc: Mapping[str, Any]) -> Resolution:
    """Finest cell size in metres, read where STAC puts it, in order of precedence: the
    collection's own assets (``gsd``, ``eo:bands``, ``raster:bands``, 1.1 ``bands``), then the
    collection (``gsd``, ``summaries`` ``gsd`` / ``eo:bands`` / ``raster:bands``, ``bands``),
    then the datacube's spatial steps, then a summarised ``*:resolution`` text. Never a number
    from the description (it may name another product)."""
    summaries = _dict(doc, "summaries")
    collection = [*_positive_numbers(doc.get("gsd")), *_positive_numbers(summaries.get("gsd")),
                  *_band_resolutions(summaries), *_band_resolutions(doc)]
    for values in (_asset_resolutions(doc), collection):
        if values:
            metres = min(values)
            return Resolution(metres=metres, text=f"{metres:g} m")
    cube = _cube_resolutions(doc)
    if cube:
        metres, angular = min(cube)
        text = f"{metres / METRES_PER_DEGREE:g}°" if angular else f"{metres:g} m"
        return Resolution(metres=round(metres, 6), text=text, angular=angular)
    texts = _summary_texts(doc)
    if texts:
        return Resolution(metres=min(texts), text=f"{min(texts):g} m")
    return Resolution()


def _extent(doc: Mapping[str, Any], warnings: list[str]) -> Extent:
    raw_boxes = _dict(_dict(doc, "extent"), "spatial").get("bbox")
    if not isinstance(raw_boxes, list):
        raw_boxes = []
    if raw_boxes and isinstance(raw_boxes, list) and not isinstance(raw_boxes[0], list):
        raw_boxes = [raw_boxes]  # a single flat bbox instead of a list of boxes
    boxes: list[BBox] = []
    corrected = False
    for box in raw_boxes:
        if not isinstance(box, list) or len(box) not in (4, 6):
            warnings.append(f"extent bbox {str(box)[:60]} is not 4 or 6 numbers; ignored")
            continue
        w, s, e, n = (box[0], box[1], box[2], box[3]) if len(box) == 4 else (box[0], box[1], box[3], box[4])
        ext, ws = normalize_bbox(w, s, e, n)
        warnings.extend(ws)
        if ext.bbox is not None:
            corrected |= ext.quality is ExtentQuality.CORRECTED
            boxes.append(ext.bbox)
    if not boxes:
        return Extent(None, ExtentQuality.MISSING)
    overall = boxes[0]
    if len(boxes) > 1 and union_bboxes(boxes) != union_bboxes(boxes[:1]):
        # The spec says the first box covers the rest; real collections do not always comply.
        overall = union_bboxes(boxes)
        warnings.append("first extent bbox does not cover the others; using their union")
    if overall[0] == overall[2] and overall[1] == overall[3]:
        return Extent(overall, ExtentQuality.POINT)
    return Extent(overall, ExtentQuality.CORRECTED if corrected else ExtentQuality.EXACT)


def _time(doc: Mapping[str, Any], warnings: list[str]) -> TimeSpan:
    intervals = _list(_dict(_dict(doc, "extent"), "temporal"), "interval")
    if not intervals or not isinstance(intervals[0], list):
        return TimeSpan()
    first = intervals[0] + [None, None]
    start, end = parse_date(first[0]), parse_date(first[1], end=True)
    if start and end and end < start:
        warnings.append(f"time span ends ({end}) before it starts ({start}); kept as given")
    return TimeSpan(start, end)


def _time_resolution(doc: Mapping[str, Any]) -> tuple[TimeResolution, str]:
    for dim in _dict(doc, "cube:dimensions").values():
        if isinstance(dim, Mapping) and dim.get("type") == "temporal" and isinstance(dim.get("step"), str):
            return parse_time_resolution(dim["step"]), dim["step"]
    words = " ".join([str(doc.get("id", ""))[:_INFER_CHARS], str(doc.get("title", ""))[:_INFER_CHARS]] +
                     [k for k in _list(doc, "keywords")[:_INFER_KEYWORDS] if isinstance(k, str)])
    m = _TIME_WORDS.search(words[:_INFER_CHARS])
    if m:
        return parse_time_resolution(m.group(0)), m.group(0)
    return TimeResolution.UNKNOWN, ""


def _is_sar(doc: Mapping[str, Any]) -> bool:
    """Radar imagery: the collection describes its SAR acquisitions with the ``sar`` extension's
    fields (``sar:polarizations``, ``sar:instrument_mode``, ...) in its summaries or assets."""
    holders = [_dict(doc, "summaries"), *(a for a in _dict(doc, "item_assets").values() if isinstance(a, Mapping))]
    return any(isinstance(k, str) and k.startswith("sar:") for h in holders for k in h)


def _theme(doc: Mapping[str, Any], keywords: tuple[str, ...]) -> str:
    for key in ("category", "themes"):
        value = doc.get(key)
        if isinstance(value, str) and value.strip():
            return clean_text(value)
    if _is_sar(doc):  # one category for SAR (Sentinel-1 GRD and RTC, ALOS PALSAR), not "terrain"
        return "遥感及产品"
    text = " ".join([*keywords[:_INFER_KEYWORDS], str(doc.get("title", ""))[:_INFER_CHARS],
                     str(doc.get("id", ""))[:_INFER_CHARS]])[:_INFER_CHARS]
    for pattern, theme in _THEMES:
        if pattern.search(text):
            return theme
    return "其他"


def _dois(doc: Mapping[str, Any], links: list[Link], citation: str) -> tuple[str, ...]:
    """The collection's own DOIs: ``sci:doi`` (text or list), else its ``cite-as`` DOIs, else one in
    ``sci:citation``. Papers in ``sci:publications`` are references, not the dataset."""
    value = doc.get("sci:doi")
    declared = [normalize_doi(v) for v in (value if isinstance(value, list) else [value])]
    found = [d for d in declared if d]
    if not found:
        found = [normalize_doi(lk.href) for lk in links if lk.rel == "cite-as" and "doi.org/" in lk.href]
    if not found and citation:
        found = [normalize_doi(citation)]
    return tuple(dict.fromkeys(d for d in found if d))


def _publications(doc: Mapping[str, Any]) -> tuple[Reference, ...]:
    out: list[Reference] = []
    for pub in _list(doc, "sci:publications"):
        if isinstance(pub, Mapping):
            text = html_to_text(pub.get("citation")) if isinstance(pub.get("citation"), str) else ""
            doi = normalize_doi(pub.get("doi")) or normalize_doi(text)
            if text or doi:
                out.append(Reference(text, doi))
    return tuple(out)


def _publisher(providers: tuple[Person, ...]) -> str:
    """The licensor, else the producer, else the host: who publishes the data."""
    for role in ("licensor", "producer", "host"):
        for p in providers:
            if role in p.institution.split(", "):
                return p.name
    return providers[0].name if providers else ""


def _https(links: list[Link], rel: str, html_only: bool = False) -> list[str]:
    return [lk.href for lk in links if lk.rel == rel and lk.href.startswith("https://")
            and (not html_only or lk.media_type in ("", "text/html"))]


def _catalog_page(links: list[Link]) -> str:
    """The catalog's own web page for the collection: a ``describedby`` HTML link on the host of
    the ``self`` link (Planetary Computer's /dataset/<id>)."""
    own = _https(links, "self")
    host = urlsplit(own[0]).netloc if own else ""
    return next((h for h in _https(links, "describedby", html_only=True) if urlsplit(h).netloc == host), "")


def _site_page(links: list[Link]) -> str:
    """The page relative links in the description are written against (the catalog's site)."""
    return _catalog_page(links) or next(iter(_https(links, "self")), "")


def _landing_page(links: list[Link]) -> str:
    """Where a person reads about the dataset: the catalog's page, else ``about``, ``describedby``,
    ``via`` or ``cite-as`` (https only)."""
    candidates = [_catalog_page(links), *_https(links, "about"), *_https(links, "describedby", html_only=True),
                  *_https(links, "via"), *_https(links, "cite-as")]
    return next((c for c in candidates if c), "")


def _publication_year(doc: Mapping[str, Any], citation: str, references: tuple[Reference, ...],
                      dois: tuple[str, ...]) -> str:
    """The year the collection (not its data) was published: ``created``, else the year in its own
    citation, else in the publication that carries its DOI; never the data's start year."""
    created = parse_date(doc.get("created")) if isinstance(doc.get("created"), str) else None
    if created:
        return str(created.year)
    own = [citation] + [r.text for r in references if r.doi and r.doi in dois]
    for text in own:
        m = _YEAR.search(text or "")
        if m:
            return m.group(1)
    return ""


def _access(doc: Mapping[str, Any], licence: Licence, links: list[Link]) -> str:
    """``login-access`` when the host says an account is needed (``msft:requires_account``),
    ``open-access`` for an open licence with data at a public https address (an asset or the
    ``items`` link), else ``unknown`` (the page then says "see the landing page")."""
    if doc.get("msft:requires_account") is True:
        return "login-access"
    public = any(lk.href.startswith("https://") and (lk.rel == "items" or lk.rel.startswith("asset:"))
                 and "thumbnail" not in lk.roles for lk in links)
    return "open-access" if licence.is_open and public else "unknown"


def read_stac_collection(doc: Any, source: str = "") -> DatasetRecord:
    """Normalise one STAC Collection; raise :class:`RecordError` when it cannot be one."""
    if not isinstance(doc, Mapping):
        raise RecordError(source, f"expected a JSON object, got {type(doc).__name__}")
    rid = doc.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise RecordError(source, "STAC collection has no id (or it is not text)")
    rid = rid.strip()
    warnings: list[str] = []
    keywords = tuple(dict.fromkeys(clean_text(k) for k in _list(doc, "keywords") if isinstance(k, str)))
    description = str(doc.get("description") or "") if isinstance(doc.get("description"), str) else ""
    title = clean_text(doc.get("title")) or rid
    providers = tuple(
        Person(name=clean_text(p.get("name")), institution=", ".join(
            r for r in _list(p, "roles") if isinstance(r, str)), role="provider")
        for p in _list(doc, "providers") if isinstance(p, Mapping) and isinstance(p.get("name"), str)
    )
    links: list[Link] = []
    for lk in _list(doc, "links"):
        if isinstance(lk, Mapping) and isinstance(lk.get("href"), str):
            links.append(Link(lk["href"].strip(), str(lk.get("rel", "")), clean_text(lk.get("title")),
                              str(lk.get("type", ""))))
    thumbnail = ""
    media_types: list[str] = []
    for key, asset in _dict(doc, "assets").items():
        if not isinstance(asset, Mapping) or not isinstance(asset.get("href"), str):
            continue
        roles = _list(asset, "roles")
        if "thumbnail" in roles or key == "thumbnail":
            thumbnail = thumbnail or asset["href"]
        else:
            media_types.append(str(asset.get("type", "")))
        links.append(Link(asset["href"], f"asset:{key}", clean_text(asset.get("title")),
                          str(asset.get("type", "")), tuple(str(r) for r in roles if isinstance(r, str))))
    media_types.extend(str(a.get("type", "")) for a in _dict(doc, "item_assets").values()
                       if isinstance(a, Mapping) and "thumbnail" not in _list(a, "roles"))
    time_res, time_res_text = _time_resolution(doc)
    span = _time(doc, warnings)
    citation = html_to_text(doc.get("sci:citation")) if isinstance(doc.get("sci:citation"), str) else ""
    dois = _dois(doc, links, citation)
    references = _publications(doc)
    year = _publication_year(doc, citation, references, dois)
    licence_link = next((lk for lk in links if lk.rel == "license"), Link(""))
    licence = normalize_licence(clean_text(doc.get("license")), licence_link.title, licence_link.href)
    return DatasetRecord(
        id=rid,
        source_kind="stac",
        source_path=source,
        title=LocalText(zh="", en=title),
        abstract_html=LocalText(en=markdown_to_html(description, _site_page(links))),
        abstract_text=LocalText(en=markdown_to_text(description)),
        category=_theme(doc, keywords),
        keywords=keywords,
        extent=_extent(doc, warnings),
        time=span,
        resolution=stac_resolution(doc),
        time_resolution=time_res,
        time_resolution_text=time_res_text,
        formats=format_labels([t for t in media_types if t]),
        projection="",
        access=_access(doc, licence, links),
        licence=licence.name,
        licence_url=licence.url,
        doi=dois[0] if dois else "",
        dois=dois,
        citation=LocalText(en=citation),
        published=parse_date(year) if year else None,
        publisher=LocalText(en=_publisher(providers)),
        landing_page=_landing_page(links),
        references=references,
        contributors=providers,
        thumbnail=thumbnail,
        links=tuple(links),
        warnings=tuple(f"{source} [{rid}]: {w}" if source else f"{rid}: {w}" for w in warnings),
        raw=dict(doc),
    )
