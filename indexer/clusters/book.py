"""Clusters kept in memory: the files of ``policyradar similar`` and the documents of one batch.

Each new member joins every earlier cluster it is a copy of (found through shared LSH bands and
checked with ``verify``); when it copies members of several clusters, they merge. A cluster is
named after the smallest of the names it merged under ``order`` (for files: the first file; in
the index: the smallest cluster id, the rule every indexer copy applies the same way).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from indexer.clusters.sketch import Sketch
from indexer.clusters.verify import same_document


class ClusterBook:
    def __init__(self, order: Callable[[str], Any] = lambda name: name) -> None:
        self.order = order
        self._sketches: dict[str, Sketch] = {}
        self._by_band: dict[str, list[str]] = defaultdict(list)
        self._parent: dict[str, str] = {}

    def copies_of(self, sketch: Sketch) -> list[str]:
        """The members already in the book that ``sketch`` is a copy of."""
        seen: dict[str, None] = {}
        for band in sketch.bands():
            for key in self._by_band.get(band, ()):
                seen.setdefault(key)
        return [key for key in seen if same_document(sketch, self._sketches[key])]

    def add(self, key: str, sketch: Sketch, linked: Iterable[str] = ()) -> str:
        """Add member ``key``; ``linked`` names clusters found elsewhere that it copies.
        Returns the cluster it joined (its own key when it copies nothing)."""
        clusters = {self._find(name) for name in [*self.copies_of(sketch), *linked]}
        target = min(clusters, key=self.order) if clusters else key
        for cluster in clusters:
            self._parent[cluster] = target
        self._parent[key] = target
        self._parent.setdefault(target, target)
        self._sketches[key] = sketch
        for band in sketch.bands():
            self._by_band[band].append(key)
        return target

    def cluster_of(self, key: str) -> str:
        return self._find(key)

    def _find(self, name: str) -> str:
        root = name
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while name != root:  # path compression
            self._parent[name], name = root, self._parent[name]
        return root


def merge_plan(groups: Iterable[set[str]]) -> dict[str, str]:
    """Cluster id -> the cluster it moves into, when each group's clusters become one (named by
    the smallest id). Clusters that keep their id are not listed."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while name in parent:
            name = parent[name]
        return name

    for group in groups:
        roots = {root(name) for name in group}
        target = min(roots)
        parent.update({name: target for name in roots if name != target})
    return {name: root(name) for name in parent}
