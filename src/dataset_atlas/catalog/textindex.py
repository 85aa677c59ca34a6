"""Free-text search without scanning every record per keystroke.

Design (measured against alternatives in ``bench/query_bench.py``): rows are grouped in
blocks of :data:`BLOCK_ROWS` consecutive rows; for every block, every character and every
character pair (bigram) of its lower-cased search text is hashed into one of
:data:`BUCKETS` buckets and a bit is set for (bucket, block). The bits are stored packed,
one row of bits per bucket, so a term's candidate blocks are the AND of the rows of its
bigrams (or of its single character): a few kilobytes of memory traffic. Candidates are then
verified with an exact substring test over their rows only, so results are identical to
:func:`dataset_atlas.catalog.query.text_mask_scan`. Hash collisions only add candidates.

Exact per-row posting lists were the first design: with about 700 distinct bigrams per
record they cost more memory than the text itself (hundreds of MB at 100,000 records) and
took seconds to build; the block signatures cost ``BUCKETS / 8`` bytes per block, build in
one vectorised pass, and keep verification small for all but the commonest terms.

Typing refines a term ("perm" -> "perma"): the matches of a cached shorter term that the
new term contains bound the new candidates, so each keystroke verifies fewer rows.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_atlas.catalog.query import text_terms

BLOCK_ROWS = 32
BUCKETS = 1 << 16
_CHUNK_BLOCKS = 256  # blocks hashed per vectorised pass (a multiple of 8: whole bytes)
_UNIGRAM = np.uint64(0x110000)  # second "character" of a single-character key: no code point
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier
_CACHE_TERMS = 64


def _hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    key = first.astype(np.uint64) * np.uint64(0x110001) + second.astype(np.uint64)
    return ((key * _MIX) >> np.uint64(64 - 16)).astype(np.intp) & (BUCKETS - 1)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class TextIndex:
    """Callable ``text -> mask`` giving the rows whose text contains every term."""

    def __init__(self, texts: pd.Series | pa.Array | pa.ChunkedArray) -> None:
        array = pa.array(texts) if isinstance(texts, pd.Series) else texts
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks else pa.array([], pa.large_string())
        self._texts: pa.Array = pc.fill_null(array, "")
        self.size = len(self._texts)
        self.blocks = -(-self.size // BLOCK_ROWS)
        width = -(-self.blocks // 8)
        self._bits = np.zeros((BUCKETS, width), dtype=np.uint8)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._build()

    @property
    def nbytes(self) -> int:
        """Memory held by the signatures (the texts are shared with the frame)."""
        return int(self._bits.nbytes)

    def _build(self) -> None:
        rows_per_chunk = _CHUNK_BLOCKS * BLOCK_ROWS
        for first_row in range(0, self.size, rows_per_chunk):
            chunk = self._texts.slice(first_row, rows_per_chunk)
            lengths = pc.utf8_length(chunk).to_numpy(zero_copy_only=False).astype(np.intp)
            codes = _codes("".join(chunk.to_pylist()))
            row = np.repeat(np.arange(len(lengths), dtype=np.intp), lengths)
            block = row // BLOCK_ROWS
            same_row = row[:-1] == row[1:]
            buckets = np.concatenate([
                _hash(codes, np.full(len(codes), _UNIGRAM)),
                _hash(codes[:-1][same_row], codes[1:][same_row]),
            ])
            owners = np.concatenate([block, block[:-1][same_row]])
            n_blocks = -(-len(lengths) // BLOCK_ROWS)
            seen = np.zeros((BUCKETS, _CHUNK_BLOCKS), dtype=bool)
            seen[buckets, owners] = True
            packed = np.packbits(seen, axis=1)  # big-endian bits: block k is bit 7 - k % 8
            start = first_row // BLOCK_ROWS // 8
            take = -(-n_blocks // 8)
            self._bits[:, start:start + take] = packed[:, :take]

    def candidate_rows(self, term: str) -> np.ndarray:
        """Rows that may contain ``term`` (a superset of those that do), ascending."""
        codes = _codes(term)
        if len(codes) == 0:
            return np.arange(self.size)
        if len(codes) == 1:
            keys = _hash(codes, np.array([_UNIGRAM]))
        else:
            keys = np.unique(_hash(codes[:-1], codes[1:]))
        bits = np.bitwise_and.reduce(self._bits[keys], axis=0)
        blocks = np.flatnonzero(np.unpackbits(bits)[: self.blocks])
        rows = (blocks[:, None] * BLOCK_ROWS + np.arange(BLOCK_ROWS)).ravel()
        return rows[rows < self.size]

    def term_rows(self, term: str) -> np.ndarray:
        """Rows whose text contains ``term`` (already lower-cased), ascending; cached."""
        hit = self._cache.get(term)
        if hit is not None:
            self._cache.move_to_end(term)
            return hit
        candidates = self.candidate_rows(term)
        # A cached term inside this one bounds the answer: typing only narrows it.
        bound = [rows for cached, rows in self._cache.items() if cached in term]
        for rows in bound:
            candidates = np.intersect1d(candidates, rows, assume_unique=True)
        found = self._verify(candidates, term)
        self._cache[term] = found
        if len(self._cache) > _CACHE_TERMS:
            self._cache.popitem(last=False)
        return found

    def _verify(self, rows: np.ndarray, term: str) -> np.ndarray:
        if len(rows) == 0:
            return rows
        if len(rows) == self.size:
            hits = pc.match_substring(self._texts, term)
        else:
            hits = pc.match_substring(self._texts.take(pa.array(rows)), term)
        return rows[hits.to_numpy(zero_copy_only=False)]

    def __call__(self, text: str) -> np.ndarray:
        """Mask of rows containing every term of ``text`` (words and "quoted phrases")."""
        mask = np.ones(self.size, dtype=bool)
        for term in text_terms(text):
            keep = np.zeros(self.size, dtype=bool)
            keep[self.term_rows(term)] = True
            mask &= keep
        return mask
