"""Words: the one tokenisation of free text, for the stored search text and for what a user
types, on every backend (the local index, pgstac, the STAC API client).

* Lower case; every run of characters that are neither letters nor digits (hyphens, punctuation,
  underscores, spaces) is one space, or one newline where it held one (the search text keeps
  its fields on separate lines, so a phrase never runs from one field into the next).
  ``Near-global`` is ``near global``; Chinese keeps its characters (matched as substrings).
* Plurals meet their singular: a small English rule on Latin words, no stemmer. In the text and
  in a query, ``-ies`` after three or more characters is ``-y`` (studies → study) and a final
  ``-s`` after three or more characters is dropped unless the word ends in ``ss``, ``us`` or
  ``is`` (glaciers → glacier, boxes → boxe; class, status, MODIS stay). The last word a user
  typed also loses ``-es`` after ``s``, ``x``, ``z``, ``ch`` or ``sh`` (boxes → box), which is
  a prefix of what the text holds for both the singular and the plural. Matching is by
  substring, so a shorter query word still finds the longer form.
* Compounds: a term of several words (a hyphenated word, a "quoted phrase") matches them
  adjacent, with one space or written together (``sea-ice``: "sea ice", "sea-ice", "seaice");
  a single Latin word that starts with one of :data:`HEADS` (the first words of the field's
  compounds) followed by at least :data:`SPLIT_PART` letters also matches written as two words
  (``seaice``: "sea ice"). Any split point would cost a scan of every text per split (measured:
  "permafrost" 3.8 times slower), so only these.

The rule runs as Arrow compute (RE2) over whole columns at ingest and over the few terms of a
query, so the text and the query are normalised by the same code.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

SPLIT_PART = 3
HEADS = ("sea", "land", "snow", "ice", "lake", "ground", "water", "soil", "river", "rain", "sun", "air", "wind",
         "cloud", "wet", "melt", "frost", "fire", "coast", "shore", "flood", "sand", "rock", "bed", "glacier", "sky")
_QUOTED = re.compile(r'"([^"]+)"|(\S+)')
# (pattern, replacement) in order, RE2 syntax (no look-around: the character after a word is
# matched and put back)
_SEPARATORS = ((r"[^\pL\pN]*\n[^\pL\pN]*", "\n"), (r"[^\pL\pN\n]+", " "))
_PLURALS = ((r"([a-z0-9]{3,})ies([^a-z0-9]|$)", r"\1y\2"),
            (r"([a-z0-9]{2,}[a-hj-rtv-z0-9])s([^a-z0-9]|$)", r"\1\2"))
_LAST_ES = (r"([a-z0-9]{2,}(?:ss|[sxz]|ch|sh))es$", r"\1")
_LATIN = re.compile(r"[a-z]+")


def normalise_array(texts: pa.Array | pa.ChunkedArray, *, typed: bool = False) -> pa.Array | pa.ChunkedArray:
    """Each text of a string array in its searchable form (see the module docs); ``typed``:
    terms a user typed (their last word also loses ``-es``)."""
    import pyarrow.compute as pc

    out = pc.utf8_lower(pc.fill_null(texts, ""))
    for pattern, replacement in _SEPARATORS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    out = pc.utf8_trim(out, " \n")
    # (the -es rule first: it reads the word as typed, before the plural rule shortens it)
    for pattern, replacement in ((_LAST_ES,) if typed else ()) + _PLURALS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    return out


def normalise(text: str) -> str:
    """One text in its searchable form."""
    import pyarrow as pa

    return str(normalise_array(pa.array([text], pa.large_string()))[0].as_py())


def raw_terms(text: str) -> list[str]:
    """What a user typed, split into its words and "quoted phrases" (not yet normalised)."""
    return [m.group(1) or m.group(2) for m in _QUOTED.finditer(text) if m.group(1) or m.group(2)]


@functools.lru_cache(maxsize=256)
def _text_terms(text: str) -> tuple[str, ...]:
    return tuple(_terms_of(text))


def text_terms(text: str) -> list[str]:
    """Search terms: each word or "quoted phrase" normalised (its words joined by one space);
    a term without letters or digits is dropped. (Cached: every backend asks several times per query.)"""
    return list(_text_terms(text))


def _terms_of(text: str) -> list[str]:
    """Search terms: each word or "quoted phrase" normalised (its words joined by one space);
    a term without letters or digits is dropped."""
    import pyarrow as pa

    typed = raw_terms(text)
    if not typed:
        return []
    terms = normalise_array(pa.array(typed, pa.large_string()), typed=True).to_pylist()
    # A NUL (a link's %00) is in no stored text (ingest replaces it): its term stays a NUL,
    # which matches nothing on any backend, rather than a separator
    return ["\x00" if "\x00" in raw else term for raw, term in zip(typed, terms, strict=True) if term or "\x00" in raw]


def term_words(text: str) -> list[list[str]]:
    """Per term typed, its words as written (lower case, separators removed, no plural rule):
    for a backend that reads words itself (the STAC API's full text stems them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    typed = raw_terms(text)
    if not typed:
        return []
    out = pc.utf8_lower(pa.array(typed, pa.large_string()))
    for pattern, _ in _SEPARATORS:
        out = pc.replace_substring_regex(out, pattern, " ")
    return [words for words in (str(t).split() for t in out.to_pylist()) if words]


def term_forms(term: str) -> list[str]:
    """The literal strings a normalised ``term`` matches as (any of them, by substring): the
    term itself, its words written together, or a single Latin word split in two."""
    words = term.split(" ")
    if len(words) > 1:
        return [term, "".join(words)]
    if _LATIN.fullmatch(term):
        return [term, *(f"{head} {term[len(head):]}" for head in HEADS
                        if term.startswith(head) and len(term) - len(head) >= SPLIT_PART)]
    return [term]
