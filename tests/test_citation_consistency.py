"""Every format of every seed and corpus record carries the same authors, title, year and DOI.

Each rendering is read back by an independent reader (tests/helpers.py) and compared; the text
is free-form, so it must hold the same authors in order, then the title, the year and the DOI.
"""

from __future__ import annotations

import json
import re

import pytest

from dataset_atlas.citation import FORMATS, build_citation, format_citation
from dataset_atlas.model import DatasetRecord
from dataset_atlas.sources.ncdc import read_ncdc
from dataset_atlas.sources.stac import read_stac_collection

from .conftest import SEEDS, STAC_CORPUS
from .helpers import check_csl, parse_bibtex, parse_ris

NO_YEAR = {"en": "n.d.", "zh": "年份不详"}


def _records() -> list[DatasetRecord]:
    seeds = [read_ncdc(json.loads(p.read_text(encoding="utf-8")), str(p)) for p in sorted(SEEDS.iterdir())]
    corpus = [read_stac_collection(json.loads(p.read_text()), str(p)) for p in sorted(STAC_CORPUS.glob("*.json"))]
    return seeds + corpus


def _squash(text: str) -> str:
    return " ".join(text.split())


def _unbib(value: str) -> str:
    """A braced BibTeX value as plain text (our escapes undone)."""
    value = value.replace(r"\textbackslash{}", "\\").replace(r"\textasciitilde{}", "~")
    value = value.replace(r"\textasciicircum{}", "^")
    return _squash(re.sub(r"\\([&%$#_{}])", r"\1", value))


def _bib_authors(field: str) -> tuple[list[str], bool]:
    """The names of a BibTeX author field of braced names joined by " and "; and "and others"."""
    names, depth, start, more = [], 0, 0, False
    for i, ch in enumerate(field):
        if ch == "{" and (i == 0 or field[i - 1] != "\\"):
            depth += 1
            if depth == 1:
                start = i + 1
        elif ch == "}" and field[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                names.append(_unbib(field[start:i]))
    rest = re.sub(r"\{(?:[^{}]|\\[{}])*\}", "", field)
    assert set(rest.split()) <= {"and", "others"}, field
    more = rest.split()[-1:] == ["others"]
    return names, more


def renderings(record: DatasetRecord, lang: str) -> dict[str, dict[str, object]]:
    """Authors, title, year and DOI as each format states them."""
    c = build_citation(record, lang)
    out = {fmt: format_citation(c, fmt) for fmt in FORMATS}
    ((_, _, bib),) = parse_bibtex(out["bibtex"])
    (ris,) = parse_ris(out["ris"])
    (csl,) = check_csl(out["csl-json"])
    issued = csl.get("issued")
    return {
        "bibtex": {"authors": _bib_authors(bib.get("author", ""))[0], "title": _unbib(bib["title"][1:-1]),
                   "year": bib.get("year", ""), "doi": bib.get("doi", "")},
        "ris": {"authors": ris.get("AU", []), "title": ris["TI"][0], "year": ris.get("PY", [""])[0],
                "doi": ris.get("DO", [""])[0]},
        "csl-json": {"authors": [_squash(a["literal"]) for a in csl["author"]],  # type: ignore[attr-defined]
                     "title": _squash(str(csl["title"])),
                     "year": str(issued["date-parts"][0][0]) if isinstance(issued, dict) else "",
                     "doi": csl.get("DOI", "")},
        "text": {"text": out["text"]},
    }


def _check_text(text: str, want: dict[str, object], lang: str) -> None:
    """The text holds the authors in order, then the title; the year (or n.d.) and the DOI."""
    flat = _squash(text)
    pos = 0
    for name in want["authors"]:  # type: ignore[attr-defined]
        found = flat.find(name, pos)
        assert found >= 0, (name, flat)
        pos = found + len(name)
    assert flat.find(str(want["title"]), pos) >= 0, (want["title"], flat)
    assert (str(want["year"]) or NO_YEAR[lang]) in flat, (want["year"], flat)
    assert str(want["doi"]).lower() in flat.lower(), (want["doi"], flat)


RECORDS = _records() if STAC_CORPUS.is_dir() else []


def test_the_walk_covers_every_seed_and_collection() -> None:
    assert sum(r.source_kind == "ncdc" for r in RECORDS) == len(list(SEEDS.iterdir())) >= 3
    assert sum(r.source_kind == "stac" for r in RECORDS) == len(list(STAC_CORPUS.glob("*.json"))) >= 120


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id[:40])
def test_every_format_carries_the_same_authors_title_year_doi(record: DatasetRecord, lang: str) -> None:
    formats = renderings(record, lang)
    want = formats["bibtex"]
    assert want["title"], record.id
    for fmt in ("ris", "csl-json"):
        assert formats[fmt] == want, (record.id, fmt, formats[fmt], want)
    _check_text(str(formats["text"]["text"]), want, lang)
