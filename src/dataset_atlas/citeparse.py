"""Reading a record's own citation text into authors, year, title, publisher and access date.

Records write their citation in many styles: APA (``Hall, D. K., & Riggs, G. A. (2021). Title
[Data set]. Publisher. DOI``), ORNL DAAC (``Authors. 2020. Title. Publisher. DOI``), NOAA
(``Last, First; Last, First (2017). Title. Publisher.``), USGS (``Author, 2022, Title: Publisher``),
a paper (``Names, Title. Journal 540, 418-422 (2016)``) and GB/T 7714 (``车涛, 晋锐. 标题[DS].
出版者, 2020.``). :func:`parse_citation` returns ``None`` when the text does not read as a
citation (an acknowledgement sentence, say): then the caller builds the citation from the
record's fields and never mixes the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_YEAR = r"(?:1[89]|20)\d\d"
# An identifier or a link: kept out of the parts (the record's DOIs are fields of their own).
_IDENT = re.compile(r"(?:https?://\S+|\bwww\.\S+|\b(?:doi|DOI|cstr|CSTR)\s*[:：]\s*\S+)")
_ACCESSED = re.compile(r"\b(?:Accessed|Retrieved|访问(?:于|日期)?)[:：]?\s*(?:on\s+)?(?P<when>[^.]*?)"
                       r"(?:\s+(?:at|from)\s+\S+)?\s*(?:\.|$)", re.IGNORECASE)
_MARKS = re.compile(r"\s*(?:\[(?:Data ?set|DS|Dataset|数据集|DB/OL|DS/OL)\]|\bDataset\.(?=\s|$))", re.IGNORECASE)
_BREAK = re.compile(r"(?<!\b[A-Z])(?<!\bet al)[.。．]\s+|[。．]")  # a sentence end, not an initial
_LEAD_YEAR = re.compile(rf"[\s,.;]*\(?(?P<year>{_YEAR})[a-z]?\)?\s*[.:,]?\s*")
_INITIALS = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]?)+(?:\s*(?:Jr|Sr)\.?)?$")
_NAME_WORD = re.compile(r"^(?:[A-Z\u00c0-\u024f][\w'’.,\-()&/]*|\(?[A-Z]{2,}\)?,?|&)$")
_LOWER_OK = {"and", "of", "for", "the", "de", "van", "von", "der", "du", "la", "le", "da", "di", "on", "in"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_ET_AL = re.compile(r"[,，]?\s*(?:et al\.?|等)\s*$")
_NAME_PREFIX = re.compile(r"^(?:Name of Data ?Set|Title|数据集名称)\s*[:：]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedCitation:
    """The parts of a citation text, each a substring of it as written."""

    authors: tuple[str, ...]
    more_authors: bool  # the text ends its list with "et al." / "等"
    year: str  # "" when the text names no publication year
    title: str
    publisher: str  # "" when the text names none
    accessed: str  # "April 2022", or ""


def _clean(text: str) -> str:
    return " ".join(text.replace("，", ", ").replace("：", ": ").split())


def _strip_parts(text: str) -> tuple[str, str]:
    """``text`` without identifiers, links and the access clause; and the access date."""
    accessed = ""
    m = _ACCESSED.search(text)
    if m:
        accessed = m.group("when").strip(" ,")
        text = text[:m.start()] + text[m.end():]
    text = _IDENT.sub("", text)
    return " ".join(text.split()).rstrip(" ,;.").strip(), accessed


def _is_name(token: str) -> bool:
    """A person's or an organisation's name as citations write it (capitalised words, initials)."""
    token = token.strip()
    if not token or len(token) > 120:
        return False
    if _CJK.search(token):
        return " " not in token and len(token) <= 40
    words = token.split()
    if len(words) > 12:
        return False
    return all(w.lower() in _LOWER_OK or _NAME_WORD.match(w) for w in words)


def _split_authors(block: str, known: Iterable[str]) -> tuple[tuple[str, ...], bool] | None:
    """The names in an author block, as written; ``None`` if it is not a list of names."""
    more = bool(_ET_AL.search(block.strip(" ,;.[]")))
    # A full stop after a word ends the list; after an initial ("Riggs, G. A.") it is the name's.
    block = re.sub(r"(?<![A-Z])\.$", "", _ET_AL.sub("", block.strip(" ,;.[]") if more else block).strip(" ,;[]"))
    if not block:
        return None
    if block in set(known):  # one organisation whose name has a comma ("NOAA, Office for ...")
        return (block,), more
    if ";" in block:
        parts = [re.sub(r"^(?:and|&)\s+", "", p.strip(" [],")) for p in block.split(";")]
    else:
        tokens = [t.strip() for t in re.split(r",\s*(?:and\s+|&\s*)?|\s+&\s+|\s+and\s+(?=\S+,)", block)]
        tokens = [re.sub(r"^(?:and|&)\s+", "", t) for t in tokens if t]
        surnames = tokens[0::2]
        if len(tokens) % 2 == 0 and all(" " not in s and not _INITIALS.match(s) for s in surnames) \
                and not any(_CJK.search(t) for t in tokens):
            parts = [f"{a}, {b}" for a, b in zip(tokens[0::2], tokens[1::2], strict=True)]  # Last, First
        else:
            parts = []
            for t in tokens:  # "Hall, D. K." and "Thornton, M.M.": initials belong to the name before
                if parts and _INITIALS.match(t) and "," not in parts[-1]:
                    parts[-1] = f"{parts[-1]}, {t}"
                else:
                    parts.append(t)
    parts = [p for p in (p.strip() for p in parts) if p]
    if not parts or not all(_is_name(p) for p in parts):
        return None
    return tuple(parts), more


def _sentences(text: str) -> list[str]:
    return [s.strip(" ,;") for s in _BREAK.split(text) if s.strip(" ,;")]


def _title_and_rest(rest: str, comma_style: bool) -> tuple[str, str]:
    """The title at the start of ``rest`` and what follows it."""
    m = _BREAK.search(rest)
    if m:
        return rest[:m.start()], rest[m.end():]
    colon = rest.find(": ")
    if colon > 0:
        return rest[:colon], rest[colon + 2:]
    if comma_style and ", " in rest:  # "(2019), Title, Place, Publisher"
        title, _, after = rest.partition(", ")
        return title, after
    return rest, ""


def _publisher(rest: str) -> str:
    """The first sentence after the title, without a "Place, ST:" prefix or a trailing year."""
    first = next(iter(_sentences(rest)), "")
    first = re.sub(rf"[,\s]*{_YEAR}$", "", first).strip(" ,")
    return first.rsplit(": ", 1)[-1] if ": " in first else first


def _finish(title: str) -> str:
    title = _NAME_PREFIX.sub("", _MARKS.sub("", title)).strip(" ,;:")
    return title


def parse_citation(text: str, known_names: Iterable[str] = ()) -> ParsedCitation | None:
    """The parts of a citation, or ``None`` when ``text`` does not read as one.

    ``known_names`` are organisations the record names elsewhere (its providers): such a name is
    one author even when it holds a comma.
    """
    body, accessed = _strip_parts(_clean(text))
    body = _MARKS.sub("", body)
    known = tuple(known_names)
    # "Authors (2021). Title" / "Authors. 2020. Title" / "Author, 2022, Title": the first year that
    # follows a list of names.
    for m in re.finditer(rf"\(?{_YEAR}[a-z]?\)?", body):
        head = body[:m.start()]
        lead = _LEAD_YEAR.match(body, m.start() - (len(head) - len(head.rstrip(" ,.;("))))
        if not lead or not head.strip() or _BREAK.search(head.rstrip(" .,;(")):
            continue
        names = _split_authors(head.rstrip(" (,"), known)
        if names is None:
            break
        sep = body[m.start():lead.end()]
        title, rest = _title_and_rest(body[lead.end():], comma_style=sep.rstrip().endswith(","))
        title = _finish(title)
        if not title:
            return None
        return ParsedCitation(names[0], names[1], lead.group("year"), title, _publisher(rest), accessed)
    # "Authors. Title. Publisher, 2020." (GB/T 7714) and "Names, Title. Journal (2016)" (a paper):
    # the names lead, the year (if any) comes last.
    parts = _sentences(body)
    if len(parts) < 2:
        return None
    years = re.findall(rf"\(?({_YEAR})[a-z]?\)?", " ".join(parts[1:]))
    names = _split_authors(parts[0], known)
    if names is not None:
        title, after = parts[1], parts[2:]
    else:  # the paper style: the title follows the last name inside the first sentence
        tokens = parts[0].split(", ")
        cut = next((i for i, t in enumerate(tokens) if not _is_name(t)), 0)
        initials = re.match(r"^((?:[A-Z]\.\s?)+)\s*(\S.*)$", tokens[cut]) if cut else None
        if initials:  # "Che, T., Jin, R. Brightness temperature ...": the initials end the names
            tokens[cut:cut + 1] = [initials.group(1).strip(), initials.group(2)]
            cut += 1
        names = _split_authors(", ".join(tokens[:cut]), known) if cut else None
        if names is None:
            return None
        title, after = ", ".join(tokens[cut:]), parts[1:]
    title = _finish(title)
    if not title:
        return None
    return ParsedCitation(names[0], names[1], years[-1] if years else "", title,
                          _publisher(". ".join(after)), accessed)
