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


class Gazetteer(Generic[T]):
    """Maps surface forms to entries. Latin forms match whole words and case-sensitively
    (so "Nanjing" matches, "nanjing road" style lower-case prose does not); Han forms match anywhere."""

    def __init__(self, forms: Iterable[tuple[str, T]]) -> None:
        self._entries: dict[str, T] = {}
        for form, entry in forms:
            form = form.strip()
            if form:
                self._entries.setdefault(form, entry)
        ordered = sorted(self._entries, key=len, reverse=True)
        han = [re.escape(f) for f in ordered if _HAN.search(f)]
        latin = [re.escape(f) for f in ordered if not _HAN.search(f)]
        parts = []
        if latin:
            parts.append(rf"(?<![\w&-])(?:{'|'.join(latin)})(?![\w&])")
        if han:
            parts.append(f"(?:{'|'.join(han)})")
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
