"""Citations of a dataset in the formats researchers paste: text, BibTeX, RIS, CSL-JSON.

Pure functions of a :class:`DatasetRecord`. The record's own identifiers and citation come
first (NCDC ``cstr``/``doi_value``/``ds_ref_way``; STAC ``sci:doi``, ``cite-as`` links,
``sci:citation``); the year is the publication year (never the data's start year); every
author is listed, in both languages, in the order the record gives them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dataset_atlas.errors import UsageError
from dataset_atlas.model import DatasetRecord

FORMATS = ("text", "bibtex", "ris", "csl-json")
FILE_SUFFIX = {"text": "txt", "bibtex": "bib", "ris": "ris", "csl-json": "json"}
MEDIA_TYPE = {"text": "text/plain", "bibtex": "application/x-bibtex", "ris": "application/x-research-info-systems",
              "csl-json": "application/vnd.citationstyles.csl+json"}
_DATASET_MARK = {"zh": "[DS]", "en": "[Data set]"}  # GB/T 7714 and APA marks for a data set
_NO_YEAR = {"zh": "年份不详", "en": "n.d."}


def citation_file_name(stem: str, fmt: str) -> str:
    """``citation-<stem>.<suffix>``, with only safe characters from ``stem`` (an id or a query)."""
    safe = re.sub(r"[^\w.-]+", "-", stem, flags=re.ASCII).strip("-.")[:80] or "datasets"
    return f"citation-{safe}.{FILE_SUFFIX[fmt]}"


@dataclass(frozen=True)
class Citation:
    """What a citation needs, in one language."""

    record_id: str
    title: str
    authors: tuple[str, ...]  # people or organisations, as written
    year: str  # publication year, or "" when the record does not say
    publisher: str
    dois: tuple[str, ...]
    cstr: str
    url: str  # landing page (or the first DOI's resolver)
    given: str  # the record's own citation text in this language, or ""
    lang: str

    @property
    def doi(self) -> str:
        """The first (main) DOI, or empty."""
        return self.dois[0] if self.dois else ""


def _authors(record: DatasetRecord) -> tuple[str, ...]:
    """Contributors; else metadata authors; for STAC the producers (organisations)."""
    for role in ("contributor", "metadata author"):
        names = [p.name for p in record.contributors if p.role == role]
        if names:
            return tuple(dict.fromkeys(names))
    providers = [p for p in record.contributors if p.role == "provider"]
    for stac_role in ("producer", "licensor"):
        names = [p.name for p in providers if stac_role in p.institution.split(", ")]
        if names:
            return tuple(dict.fromkeys(names))
    return ()


def build_citation(record: DatasetRecord, lang: str) -> Citation:
    """The citation of ``record`` in ``lang`` ('zh' or 'en')."""
    lang = "en" if lang == "en" else "zh"
    dois = record.dois or ((record.doi,) if record.doi else ())
    url = record.landing_page or (f"https://doi.org/{dois[0]}" if dois else "") or record.cstr_url
    given = record.citation.en if lang == "en" or record.source_kind == "stac" else record.citation.zh
    if not given and record.source_kind == "stac":
        # MODIS and similar collections cite the data set as a "publication" carrying its DOI.
        given = next((r.text for r in record.references if r.doi and r.doi == (dois[0] if dois else None)), "")
    return Citation(
        record_id=record.id,
        title=record.title.get(lang),
        authors=_authors(record),
        year=str(record.published.year) if record.published else "",
        publisher=record.publisher.get(lang),
        dois=dois,
        cstr=record.cstr,
        url=url,
        given=given,
        lang=lang,
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


def to_text(c: Citation) -> str:
    """One line to paste into a reference list."""
    if c.given:
        extra = _identifiers(c, c.given)
        return c.given.rstrip() if not extra else c.given.rstrip().rstrip(".") + ". " + extra
    year = c.year or _NO_YEAR[c.lang]
    head = f"{', '.join(c.authors)} ({year})." if c.authors else f"({year})."
    parts = [head, f"{c.title.rstrip('.')} {_DATASET_MARK[c.lang]}."]
    if c.publisher:
        parts.append(f"{c.publisher}.")
    extra = _identifiers(c)
    if extra:
        parts.append(extra)
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
        ("author", " and ".join("{" + _bib(a) + "}" for a in c.authors)),
        ("title", "{" + _bib(c.title) + "}"),
        ("year", _bib(c.year)),
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
    return "; ".join(parts)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}" if value else ""


def to_ris(c: Citation) -> str:
    """An RIS record of type DATA (one value per line, ``ER`` closes it)."""
    lines = [_ris_line("TY", "DATA")]
    lines += [_ris_line("AU", a) for a in c.authors]
    lines += [_ris_line("TI", c.title), _ris_line("PY", c.year), _ris_line("PB", c.publisher),
              _ris_line("DO", c.doi), _ris_line("UR", c.url), _ris_line("ID", c.record_id)]
    lines += [_ris_line("N1", f"DOI: {d}") for d in c.dois[1:]]
    lines += [_ris_line("N1", f"CSTR: {c.cstr}") if c.cstr else "", _ris_line("LA", c.lang), "ER  - "]
    return "\r\n".join(line for line in lines if line) + "\r\n"


def to_csl(c: Citation) -> dict[str, object]:
    """A CSL-JSON item (the citeproc data model: type ``dataset``, ``DOI``, ``URL``, ``issued``)."""
    item: dict[str, object] = {"id": c.record_id, "type": "dataset", "title": c.title,
                               "author": [{"literal": a} for a in c.authors]}
    if c.year:
        item["issued"] = {"date-parts": [[int(c.year)]]}
    for key, value in (("publisher", c.publisher), ("DOI", c.doi), ("URL", c.url), ("language", c.lang)):
        if value:
            item[key] = value
    notes = [f"DOI: {d}" for d in c.dois[1:]] + ([f"CSTR: {c.cstr}"] if c.cstr else [])
    if notes:
        item["note"] = "; ".join(notes)
    return item


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
