"""The in-memory band index finds exactly the known documents that share a band hash with a new one,
across merges of its two arrays, replaced pages and languages, against a brute-force check."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.clusters import band_index
from indexer.clusters.band_index import BandIndex, band_keys
from indexer.clusters.sketch import BANDS, NUM_PERM, Sketch

LANGUAGES = ["zh", "en"]


def signatures_with_copies(rng: np.random.Generator, count: int) -> np.ndarray:
    """Random signatures, each later one copying a random share of an earlier one's values."""
    signatures = rng.integers(0, 2**32, size=(count, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    for n in range(1, count):
        if rng.random() < 0.6:
            kept = rng.random(NUM_PERM) < rng.uniform(0.3, 0.95)
            signatures[n, kept] = signatures[rng.integers(0, n), kept]
    return signatures


def brute_force(
    known: dict[str, tuple[str, np.ndarray]], language: str, signature: np.ndarray
) -> dict[str, int]:
    """Known id -> bands shared with ``signature`` (same band, same three values), same language."""
    rows = signature.reshape(-1)[: BANDS * 3].reshape(BANDS, 3)
    shared = {}
    for doc_id, (lang, other) in known.items():
        count = int(np.all(rows == other[: BANDS * 3].reshape(BANDS, 3), axis=1).sum())
        if lang == language and count:
            shared[doc_id] = count
    return shared


@pytest.mark.parametrize("seed", range(5))
def test_candidates_are_the_known_documents_sharing_a_band_in_the_same_language(monkeypatch, seed):
    monkeypatch.setattr(band_index, "_MERGE_MIN", 40)  # merges happen between the batches below
    monkeypatch.setattr(band_index, "_COMPACT_MIN", 5)  # and the rows of rewritten pages are dropped
    monkeypatch.setattr(band_index, "_COMPACT_SHARE", 20)
    rng = np.random.default_rng(seed)
    signatures = signatures_with_copies(rng, 500)
    ids = [f"d{n % 330}" for n in range(400)]  # the last 70 write pages again, with new content
    languages = [LANGUAGES[int(rng.random() < 0.2)] for _ in range(500)]
    index, known = BandIndex(), {}
    for start in range(0, 400, 40):
        stop = start + 40
        index.add(ids[start:stop], languages[start:stop], signatures[start:stop], [50] * 40)
        known.update({ids[n]: (languages[n], signatures[n]) for n in range(start, stop)})
    queries = signatures[400:]
    found = index.candidates(languages[400:], queries, limit=1000).per_document(len(queries))
    for n, pairs in enumerate(found):
        expected = brute_force(known, languages[400 + n], queries[n])
        assert {doc_id for doc_id, _, _ in pairs} == set(expected)
        for doc_id, size, share in pairs:
            assert size == 50
            assert share == pytest.approx(np.mean(known[doc_id][1] == queries[n]))
    assert sum(map(len, found)) > 50  # copies were found, not just empty answers
    assert len(index) == 330
    assert index._used < 400  # rows of rewritten pages were dropped


def test_the_documents_sharing_the_most_bands_come_first_then_the_newest():
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64).astype(np.uint32)
    signatures = np.tile(base, (4, 1))
    signatures[0, 3:] = 0  # shares one band with base
    signatures[1, 30:] = 0  # ten bands
    signatures[2, 30:] = 1  # ten bands, newer
    signatures[3, 60:] = 0  # twenty bands
    index = BandIndex()
    index.add(["one", "ten", "ten-newer", "twenty"], ["zh"] * 4, signatures, [40] * 4)
    [pairs] = index.candidates(["zh"], base[None, :], limit=3).per_document(1)
    assert [doc_id for doc_id, _, _ in pairs] == ["twenty", "ten-newer", "ten"]


def test_a_page_written_again_is_found_by_its_new_content_only(monkeypatch):
    monkeypatch.setattr(band_index, "_MERGE_MIN", 1)
    rng = np.random.default_rng(3)
    old, new = rng.integers(0, 2**32, size=(2, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    index = BandIndex()
    index.add(["page"], ["zh"], old[None, :], [40])
    index.add(["page"], ["zh"], new[None, :], [41])
    assert index.candidates(["zh"], old[None, :], limit=5).ids == []
    assert index.candidates(["zh"], new[None, :], limit=5).ids == ["page"]
    assert len(index) == 1


def test_a_band_shared_by_very_many_documents_yields_its_newest_ones(monkeypatch):
    monkeypatch.setattr(band_index, "HOT_KEY_LIMIT", 5)
    signature = np.arange(NUM_PERM, dtype=np.uint32)
    index = BandIndex()
    index.add([f"d{n}" for n in range(12)], ["en"] * 12, np.tile(signature, (12, 1)), [30] * 12)
    found = index.candidates(["en"], signature[None, :], limit=20)
    assert set(found.ids) == {f"d{n}" for n in range(7, 12)}


def test_empty_pages_are_not_kept_and_an_empty_index_finds_nothing():
    index = BandIndex()
    signature = np.zeros((1, NUM_PERM), dtype=np.uint32)
    assert index.candidates(["zh"], signature, limit=5).ids == []
    index.add(["empty"], ["zh"], signature, [0])
    assert len(index) == 0


def test_band_keys_agree_with_the_band_hashes_stored_in_the_index():
    rng = np.random.default_rng(11)
    signatures = signatures_with_copies(rng, 60)
    keys = band_keys(signatures)
    sketches = [Sketch("zh", s, 10, s[:64], {}, False) for s in signatures]
    bands = [s.bands() for s in sketches]
    for a in range(60):
        for b in range(a):
            same_hash = [x == y for x, y in zip(bands[a], bands[b], strict=True)]
            assert same_hash == list(keys[a] == keys[b])


def test_an_older_copy_sharing_rare_bands_outranks_newer_pages_sharing_only_common_ones(monkeypatch):
    monkeypatch.setattr(band_index, "HOT_KEY_LIMIT", 5)
    rng = np.random.default_rng(5)
    query, *others = rng.integers(0, 2**32, size=(22, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    original = others[0].copy()
    original[: 13 * 3] = query[: 13 * 3]  # ten boilerplate bands and three of its own
    siblings = np.array(others[1:])
    siblings[:, : 10 * 3] = query[: 10 * 3]  # the boilerplate bands only, in 20 newer pages
    index = BandIndex()
    index.add(["original"], ["zh"], original[None, :], [60])
    index.add([f"sibling{n}" for n in range(20)], ["zh"] * 20, siblings, [60] * 20)
    found = index.candidates(["zh"], query[None, :], limit=3)
    assert found.ids[0] == "original"
    assert len(found.ids) == 3  # pages that share only the boilerplate are still candidates
