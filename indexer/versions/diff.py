"""The diff stored with a version: its fact changes (with their sentences) and its text diff."""

from __future__ import annotations

from typing import Any

from indexer.versions.facts import fact_changes
from indexer.versions.text import text_diff


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from document ``old`` to document ``new``: ``changes`` (field, kind, role, old,
    new, sentence), ``summary`` (the sentences alone), and the text diff with its counts."""
    changes = [change.as_dict() for change in fact_changes(old, new)]
    text = text_diff(old.get("text") or "", new.get("text") or "")
    return {
        "changes": changes,
        "summary": [change["sentence"] for change in changes],
        "text": text.text,
        "sentences_added": text.added,
        "sentences_removed": text.removed,
        "text_truncated": text.truncated,
    }
