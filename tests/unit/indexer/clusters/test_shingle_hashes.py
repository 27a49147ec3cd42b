"""Shingles hashed with arrays give the very signatures of hashing each shingle with ``zlib.crc32``
(what was indexed before stays comparable), on the dev-set notices and on awkward text."""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from indexer.clusters import sketch as sketch_module
from indexer.clusters.normalize import content_lines
from indexer.clusters.sketch import HEAD_PERM, HEAD_SHINGLES, NUM_PERM, SEED, _shingles, sketch_text

DEVSET = Path(__file__).resolve().parents[4] / "processors" / "eval" / "devset"


@pytest.fixture(autouse=True, params=["arrays", "one by one"])
def hashing(request, monkeypatch):
    """Every test runs with Chinese shingles hashed with arrays, then one by one."""
    monkeypatch.setattr(sketch_module, "ARRAY_HASHING_CHARS", 0 if request.param == "arrays" else 10**9)


def reference_minhash(shingles: list[str], num_perm: int) -> np.ndarray:
    """MinHash of the shingles hashed one by one, as datasketch does with ``hashfunc=zlib.crc32``."""
    minhash = MinHash(num_perm=num_perm, seed=SEED, hashfunc=zlib.crc32)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def assert_same_as_reference(text: str, language: str) -> None:
    shingles = list(dict.fromkeys(_shingles(content_lines(text), language)))
    sketch = sketch_text(text, language)
    assert sketch.size == len(shingles)
    assert np.array_equal(sketch.signature, reference_minhash(shingles, NUM_PERM))
    assert np.array_equal(sketch.head, reference_minhash(shingles[:HEAD_SHINGLES], HEAD_PERM))


def test_dev_set_notices_sketch_as_with_one_crc_per_shingle():
    texts = sorted(DEVSET.glob("*.txt"))
    assert len(texts) > 50
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert_same_as_reference(text, "zh" if any("\u4e00" <= c <= "\u9fff" for c in text[:400]) else "en")


@pytest.mark.parametrize("seed", range(20))
def test_text_mixing_scripts_widths_and_emoji_sketches_as_with_one_crc_per_shingle(seed):
    rng = random.Random(seed)
    alphabet = "补贴算力模型万亿元abcXYZ0123é中𠀀😀，。 \n"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400)))
    assert_same_as_reference(text, "zh")


@pytest.mark.parametrize("text", ["", "补", "补贴", "补贴算", "补贴补贴补贴", "ab"])
def test_short_pages_sketch_as_with_one_crc_per_shingle(text):
    assert_same_as_reference(text, "zh")


def test_a_page_longer_than_one_minhash_chunk_sketches_as_with_one_crc_per_shingle():
    text = "".join(path.read_text(encoding="utf-8") for path in sorted(DEVSET.glob("0*.txt"))[:12])
    assert len(set(_shingles(content_lines(text), "zh"))) > 2 * sketch_module._MINHASH_CHUNK
    assert_same_as_reference(text, "zh")
