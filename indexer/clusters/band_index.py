"""The LSH bands of indexed documents, held in memory by each indexer to find a batch's candidates.

The index stays the state every indexer copy shares (``lsh_bands`` and ``repost_sketch``); this is a
copy of the part that finds candidates, read from it at start and kept current by the indexer
(``indexer/clusters/known.py``). Looking a batch up costs a few array operations whatever the size
of the index, where a search of the band terms grew with it (issue 11's cost target).

Each band's three rows of a signature are mixed into one 64-bit key: two documents that share a band
hash in the index share its key here (keys that collide by chance only add a candidate, which the
signature check then turns down). Keys live in two sorted arrays: a large one, and a small one that
new documents are inserted into and that is merged into the large one when it reaches an eighth of its
size, so adding a batch costs about the same at 10,000 documents as at 1,000,000. A page written again
replaces its earlier row: the row's keys are dropped at the next merge, and the rows themselves once
such rows reach a quarter of the live ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexer.clusters.sketch import BANDS, NUM_PERM, ROWS

HOT_KEY_LIMIT = 500  # documents read for one key (a band of shared boilerplate): the newest ones
# A band shared by more documents than HOT_KEY_LIMIT counts this much less than a rarer one when
# candidates are ranked: an older copy sharing rare bands is not pushed out by newer pages that share
# only the boilerplate (whose common bands, cut to the newest, the older copy would not be counted for).
RARE_BAND_WEIGHT = 64
_MERGE_SHARE = 8  # the small array is merged into the large one when it reaches 1/8 of its size
_MERGE_MIN = 65_536
_COMPACT_SHARE = 4  # rows of replaced pages are dropped when they reach a quarter of the live ones
_COMPACT_MIN = 10_000
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_BAND_SALT = (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """The band keys of ``signatures`` (n x NUM_PERM uint32): n x BANDS uint64."""
    rows = signatures[:, : BANDS * ROWS].astype(np.uint64).reshape(len(signatures), BANDS, ROWS)
    key = np.broadcast_to(_BAND_SALT, (len(signatures), BANDS)).copy()
    for row in range(ROWS):
        key = _mix(key ^ rows[:, :, row])
    return key


def _mix(values: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's): every input bit moves every output bit."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX_1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX_2
    return values ^ (values >> np.uint64(31))


@dataclass(frozen=True)
class Candidates:
    """Pairs of (batch document, known document), the known ones sharing the most bands first."""

    doc: np.ndarray  # position in the batch
    ids: list[str]  # the known document's id
    sizes: np.ndarray  # its distinct shingles
    shares: np.ndarray  # the share of signature values the two agree on

    def per_document(self, count: int) -> list[list[tuple[str, int, float]]]:
        """For each of the batch's ``count`` documents, its candidates as (id, size, share)."""
        bounds = np.searchsorted(self.doc, np.arange(count + 1), side="left").tolist()
        sizes, shares = self.sizes.tolist(), self.shares.tolist()
        return [
            [(self.ids[n], sizes[n], shares[n]) for n in range(bounds[d], bounds[d + 1])]
            for d in range(count)
        ]


class BandIndex:
    """Signatures, sizes and languages of known documents, found by their band keys."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._signatures = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._sizes = np.zeros(0, dtype=np.int64)
        self._languages = np.zeros(0, dtype=np.int16)
        self._alive = np.zeros(0, dtype=bool)
        self._language_codes: dict[str, int] = {}
        self._used = 0
        self._large = _SortedKeys.empty()
        self._small = _SortedKeys.empty()

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._row_of

    def add(
        self, ids: Sequence[str], languages: Sequence[str], signatures: np.ndarray, sizes: Sequence[int]
    ) -> None:
        """Know these documents (a later one with a known id replaces it). Empty pages (size 0) have no
        bands and are not kept."""
        for n, size in enumerate(sizes):
            if size <= 0 and (earlier := self._row_of.pop(ids[n], None)) is not None:
                self._alive[earlier] = False  # the page is empty now: no longer a candidate
        keep = [n for n, size in enumerate(sizes) if size > 0]
        if not keep:
            return
        first = len(self._ids)
        rows = np.arange(first, first + len(keep), dtype=np.int64)
        replaced = []
        for row, n in zip(rows.tolist(), keep, strict=True):
            earlier = self._row_of.get(ids[n])
            if earlier is not None:  # an earlier version, or the same page twice in this call
                replaced.append(earlier)
            self._row_of[ids[n]] = row
            self._ids.append(ids[n])
        picked = np.asarray(signatures, dtype=np.uint32)[keep]
        self._grow(picked, [sizes[n] for n in keep], [self._code(languages[n]) for n in keep])
        self._alive[replaced] = False
        self._insert(band_keys(picked), rows)
        if self._used - len(self._row_of) > max(_COMPACT_MIN, len(self._row_of) // _COMPACT_SHARE):
            self._compact()

    def candidates(self, languages: Sequence[str], signatures: np.ndarray, limit: int) -> Candidates:
        """For each of ``signatures`` (a batch), the known documents in its language sharing a band
        with it, at most ``limit`` of them: those sharing the most bands first (a band shared by more
        than ``HOT_KEY_LIMIT`` documents counting as 1/``RARE_BAND_WEIGHT`` of a rarer one), then the
        newest."""
        if not len(signatures) or not len(self._row_of):
            return Candidates(np.zeros(0, dtype=np.int64), [], np.zeros(0), np.zeros(0))
        keys = band_keys(np.asarray(signatures, dtype=np.uint32)).ravel()
        owner = np.repeat(np.arange(len(signatures)), BANDS)
        order = np.argsort(keys)  # sorted needles: each search starts near where the last one ended
        keys, owner = keys[order], owner[order]
        found = [self._large.find(keys, owner), self._small.find(keys, owner)]
        doc, row, weight = (np.concatenate([part[n] for part in found]) for n in range(3))
        row = row.astype(np.int64)
        wanted = np.asarray([self._language_codes.get(lang, -1) for lang in languages], dtype=np.int16)
        keep = self._alive[row] & (self._languages[row] == wanted[doc])
        doc, row, weight = doc[keep], row[keep], weight[keep]
        pairs, inverse = np.unique(doc * len(self._ids) + row, return_inverse=True)
        score = np.bincount(inverse, weights=weight, minlength=len(pairs))
        doc, row = pairs // len(self._ids), pairs % len(self._ids)
        order = np.lexsort((-row, -score, doc))
        doc, row = doc[order], row[order]
        rank = np.arange(len(doc)) - np.searchsorted(doc, doc, side="left")
        doc, row = doc[rank < limit], row[rank < limit]
        batch = np.asarray(signatures, dtype=np.uint32)
        shares = np.count_nonzero(self._signatures[row] == batch[doc], axis=1) / NUM_PERM
        return Candidates(doc, [self._ids[r] for r in row.tolist()], self._sizes[row], shares)

    def _code(self, language: str) -> int:
        return self._language_codes.setdefault(language, len(self._language_codes))

    def _grow(self, signatures: np.ndarray, sizes: list[int], languages: list[int]) -> None:
        """Append rows (their arrays grow by doubling, so that a batch is not a copy of them all)."""
        start, end = self._used, self._used + len(sizes)
        if end > len(self._sizes):
            capacity = max(end, 2 * len(self._sizes), 1024)
            self._signatures = _resized(self._signatures, capacity)
            self._sizes = _resized(self._sizes, capacity)
            self._languages = _resized(self._languages, capacity)
            self._alive = _resized(self._alive, capacity)
        self._signatures[start:end] = signatures
        self._sizes[start:end] = sizes
        self._languages[start:end] = languages
        self._alive[start:end] = True
        self._used = end

    def _compact(self) -> None:
        """Drop the rows of replaced pages (each page written again, a replay included, leaves one)."""
        live = np.flatnonzero(self._alive[: self._used])
        renumbered = np.full(self._used, -1, dtype=np.int64)
        renumbered[live] = np.arange(len(live))
        self._ids = [self._ids[row] for row in live.tolist()]
        self._row_of = {doc_id: row for row, doc_id in enumerate(self._ids)}
        self._signatures = self._signatures[live]
        self._sizes, self._languages = self._sizes[live], self._languages[live]
        self._alive = np.ones(len(live), dtype=bool)
        self._used = len(live)
        self._large = self._large.merged(self._small).alive_only(renumbered >= 0, renumbered)
        self._small = _SortedKeys.empty()

    def _insert(self, keys: np.ndarray, rows: np.ndarray) -> None:
        new = _SortedKeys.of(keys.ravel(), np.repeat(rows, BANDS).astype(np.int32))
        self._small = self._small.merged(new)
        if len(self._small) >= max(_MERGE_MIN, len(self._large) // _MERGE_SHARE):
            self._large = self._large.merged(self._small).alive_only(self._alive)
            self._small = _SortedKeys.empty()


@dataclass(frozen=True)
class _SortedKeys:
    keys: np.ndarray  # uint64, ascending; rows ascending within one key
    rows: np.ndarray  # int32 (4 bytes of the 12 each band of each document takes)

    @classmethod
    def empty(cls) -> _SortedKeys:
        return cls(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32))

    @classmethod
    def of(cls, keys: np.ndarray, rows: np.ndarray) -> _SortedKeys:
        order = np.lexsort((rows, keys))
        return cls(keys[order], rows[order])

    def __len__(self) -> int:
        return len(self.keys)

    def merged(self, newer: _SortedKeys) -> _SortedKeys:
        """Both sets of keys; ``newer``'s rows are all larger, so they go after equal keys."""
        at = np.searchsorted(self.keys, newer.keys, side="right")
        return _SortedKeys(np.insert(self.keys, at, newer.keys), np.insert(self.rows, at, newer.rows))

    def alive_only(self, alive: np.ndarray, renumbered: np.ndarray | None = None) -> _SortedKeys:
        """The entries of live rows (given new numbers, in the same order, when ``renumbered``)."""
        keep = alive[self.rows]
        rows = self.rows[keep]
        return _SortedKeys(self.keys[keep], rows if renumbered is None else renumbered[rows].astype(np.int32))

    def find(self, keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, row, weight) for every stored entry equal to one of ``keys`` (sorted): the last
        ``HOT_KEY_LIMIT`` of a key's entries at most, weighing 1 for such a common key and
        ``RARE_BAND_WEIGHT`` for the others."""
        if not len(self.keys):
            return _NOTHING
        high = np.searchsorted(self.keys, keys, side="right")
        first = np.searchsorted(self.keys, keys, side="left")
        low = np.maximum(first, high - HOT_KEY_LIMIT)
        lengths = high - low
        total = int(lengths.sum())
        if not total:
            return _NOTHING
        starts = np.repeat(low - (np.cumsum(lengths) - lengths), lengths)
        positions = np.arange(total) + starts
        weight = np.where(high - first > HOT_KEY_LIMIT, 1, RARE_BAND_WEIGHT)
        return np.repeat(owner, lengths), self.rows[positions], np.repeat(weight, lengths)


def _resized(values: np.ndarray, capacity: int) -> np.ndarray:
    bigger = np.zeros((capacity, *values.shape[1:]), dtype=values.dtype)
    bigger[: len(values)] = values
    return bigger


_NOTHING = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))
