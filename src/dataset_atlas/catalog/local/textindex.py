"""Free-text search without scanning every record per keystroke.

Design (measured against alternatives in ``bench/query_bench.py``): rows are grouped in
blocks of :data:`BLOCK_ROWS` consecutive rows; for every block, every character and every
character pair (bigram) of its lower-cased search text is hashed into one of
:data:`BUCKETS` buckets and a bit is set for (bucket, block). The bits are stored packed,
one row of bits per bucket, so a term's candidate blocks are the AND of the rows of its
bigrams (or of its single character): a few kilobytes of memory traffic. Candidates are then
verified with an exact substring test over their rows only, so results are identical to
:func:`dataset_atlas.catalog.local.masks.text_mask_scan`. Hash collisions only add candidates.
Verification searches the UTF-8 bytes in place (Arrow's buffer, runs of consecutive candidate
rows, skipping to the next row after each hit); for a term found in most rows, Arrow's
row-by-row match is faster, and a sample of the candidates decides which to use.

Exact per-row posting lists were the first design: with about 700 distinct bigrams per
record they cost more memory than the text itself (hundreds of MB at 100,000 records) and
took seconds to build; the block signatures cost ``BUCKETS / 8`` bytes per block, build in
one vectorised pass, and keep verification small for all but the commonest terms.

Typing refines a term ("perm" -> "perma"): the matches of a cached shorter term that the
new term contains bound the new candidates, so each keystroke verifies fewer rows.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dataset_atlas.catalog.glossary import expanded_forms

BLOCK_ROWS = 32
BUCKETS = 1 << 16
_CHUNK_BLOCKS = 256  # blocks hashed per vectorised pass (a multiple of 8: whole bytes)
_UNIGRAM = np.uint64(0x110000)  # second "character" of a single-character key: no code point
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing multiplier
_CACHE_TERMS = 64
_SAMPLE_ROWS = 2048  # candidates byte-searched first, to tell a common term from a rare one
_COMMON_SHARE = 0.3  # above this share of hits in the sample, match row by row instead


def _hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    key = first.astype(np.uint64) * np.uint64(0x110001) + second.astype(np.uint64)
    return ((key * _MIX) >> np.uint64(64 - 16)).astype(np.intp) & (BUCKETS - 1)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


class TextIndex:
    """Callable ``text -> mask`` giving the rows whose text contains every term."""

    def __init__(self, texts: pd.Series | pa.Array | pa.ChunkedArray, *, signatures: bool = True) -> None:
        """Index ``texts``; ``signatures=False`` skips the block signatures (instant, every row
        is a candidate): a plain fast scan while the full index is being built."""
        array = pa.array(texts) if isinstance(texts, pd.Series) else texts
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks else pa.array([], pa.large_string())
        self._texts: pa.Array = pc.fill_null(array, "").cast(pa.large_string())
        buffers = self._texts.buffers()
        start = self._texts.offset
        self._offsets = np.frombuffer(buffers[1], dtype=np.int64)[start: start + len(self._texts) + 1]
        self._data = memoryview(buffers[2]) if buffers[2] is not None else memoryview(b"")
        self.size = len(self._texts)
        self.blocks = -(-self.size // BLOCK_ROWS)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bits = np.zeros((BUCKETS, -(-self.blocks // 8) if signatures else 0), dtype=np.uint8)
        self._signatures = signatures
        if signatures:
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
        if len(codes) == 0 or not self._signatures:
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
        """The rows among ``rows`` (ascending) whose text contains ``term``.

        Searches the UTF-8 bytes of the texts in place (Arrow's data buffer, no copy) with a
        literal regular expression, one span of consecutive candidate rows at a time, and
        skips to the next row after each hit: about four times faster than copying the
        candidates out and matching them one by one. UTF-8 is self-synchronising, so a byte
        match is a character match.
        """
        if len(rows) == 0:
            return rows
        # The byte search pays per hit; when most rows match (a common word), Arrow's
        # row-by-row match, which stops at each row's first hit, is faster. A sample decides.
        sample = rows[:_SAMPLE_ROWS]
        found_sample = self._search_bytes(sample, term)
        if len(rows) <= _SAMPLE_ROWS:
            return found_sample
        rest = rows[_SAMPLE_ROWS:]
        if len(found_sample) > _COMMON_SHARE * len(sample):
            if len(rows) == self.size:  # every row a candidate: match the column itself, no copy
                hits = pc.match_substring(self._texts, term).to_numpy(zero_copy_only=False)[rest]
            else:
                hits = pc.match_substring(self._texts.take(pa.array(rest)), term).to_numpy(zero_copy_only=False)
            found_rest = rest[hits]
        else:
            found_rest = self._search_bytes(rest, term)
        return np.concatenate([found_sample, found_rest])

    def _search_bytes(self, rows: np.ndarray, term: str) -> np.ndarray:
        """Byte search over spans of consecutive ``rows`` (see :meth:`_verify`)."""
        if len(rows) == 0:
            return rows
        needle = term.encode("utf-8")
        search = re.compile(re.escape(needle)).search
        offsets, data = self._offsets, self._data
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts = rows[np.r_[0, breaks]]
        ends = rows[np.r_[breaks - 1, len(rows) - 1]] + 1
        found: list[int] = []
        for first, stop in zip(starts.tolist(), ends.tolist(), strict=True):
            end = int(offsets[stop])
            hit = search(data, int(offsets[first]), end)
            while hit is not None:
                pos = hit.start()
                row = int(np.searchsorted(offsets, pos, side="right")) - 1
                row_end = int(offsets[row + 1])
                if pos + len(needle) <= row_end:
                    found.append(row)
                    hit = search(data, row_end, end)
                else:  # ran across the end of a row: not a match, look again just after
                    hit = search(data, pos + 1, end)
        return np.asarray(found, dtype=np.intp)

    def __call__(self, text: str) -> np.ndarray:
        """Mask of rows containing every term of ``text`` (words and "quoted phrases"), each
        in one of its forms (:func:`~dataset_atlas.catalog.terms.term_forms`)."""
        mask = np.ones(self.size, dtype=bool)
        for forms in expanded_forms(text):  # (a term's own forms and its glossary translations')
            keep = np.zeros(self.size, dtype=bool)
            for form in forms:  # (each form a literal: the cache and its bounds hold per form)
                keep[self.term_rows(form)] = True
            mask &= keep
        return mask
