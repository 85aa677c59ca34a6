"""Gram keys: every non-ASCII character of a text, and each pair of adjacent ones, as an
integer, so a search term of one or two such characters (冻土, 冰) is found exactly through
an array index where the trigram index has nothing to look up."""

from __future__ import annotations

import numpy as np

_PAIR = 0x110000  # one past the last code point: pair keys start here, single characters stay below


def gram_keys(text: str) -> np.ndarray:
    """The distinct keys of ``text``'s non-ASCII characters and of each two adjacent non-ASCII
    characters, ascending: a term of one or two non-ASCII characters is in the text exactly
    when its key (:func:`term_gram`) is among them."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    wide = codes > 0x7F
    pairs = wide[:-1] & wide[1:]
    keys = np.concatenate([codes[wide], (codes[:-1][pairs] + 1) * _PAIR + codes[1:][pairs]])
    return np.unique(keys)


def term_gram(term: str) -> int | None:
    """The gram key of a one- or two-character term of non-ASCII characters, else None."""
    if not 1 <= len(term) <= 2 or any(ord(c) <= 0x7F for c in term):
        return None
    keys = gram_keys(term)
    return int(keys[-1])  # the pair's key is the largest (pairs sort above single characters)


def grams_literal(text: str) -> str:
    """The gram keys of ``text`` as a PostgreSQL array literal (a COPY value)."""
    return "{" + ",".join(map(str, gram_keys(text).tolist())) + "}"
