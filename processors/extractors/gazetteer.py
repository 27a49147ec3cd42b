"""Longest-match lookup of known names (places, companies) in English and Chinese text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Hit(Generic[T]):
    text: str
    start: int
    end: int
    entry: T


def trie_pattern(forms: Iterable[str]) -> str:
    """One regular expression for many literal forms, their common prefixes shared, that prefers
    the longest form at each position. A flat alternation of thousands of names is tried name by
    name at every character of the text; the prefix tree is tried character by character."""
    trie: dict = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return f"(?:{_node_pattern(trie)})"


def _node_pattern(node: dict) -> str:
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body


class Gazetteer(Generic[T]):
    """Maps surface forms to entries. Latin forms match whole words and case-sensitively
    (so "Nanjing" matches, "nanjing road" style lower-case prose does not); Han forms match anywhere."""

    def __init__(self, forms: Iterable[tuple[str, T]]) -> None:
        self._entries: dict[str, T] = {}
        for form, entry in forms:
            form = form.strip()
            if form:
                self._entries.setdefault(form, entry)
        han = [f for f in self._entries if _HAN.search(f)]
        latin = [f for f in self._entries if not _HAN.search(f)]
        parts = []
        if latin:
            parts.append(rf"(?<![\w&-]){trie_pattern(latin)}(?![\w&])")
        if han:
            parts.append(trie_pattern(han))
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, form: str) -> bool:
        return form in self._entries

    def get(self, form: str) -> T | None:
        return self._entries.get(form)

    def find(self, text: str) -> Iterator[Hit[T]]:
        """Non-overlapping hits, leftmost first, longest form at each position."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            yield Hit(match[0], match.start(), match.end(), self._entries[match[0]])
