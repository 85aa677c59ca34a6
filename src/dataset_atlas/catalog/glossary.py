"""Query expansion across languages: the bilingual glossary (``data/glossary.tsv``, Chinese
and English terms of the field, its sources named in its header).

A query term that is a glossary entry also matches as any of its translations: a term ``t``
with translations {u, v} matches a record holding t, u or v (OR within a term, AND across
terms, as without expansion). A run of typed terms that together spell an entry ("soil
moisture" typed as two words, an entry of 土壤湿度) adds the translation to each of them:
(soil AND moisture) OR 土壤湿度 is (soil OR 土壤湿度) AND (moisture OR 土壤湿度), so the
backends keep their one shape. Relevance reads only the typed terms, so a record matching the
typed words ranks above one that matches only a translation.
"""

from __future__ import annotations

import functools
from importlib import resources

from dataset_atlas.catalog.terms import normalise_array, term_forms, text_terms

GLOSSARY = "glossary.tsv"
_LONGEST = 6  # the most typed terms one entry can span (its words)


def read_pairs() -> list[tuple[str, str]]:
    """The glossary's (Chinese, English) pairs, as written in the file."""
    text = resources.files("dataset_atlas").joinpath("data", GLOSSARY).read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            zh, en = line.split("\t")
            pairs.append((zh.strip(), en.strip()))
    return pairs


@functools.cache
def _table() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(normalised entry -> normalised translations, normalised entry -> translations as written)."""
    import pyarrow as pa

    pairs = read_pairs()
    sides = [s for pair in pairs for s in pair]
    plain = normalise_array(pa.array(sides, pa.large_string())).to_pylist()
    typed = normalise_array(pa.array(sides, pa.large_string()), typed=True).to_pylist()
    forms: dict[str, dict[str, str]] = {}  # entry -> {normalised translation: as written}
    for i in range(0, len(sides), 2):
        for a, b in ((i, i + 1), (i + 1, i)):
            for key in {plain[a], typed[a]}:  # (the typed form: a last word's -es, as a query has it)
                if key and plain[b] and plain[b] != key:
                    forms.setdefault(key, {}).setdefault(plain[b], sides[b])
    return ({k: tuple(v) for k, v in forms.items()}, {k: tuple(v.values()) for k, v in forms.items()})


def _expansions(terms: tuple[str, ...], table: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Per term, the glossary translations it also matches as (see the module docs)."""
    out: list[list[str]] = [[] for _ in terms]
    for start in range(len(terms)):
        for stop in range(start + 1, min(start + _LONGEST, len(terms)) + 1):
            run = terms[start:stop]
            for key in {" ".join(run), "".join(run)}:
                for translation in table.get(key, ()):
                    for i in range(start, stop):
                        if translation not in out[i] and translation != terms[i]:
                            out[i].append(translation)
    return out


@functools.lru_cache(maxsize=256)
def expanded_forms(text: str) -> tuple[tuple[str, ...], ...]:
    """Per search term of ``text`` (:func:`~dataset_atlas.catalog.terms.text_terms`), every literal
    it matches as: its own forms, then its translations' forms (each a substring to look for)."""
    terms = tuple(text_terms(text))
    out = []
    for term, translations in zip(terms, _expansions(terms, _table()[0]), strict=True):
        forms = list(term_forms(term))
        if "\x00" not in term:  # (a NUL matches nothing: no translation either)
            for translation in translations:
                forms.extend(f for f in term_forms(translation) if f not in forms)
        out.append(tuple(forms))
    return tuple(out)


@functools.lru_cache(maxsize=256)
def also_searched(text: str) -> tuple[str, ...]:
    """The translations a search for ``text`` also looked for, as the glossary writes them
    (for the page: "Also searched: elevation, DEM")."""
    terms = tuple(text_terms(text))
    out: list[str] = []
    for translations in _expansions(terms, _table()[1]):
        out.extend(t for t in translations if t not in out)
    return tuple(out)
