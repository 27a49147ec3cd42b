"""Create the versioned index and point the alias at it, once, safely from several processes."""

from __future__ import annotations

from indexer.engine import Engine
from indexer.mapping import INDEX_BODY, MAPPING_VERSION, versioned_index


def ensure_index(engine: Engine, alias: str, version: int = MAPPING_VERSION) -> str:
    """Make sure ``alias`` points at an index; create ``alias-v<version>`` if none exists yet.

    Returns the index the alias points at (an existing one is kept: reprocess swaps versions).
    """
    targets = engine.alias_targets(alias)
    if targets:
        return targets[0]
    index = versioned_index(alias, version)
    if not engine.index_exists(index):
        try:
            engine.create_index(index, INDEX_BODY)
        except Exception as exc:
            if not engine.index_exists(index):
                raise exc
    engine.update_aliases([{"add": {"index": index, "alias": alias}}])
    return index
