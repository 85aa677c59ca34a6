"""Citations of a dataset in the formats researchers paste: text, BibTeX, RIS, CSL-JSON.

One model, four renderings: :func:`build_citation` derives a :class:`Citation` once from a
record, and :func:`to_text`, :func:`to_bibtex`, :func:`to_ris` and :func:`to_csl` only render it,
so every format carries the same authors, title, year and DOI.

Where the parts come from, in order:

- **The record's own citation** (NCDC ``ds_ref_way``, STAC ``sci:citation``, else the STAC
  publication that carries the dataset's DOI, as MODIS writes it). When it reads as a citation
  (:func:`dataset_atlas.citeparse.parse_citation`) its authors, title and year are the model's
  in every format; the text rendering is that citation as written (plus the identifiers it
  lacks) unless it names a DOI that is not the dataset's or no year, then it is rendered like
  the others (so every format says the same year, or "n.d.").
  A text that does not read as a citation (an acknowledgement) becomes a note, never authors.
- **Else the record's fields**: the title; as authors the named people (NCDC contributors, else
  metadata authors); for STAC, whose providers are organisations, the corporate author by
  :func:`provider_authors`. The year is the publication year (NCDC ``publish_time``, STAC
  ``created``), never the data's start; every author is listed, as written, in record order.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dataset_atlas.citeparse import ParsedCitation, parse_citation
from dataset_atlas.errors import UsageError
from dataset_atlas.model import DatasetRecord, Person

FORMATS = ("text", "bibtex", "ris", "csl-json")
FILE_SUFFIX = {"text": "txt", "bibtex": "bib", "ris": "ris", "csl-json": "json"}
MEDIA_TYPE = {"text": "text/plain", "bibtex": "application/x-bibtex", "ris": "application/x-research-info-systems",
              "csl-json": "application/vnd.citationstyles.csl+json"}
_DATASET_MARK = {"zh": "[DS]", "en": "[Data set]"}  # GB/T 7714 and APA marks for a data set
_NO_YEAR = {"zh": "年份不详", "en": "n.d."}
_MORE = {"zh": "等", "en": "et al."}
_ACCESSED = {"zh": "访问于", "en": "Accessed"}
_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")
_VERSION = re.compile(r"\b(?:Version|Ver\.)\s*(\d+(?:\.\d+)*)|\bV(\d{2,3})\b")
_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), 1)}


def citation_file_name(stem: str, fmt: str) -> str:
    """``citation-<stem>.<suffix>``, with only safe characters from ``stem`` (an id or a query)."""
    safe = re.sub(r"[^\w.-]+", "-", stem, flags=re.ASCII).strip("-.")[:80] or "datasets"
    return f"citation-{safe}.{FILE_SUFFIX[fmt]}"


@dataclass(frozen=True)
class Citation:
    """The one citation model of a record in one language; every format renders only this."""

    record_id: str
    title: str
    authors: tuple[str, ...]  # people or organisations, as written
    year: str  # publication year, or "" when the record does not say
    publisher: str
    dois: tuple[str, ...]
    cstr: str
    url: str  # landing page (or the first DOI's resolver)
    given: str  # the record's own citation text, when the model was read from it and agrees; or ""
    lang: str
    more_authors: bool = False  # the record's own list ends in "et al." / "等"
    version: str = ""
    accessed: str = ""  # when the record's own citation says it was accessed ("April 2022")
    note: str = ""  # the record's own citation text when it does not read as a citation

    @property
    def doi(self) -> str:
        """The first (main) DOI, or empty."""
        return self.dois[0] if self.dois else ""


def _providers(record: DatasetRecord) -> list[tuple[Person, set[str]]]:
    return [(p, set(p.institution.split(", "))) for p in record.contributors if p.role == "provider"]


def provider_authors(record: DatasetRecord) -> tuple[str, ...]:
    """The corporate author(s) among a STAC collection's providers.

    The STAC providers object gives each organisation roles: ``producer`` ("initially captured
    and processed the source data"), ``licensor`` ("licensing the dataset"), ``processor``
    ("processed data to a derived product") and ``host`` ("offering the data on their storage").
    DataCite's creator is "the main researchers involved in producing the data ... may be a
    corporate/institutional name"; hosting, distributing and processing are contributor roles
    (HostingInstitution, Distributor, DataCurator), and the distributor is the publisher. So:

    1. a provider that is both producer and licensor (it made the data and issues it: NSIDC,
       JAXA, USGS for 3DEP, where Landrush is only a contracted producer);
    2. else the licensors (the agency a contractor produced the data for: ESA for Copernicus
       DEM, not Sinergise, its producer/processor);
    3. else the producers.

    A host is an author only as a producer (Microsoft for its own building footprints); a
    processor or host alone never is. Several providers of one rank are all listed, in order.
    """
    candidates = [(p, roles) for p, roles in _providers(record)
                  if roles & {"producer", "licensor"} and ("host" not in roles or "producer" in roles)]
    for wanted in ({"producer", "licensor"}, {"licensor"}, {"producer"}):
        names = [p.name for p, roles in candidates if wanted <= roles]
        if names:
            return tuple(dict.fromkeys(names))
    return ()


def _authors(record: DatasetRecord) -> tuple[str, ...]:
    """Named people (contributors, else metadata authors); else the corporate author."""
    for role in ("contributor", "metadata author"):
        names = [p.name for p in record.contributors if p.role == role]
        if names:
            return tuple(dict.fromkeys(names))
    return provider_authors(record)


def _own_text(record: DatasetRecord, lang: str, dois: tuple[str, ...]) -> str:
    """The record's own citation in ``lang`` (STAC writes one, in English)."""
    own = record.citation.en if lang == "en" or record.source_kind == "stac" else record.citation.zh
    if not own and record.source_kind == "stac" and dois:
        # MODIS and similar collections cite the data set as a "publication" carrying its DOI.
        own = next((r.text for r in record.references if r.doi and r.doi == dois[0]), "")
    return own.strip()


def _agrees(text: str, dois: tuple[str, ...]) -> bool:
    """Whether every DOI ``text`` names is one of the dataset's (Daymet daily cites another)."""
    own = {d.lower() for d in dois}
    return all(m.group(0).rstrip(".,;)").lower() in own for m in _DOI_IN_TEXT.finditer(text))


def _version(record: DatasetRecord, title: str) -> str:
    declared = record.raw.get("version") if isinstance(record.raw, dict) else None
    if isinstance(declared, str | int | float) and str(declared).strip():
        return str(declared).strip()
    m = _VERSION.search(title)
    return (m.group(1) or m.group(2)) if m else ""


def build_citation(record: DatasetRecord, lang: str) -> Citation:
    """The citation of ``record`` in ``lang`` ('zh' or 'en'): the model every format renders."""
    lang = "en" if lang == "en" else "zh"
    dois = record.dois or ((record.doi,) if record.doi else ())
    url = record.landing_page or (f"https://doi.org/{dois[0]}" if dois else "") or record.cstr_url
    own = _own_text(record, lang, dois)
    parsed: ParsedCitation | None = None
    if own:
        parsed = parse_citation(own, [p.name for p, _ in _providers(record)])
    published = str(record.published.year) if record.published else ""
    if parsed is None:
        title, authors, more, year, accessed = record.title.get(lang), _authors(record), False, published, ""
    else:
        title, authors, more, accessed = parsed.title, parsed.authors, parsed.more_authors, parsed.accessed
        # The record's own year; else its publication date, unless that is only the access year.
        year = parsed.year or ("" if accessed and published and published in accessed else published)
    return Citation(
        record_id=record.id,
        title=title,
        authors=authors,
        year=year,
        publisher=record.publisher.get(lang) or (parsed.publisher if parsed else ""),
        dois=dois,
        cstr=record.cstr,
        url=url,
        given=own if parsed is not None and parsed.year and _agrees(own, dois) else "",
        lang=lang,
        more_authors=more,
        version=_version(record, title),
        accessed=accessed,
        note=own if parsed is None else "",
    )


def _identifiers(c: Citation, text: str = "") -> str:
    """Identifiers ``text`` does not already carry: every DOI as a link, then the CSTR."""
    dois = ", ".join(f"https://doi.org/{d}" for d in c.dois if d.lower() not in text.lower())
    parts = [dois] if dois else []
    if c.cstr and c.cstr.lower() not in text.lower():
        parts.append(f"CSTR: {c.cstr}")
    if not c.dois and not c.cstr and c.url and c.url not in text:
        parts.append(c.url)
    return ". ".join(parts) + "." if parts else ""


def _author_list(c: Citation) -> str:
    names = list(c.authors) + ([_MORE[c.lang]] if c.more_authors else [])
    return ", ".join(names)


def to_text(c: Citation) -> str:
    """One line to paste into a reference list: the record's own citation as written when the
    model was read from it, else authors (year). title [Data set]. publisher. identifiers."""
    if c.given:
        extra = _identifiers(c, c.given)
        return c.given.rstrip() if not extra else c.given.rstrip().rstrip(".") + ". " + extra
    year = c.year or _NO_YEAR[c.lang]
    head = f"{_author_list(c)} ({year})." if c.authors else f"({year})."
    parts = [head, f"{c.title.rstrip('.')} {_DATASET_MARK[c.lang]}."]
    if c.publisher:
        parts.append(f"{c.publisher}.")
    extra = _identifiers(c)
    if extra:
        parts.append(extra)
    if c.accessed:
        parts.append(f"{_ACCESSED[c.lang]} {c.accessed}.")
    return " ".join(parts)


_BIB_SPECIAL = re.compile(r"([&%$#_{}~^\\])")
_BIB_REPLACE = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib(value: str) -> str:
    """Escape text for a braced BibTeX value (braces stay balanced whatever the input)."""
    return _BIB_SPECIAL.sub(lambda m: _BIB_REPLACE.get(m.group(1), "\\" + m.group(1)), value)


def citation_key(c: Citation) -> str:
    """A BibTeX key: the first author's (or the title's) first word, the year, a short id."""
    source = c.authors[0] if c.authors else c.title
    ascii_word = "".join(ch for ch in unicodedata.normalize("NFKD", source.split(" ")[0] if source else "")
                         if ch.isascii() and ch.isalnum())
    ident = re.sub(r"[^A-Za-z0-9]", "", c.record_id)[:8]
    return f"{ascii_word or 'dataset'}{c.year}{ident}".lower()


def to_bibtex(c: Citation) -> str:
    """A ``@misc`` entry (classic BibTeX has no data set type; biblatex reads @misc too)."""
    fields: list[tuple[str, str]] = [
        # Each author braced: names are kept as written (Chinese names, organisations).
        ("author", " and ".join(["{" + _bib(a) + "}" for a in c.authors] + (["others"] if c.more_authors else []))),
        ("title", "{" + _bib(c.title) + "}"),
        ("year", _bib(c.year)),
        ("version", _bib(c.version)),
        ("publisher", _bib(c.publisher)),
        ("howpublished", _bib(c.publisher)),
        ("doi", _bib(c.doi)),
        ("url", _bib(c.url)),
        ("note", _bib(_note(c))),
        ("language", "chinese" if c.lang == "zh" else "english"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{citation_key(c)},\n{body}\n}}\n"


def _note(c: Citation) -> str:
    parts = ["Data set"]
    if len(c.dois) > 1:
        parts.append("also DOI " + ", ".join(c.dois[1:]))
    if c.cstr:
        parts.append(f"CSTR {c.cstr}")
    if c.accessed:
        parts.append(f"{_ACCESSED[c.lang]} {c.accessed}")
    if c.note:
        parts.append(c.note)
    return "; ".join(parts)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}" if value else ""


def to_ris(c: Citation) -> str:
    """An RIS record of type DATA (one value per line, ``ER`` closes it)."""
    lines = [_ris_line("TY", "DATA")]
    lines += [_ris_line("AU", a) for a in c.authors]
    lines += [_ris_line("TI", c.title), _ris_line("PY", c.year), _ris_line("PB", c.publisher),
              _ris_line("ET", c.version), _ris_line("DO", c.doi), _ris_line("UR", c.url),
              _ris_line("Y2", c.accessed), _ris_line("ID", c.record_id)]
    lines += [_ris_line("N1", f"DOI: {d}") for d in c.dois[1:]]
    lines += [_ris_line("N1", f"CSTR: {c.cstr}") if c.cstr else "", _ris_line("N1", c.note),
              _ris_line("LA", c.lang), "ER  - "]
    return "\r\n".join(line for line in lines if line) + "\r\n"


def to_csl(c: Citation) -> dict[str, object]:
    """A CSL-JSON item (the citeproc data model: type ``dataset``, ``DOI``, ``URL``, ``issued``)."""
    item: dict[str, object] = {"id": c.record_id, "type": "dataset", "title": c.title,
                               "author": [{"literal": a} for a in c.authors]}
    if c.year:
        item["issued"] = {"date-parts": [[int(c.year)]]}
    if c.accessed:
        item["accessed"] = _csl_date(c.accessed)
    for key, value in (("publisher", c.publisher), ("version", c.version), ("DOI", c.doi), ("URL", c.url),
                       ("language", c.lang)):
        if value:
            item[key] = value
    notes = [f"DOI: {d}" for d in c.dois[1:]] + ([f"CSTR: {c.cstr}"] if c.cstr else []) + ([c.note] if c.note else [])
    if notes:
        item["note"] = "; ".join(notes)
    return item


def _csl_date(text: str) -> dict[str, object]:
    """A CSL date: ``date-parts`` for "April 2022" / "2022-04-05", else the text as ``raw``."""
    iso = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text.strip())
    if iso:
        return {"date-parts": [[int(p) for p in iso.groups() if p]]}
    month_year = re.fullmatch(r"([A-Za-z]+)\s+(\d{4})", text.strip())
    if month_year and month_year.group(1).lower() in _MONTHS:
        return {"date-parts": [[int(month_year.group(2)), _MONTHS[month_year.group(1).lower()]]]}
    return {"raw": text}


def format_citation(c: Citation, fmt: str) -> str:
    """``c`` as text, BibTeX, RIS or CSL-JSON (a JSON array of one item)."""
    return format_citations([c], fmt)


def format_citations(citations: Iterable[Citation], fmt: str) -> str:
    """Several citations in one file of format ``fmt`` (for the export of a whole result)."""
    items: Sequence[Citation] = list(citations)
    if fmt == "text":
        return "\n".join(to_text(c) for c in items) + ("\n" if items else "")
    if fmt == "bibtex":
        keys: dict[str, int] = {}
        entries = []
        for c in items:  # keys must be unique within a file
            key = citation_key(c)
            keys[key] = keys.get(key, 0) + 1
            entry = to_bibtex(c)
            if keys[key] > 1:
                entry = entry.replace(f"@misc{{{key},", f"@misc{{{key}-{keys[key]},", 1)
            entries.append(entry)
        return "\n".join(entries)
    if fmt == "ris":
        return "".join(to_ris(c) for c in items)
    if fmt == "csl-json":
        return json.dumps([to_csl(c) for c in items], ensure_ascii=False, indent=2) + "\n"
    raise UsageError(f"citation format {fmt!r}: expected one of {', '.join(FORMATS)}")
