"""Are two sketches copies of one document? The exact rule shared by the index and the CLI.

Two pages are one document when they are in the same language, both drafts or both not, the
shorter one's shingles are mostly inside the longer one's (containment, so a copy that keeps only
the first half counts), the shorter is not a small part of the longer (a news article that quotes
one paragraph is not a copy), and the clauses they share do not disagree on their numbers (two
calls for applications from one bureau in two years share their wording, not their years, amounts
and dates). Unless they are near-identical, the pages must also open alike: the opening (title,
addressees, purpose) is what tells a notice from its siblings, whose shared boilerplate sits in the
closing blocks; a copy that keeps the first half opens like the original, an article that quotes the
notice after its own lead does not.
"""

from __future__ import annotations

import numpy as np

from indexer.clusters.sketch import Sketch

MIN_CONTAINMENT = 0.6  # estimated share of the shorter page's shingles found in the longer one
MIN_SIZE_RATIO = 0.3  # the shorter page has at least this share of the longer one's shingles
MAX_CHANGED_CLAUSES = 0  # a shared clause whose numbers differ: another notice (or an amendment)
CLOSE_JACCARD = 0.8  # below this similarity the two pages must also open alike
MIN_HEAD_JACCARD = 0.2
SMALL = 12  # pages with fewer shingles than this must be near-identical
SMALL_JACCARD = 0.9


def jaccard(a: Sketch, b: Sketch) -> float:
    """The MinHash estimate of the Jaccard similarity of the two shingle sets."""
    if not a.size or not b.size:
        return 0.0
    return signature_jaccard(a.signature, b.signature)


def signature_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The share of two MinHash signatures' values that agree."""
    return float(np.count_nonzero(a == b)) / len(a)


def head_jaccard(a: Sketch, b: Sketch) -> float:
    """The MinHash estimate of the Jaccard similarity of the two pages' openings."""
    return float(np.count_nonzero(a.head == b.head)) / len(a.head)


def containment(a: Sketch, b: Sketch) -> float:
    """The estimated share of the smaller shingle set that is in the larger one."""
    return _containment(jaccard(a, b), a.size, b.size)


def _containment(j: float, size_a: int, size_b: int) -> float:
    small, large = sorted((size_a, size_b))
    if not small:
        return 0.0
    return min(1.0, j * (small + large) / ((1.0 + j) * small))


def could_be_same(a: Sketch, j: float, size: int) -> bool:
    """Whether a page of ``size`` shingles whose signature agrees with ``a``'s on a share ``j`` can
    pass ``same_document`` with it: the checks of ``similarity`` that need only the signature and
    size (so a candidate that fails them need not be read whole)."""
    if not a.size or not size:
        return False
    small, large = sorted((a.size, size))
    if small < SMALL:
        return j >= SMALL_JACCARD
    return small / large >= MIN_SIZE_RATIO and _containment(j, a.size, size) >= MIN_CONTAINMENT


def changed_clauses(a: Sketch, b: Sketch) -> int:
    """Clauses worded alike in both pages whose numbers differ."""
    return sum(1 for key, numbers in a.clauses.items() if key in b.clauses and b.clauses[key] != numbers)


def titles_disagree(a: Sketch, b: Sketch) -> bool:
    """Both titles carry numbers and not the same ones: notice 12 is not notice 14 (nor notice 1 of
    another year), and a 2024 call is not the 2025 one. A repost keeps its title's numbers."""
    mine, theirs = set(a.title_numbers), set(b.title_numbers)
    return bool(mine and theirs) and mine != theirs


def similarity(a: Sketch, b: Sketch) -> float:
    """How much of a copy ``b`` is of ``a`` (0 when any rule says they are different documents)."""
    if a.language != b.language or a.draft != b.draft or not a.size or not b.size:
        return 0.0
    if titles_disagree(a, b):
        return 0.0
    small, large = sorted((a.size, b.size))
    if small < SMALL:
        return j if (j := jaccard(a, b)) >= SMALL_JACCARD else 0.0
    if small / large < MIN_SIZE_RATIO or changed_clauses(a, b) > MAX_CHANGED_CLAUSES:
        return 0.0
    if jaccard(a, b) < CLOSE_JACCARD and head_jaccard(a, b) < MIN_HEAD_JACCARD:
        return 0.0  # the shorter page is inside the longer one, but not as its opening: a quotation
    score = containment(a, b)
    return score if score >= MIN_CONTAINMENT else 0.0


def same_document(a: Sketch, b: Sketch) -> bool:
    """True when ``a`` and ``b`` are copies of one document (symmetric)."""
    return similarity(a, b) > 0.0
