"""Index versions behind the alias: create the first, create the next, swap the alias atomically.

Safe with several processes: creating an index that another process just created is not an error.
"""

from __future__ import annotations

import re

from indexer.engine import Engine, EngineError
from indexer.mapping import INDEX_BODY, MAPPING_VERSION, IndexLayout, index_body, versioned_index


def ensure_index(
    engine: Engine, alias: str, version: int = MAPPING_VERSION, layout: IndexLayout | None = None
) -> str:
    """Make sure ``alias`` points at an index; create ``alias-v<version>`` if none exists yet.

    Returns the index the alias points at (an existing one is kept: reprocess swaps versions).
    Fields declared since that index was made are added to its mapping (additions only; changing
    a field's type takes a new version through ``reprocess``). With a ``layout``, an existing
    index gets its replica count (shards are fixed once an index is made).
    """
    targets = engine.alias_targets(alias)
    if targets:
        for index in targets:
            engine.add_fields(index, INDEX_BODY["mappings"]["properties"])
            if layout is not None:
                engine.update_settings(index, {"index": {"number_of_replicas": layout.replicas}})
        return targets[0]
    index = create_version(engine, alias, version, layout or IndexLayout())
    engine.update_aliases([{"add": {"index": index, "alias": alias}}])
    return index


def create_version(engine: Engine, alias: str, version: int, layout: IndexLayout | None = None) -> str:
    """Create ``alias-v<version>`` with the declared mapping (no-op if it already exists)."""
    index = versioned_index(alias, version)
    if not engine.index_exists(index):
        try:
            engine.create_index(index, index_body(layout or IndexLayout()))
        except EngineError:  # another process may have created it meanwhile
            if not engine.index_exists(index):
                raise
    return index


def existing_versions(engine: Engine, alias: str) -> list[int]:
    """Version numbers of the ``alias-v<N>`` indices that exist, ascending."""
    pattern = re.compile(rf"^{re.escape(alias)}-v(\d+)$")
    names = engine.list_indices(f"{alias}-v*")
    return sorted(int(m[1]) for name in names if (m := pattern.match(name)))


def create_next_version(engine: Engine, alias: str, layout: IndexLayout | None = None) -> str:
    """Create the index one version above every existing one; the alias is not touched."""
    versions = existing_versions(engine, alias)
    return create_version(engine, alias, (versions[-1] + 1) if versions else MAPPING_VERSION, layout)


def swap_alias(engine: Engine, alias: str, index: str) -> list[str]:
    """Point ``alias`` at ``index`` alone, in one atomic request; return the indices it left."""
    if not engine.index_exists(index):
        raise ValueError(f"index {index!r} does not exist")
    previous = [name for name in engine.alias_targets(alias) if name != index]
    actions = [{"remove": {"index": name, "alias": alias}} for name in previous]
    engine.update_aliases([*actions, {"add": {"index": index, "alias": alias}}])
    return previous
