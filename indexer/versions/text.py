"""A readable text diff between two versions: sentences (Chinese 。！？；, English . ! ?, lines) compared
with ``difflib`` and shown as a unified diff, capped so a rewritten page cannot make a huge answer."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_LINES = 200
MAX_CHARS = 20_000
CONTEXT_SENTENCES = 1
_SENTENCE_END = re.compile(r"(?<=[。！？；])|(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class TextDiff:
    text: str  # the unified diff, "" when the sentences are the same
    added: int  # sentences only in the new version
    removed: int  # sentences only in the old version
    truncated: bool  # lines were left out to keep within the caps


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace collapsed, empty ones dropped."""
    parts = (" ".join(part.split()) for part in _SENTENCE_END.split(text or ""))
    return [part for part in parts if part]


def text_diff(old: str, new: str, max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> TextDiff:
    """The sentence-level unified diff from ``old`` to ``new`` (``-`` removed, ``+`` added, one
    sentence of context), at most ``max_lines`` lines and ``max_chars`` characters."""
    before, after = sentences(old), sentences(new)
    lines = list(
        difflib.unified_diff(
            before, after, "previous version", "this version", n=CONTEXT_SENTENCES, lineterm=""
        )
    )
    body = lines[2:]  # the two file-name lines say nothing here
    added = sum(1 for line in body if line.startswith("+"))
    removed = sum(1 for line in body if line.startswith("-"))
    kept: list[str] = []
    size = 0
    for line in body:
        if len(kept) == max_lines or size + len(line) + 1 > max_chars:
            break
        kept.append(line)
        size += len(line) + 1
    truncated = len(kept) < len(body)
    if truncated:
        kept.append(f"… {len(body) - len(kept)} more line(s) not shown")
    return TextDiff("\n".join(kept), added, removed, truncated)
