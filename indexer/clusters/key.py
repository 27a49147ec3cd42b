"""A number for each cluster id, which searches count clusters by.

Counting the distinct values of a keyword field looks up each value's bytes in every bucket it is
counted in; counting a number hashes it directly. Searches count clusters once overall and once per
facet value shown, so this is most of what a search costs on a large index: at 200,000 documents
``bench/bench_search.py``'s searches took p95 404 ms counting ``cluster_id`` and 123 ms counting
``cluster_key``. Documents written before the key existed lack it, and are counted by ``cluster_id``
(``indexer.search``).
"""

from __future__ import annotations

import hashlib
from typing import Any

CLUSTER_ID_FIELD = "cluster_id"
CLUSTER_KEY_FIELD = "cluster_key"


def cluster_key(cluster_id: str) -> int:
    """A non-negative 63-bit number for ``cluster_id`` (a hash: two ids share one with odds of about
    one in 10^18)."""
    digest = hashlib.blake2b(cluster_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def set_cluster(source: dict[str, Any], cluster_id: str) -> None:
    """Put a document (its source, before it is written) in cluster ``cluster_id``."""
    source[CLUSTER_ID_FIELD] = cluster_id
    source[CLUSTER_KEY_FIELD] = cluster_key(cluster_id)
