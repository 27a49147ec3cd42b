"""A document's similarity sketch: MinHash over shingles of its normalised text, LSH band hashes, and
the small facts the verification needs (numbers in context, draft marker).

Shingles are character 3-grams for Chinese (letters and digits only, so punctuation and spacing do
not count) and word 3-grams for other languages, each hashed with CRC-32 (fast, and as good as a
cryptographic hash here: datasketch's random affine permutations are applied on top). The signature
has 128 permutations (fixed seed);
42 bands of 3 rows make a pair with Jaccard similarity s a candidate with probability
1 - (1 - s^3)^42: 0.5 at s = 0.25, 0.94 at 0.4, 0.996 at 0.5. A copy that keeps only the first half of
a notice has s of about 0.5 with it (containment 1), a synonym-spun copy 0.4 to 0.6, so both are found;
unrelated notices that share a template (s of 0.1 to 0.3) are often found too and are turned down by
``verify``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash

from indexer.clusters.normalize import compact, content_lines, words

NUM_PERM = 128
SEED = 1
BANDS = 42
ROWS = 3
CHAR_SHINGLE = 3
WORD_SHINGLE = 3
HEAD_PERM = 64
HEAD_SHINGLES = 150  # the opening of a page: a copy that keeps the first half starts like the original
MAX_CLAUSES = 300
# Numbers kept per clause: a clause is a doc value, which the engine refuses over 32,766 bytes (a long
# table of amounts all worded alike would otherwise make one, and its document could not be written).
MAX_CLAUSE_NUMBERS = 200
MAX_CLAUSE_CHARS = 4000
MIN_CONTEXT = 4  # letters around a clause's numbers before it can be compared with another's

_CLAUSE_END = re.compile(r"[。！？；;!?\n]|\.\s")
_DIGITS = re.compile(r"\d+")
# A number in a clause with the Chinese magnitude after it: 300万 and 1亿 are two values of one
# clause ("最高#元"), not two differently worded clauses.
_AMOUNT = re.compile(r"\d+[十百千万亿萬億]*")
_DRAFT_ANYWHERE = re.compile(r"征求意见稿|送审稿|意见征求稿|exposure draft|draft for (?:public )?comments?")
_DRAFT_IN_TITLE = re.compile(r"征求意见稿|送审稿|草案|讨论稿|征求.{0,40}意见|\bdraft\b")
_TITLE_LINES = 2


@dataclass(frozen=True)
class Sketch:
    """What the clustering knows of one document."""

    language: str
    signature: np.ndarray  # NUM_PERM uint32 min-hashes
    size: int  # distinct shingles
    head: np.ndarray  # HEAD_PERM min-hashes of the first HEAD_SHINGLES shingles
    clauses: dict[str, str]  # hashed clause context with its numbers as '#' -> the numbers, "2024,5,31"
    draft: bool
    title_numbers: tuple[str, ...] = ()  # the numbers of the title line (a 文号, a year, "notice 12")

    def bands(self) -> list[str]:
        """The LSH band hashes, ``"b{band}:{hash}"``: documents sharing one are candidates."""
        return list(self._band_hashes)

    @functools.cached_property
    def _band_hashes(self) -> tuple[str, ...]:
        """Worked out once per sketch: a batch asks for them at each step (candidates, fields, settle)."""
        if not self.size:
            return ()
        rows = self.signature.astype("<u4")
        return tuple(f"b{band}:{_band_hash(rows[band * ROWS : (band + 1) * ROWS])}" for band in range(BANDS))

    def to_fields(self) -> dict[str, Any]:
        """The sketch as index fields: ``lsh_bands`` is searched; ``repost_sketch`` is kept in doc
        values only, so that candidates are read without loading their whole ``_source``."""
        return {
            "lsh_bands": self.bands(),
            SKETCH_FIELD: {
                "signature": base64.b64encode(self.signature.astype("<u4").tobytes()).decode(),
                "size": self.size,
                "head": base64.b64encode(self.head.astype("<u4").tobytes()).decode(),
                "clauses": [f"{key}={numbers}" for key, numbers in self.clauses.items()],
                "draft": self.draft,
                "title_numbers": list(self.title_numbers),
            },
        }

    @classmethod
    def from_fields(cls, language: str, stored: dict[str, Any]) -> Sketch:
        """The sketch of an indexed document (the inverse of ``to_fields``)."""
        clauses = dict(item.split("=", 1) for item in stored.get("clauses") or [])
        signature, head = unpack_hashes(stored["signature"]), unpack_hashes(stored["head"])
        return cls(
            language,
            signature,
            int(stored["size"]),
            head,
            clauses,
            bool(stored.get("draft")),
            tuple(stored.get("title_numbers") or ()),
        )

    @classmethod
    def from_doc_values(cls, language: str, fields: dict[str, list[Any]]) -> Sketch:
        """The sketch of a search hit read with ``docvalue_fields=SKETCH_DOC_VALUES`` (doc values come
        back as lists; binary ones as base64 without padding)."""
        prefix = SKETCH_FIELD + "."
        stored = {name[len(prefix) :]: values for name, values in fields.items() if name.startswith(prefix)}
        return cls.from_fields(
            language,
            {
                "signature": stored["signature"][0],
                "head": stored["head"][0],
                "size": stored["size"][0],
                "clauses": stored.get("clauses") or [],
                "draft": (stored.get("draft") or [False])[0],
                "title_numbers": sorted(stored.get("title_numbers") or []),
            },
        )


SKETCH_FIELD = "repost_sketch"
SKETCH_DOC_VALUES = [
    f"{SKETCH_FIELD}.{name}" for name in ("signature", "head", "size", "clauses", "draft", "title_numbers")
]


def unpack_hashes(packed: str) -> np.ndarray:
    """MinHash values stored as base64 (a signature or a head), as ``to_fields`` packs them."""
    padded = packed + "=" * (-len(packed) % 4)  # doc values drop base64 padding
    return np.frombuffer(base64.b64decode(padded), dtype="<u4").astype(np.uint32)


def _band_hash(rows: np.ndarray) -> str:
    return hashlib.blake2b(rows.tobytes(), digest_size=8).hexdigest()


def sketch_text(text: str, language: str) -> Sketch:
    """The sketch of a page's text (title first, then the body) in ``language`` (``zh``, ``en``...)."""
    lines = content_lines(text)
    shingles = list(dict.fromkeys(_shingles(lines, language)))  # distinct, in reading order
    signature = _minhash(shingles, NUM_PERM)
    head = _minhash(shingles[:HEAD_SHINGLES], HEAD_PERM)
    title_numbers = tuple(sorted(set(_DIGITS.findall(compact(lines[0]))))) if lines else ()
    return Sketch(
        language, signature, len(shingles), head, numeric_clauses(lines), _is_draft(lines), title_numbers
    )


@functools.cache
def _template(num_perm: int) -> MinHash:
    """An empty MinHash for ``num_perm`` and ``SEED``, made once: each sketch reuses its permutations
    and scheme (making permutations costs about as much as hashing a short page)."""
    return MinHash(num_perm=num_perm, seed=SEED)


def _minhash(shingles: list[str], num_perm: int) -> np.ndarray:
    template = _template(num_perm)
    minhash = MinHash(
        num_perm=num_perm,
        seed=SEED,
        hashfunc=zlib.crc32,
        permutations=template.permutations,
        scheme=template.scheme,
    )
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def _shingles(lines: list[str], language: str) -> list[str]:
    if language == "zh":
        joined = "".join(compact(line) for line in lines)
        return _ngrams(list(joined), CHAR_SHINGLE, "")
    tokens = [w for line in lines for w in words(line)]
    return _ngrams(tokens, WORD_SHINGLE, " ")


def _ngrams(tokens: list[str], n: int, glue: str) -> list[str]:
    if len(tokens) < n:
        return [glue.join(tokens)] if tokens else []
    return [glue.join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def numeric_clauses(lines: list[str]) -> dict[str, str]:
    """Each clause that holds numbers, keyed by its wording with the numbers blanked out.

    Two calls for applications from one bureau in two years share the wording of most clauses and
    differ in their numbers (year, amounts, deadline); a repost keeps the numbers.
    """
    grouped: dict[str, list[str]] = defaultdict(list)
    for clause in _CLAUSE_END.split("\n".join(lines)):
        letters = compact(clause)
        numbers = _AMOUNT.findall(letters)
        context = _AMOUNT.sub("#", letters)
        if numbers and len(context) - context.count("#") >= MIN_CONTEXT:
            grouped[hashlib.blake2b(context.encode(), digest_size=6).hexdigest()].extend(numbers)
    items = sorted(grouped.items())[:MAX_CLAUSES]
    return {key: ",".join(sorted(numbers)[:MAX_CLAUSE_NUMBERS])[:MAX_CLAUSE_CHARS] for key, numbers in items}


def _is_draft(lines: list[str]) -> bool:
    """A draft for comment (征求意见稿): marked in its title or lead, or so called anywhere."""
    head = " ".join(lines[:_TITLE_LINES])
    return bool(_DRAFT_IN_TITLE.search(head) or _DRAFT_ANYWHERE.search(" ".join(lines)))
