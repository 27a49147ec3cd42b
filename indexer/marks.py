"""A stored document's title and text cut into segments, the entities marked by their offsets.

The extractors' offsets (``start``, ``end``) index into the analysed text, ``title + "\\n\\n" + text``
(docs/contracts.md), counted in code points. Cutting here, on the server, keeps that counting
(a browser counts UTF-16 units) and drops any span that does not fit: one whose offsets fall outside
the text, cross the title/text boundary, or no longer cover the entity's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Entity field of the record -> the kind a segment is marked with.
ENTITY_KINDS = {
    "money": "money",
    "percent": "percent",
    "places": "place",
    "companies": "company",
    "organizations": "organization",
    "people": "person",
    "dates": "date",
}


@dataclass(frozen=True)
class Mark:
    kind: str
    start: int
    end: int
    text: str
    canonical: str | None = None
    subsidy: bool = False


def analysed_text(title: str, text: str) -> str:
    """What the entity offsets index into (processors.enrich.analysis_text)."""
    return f"{title}\n\n{text}" if title else text


def marks_of(entities: dict[str, Any], facts: dict[str, Any]) -> list[Mark]:
    """Every entity and issuer of a stored document that carries offsets."""
    found = [
        _mark(kind, item)
        for field, kind in ENTITY_KINDS.items()
        for item in entities.get(field) or []
        if isinstance(item, dict)
    ]
    found += [_mark("issuer", item) for item in facts.get("issuers") or [] if isinstance(item, dict)]
    return [m for m in found if m is not None]


def _mark(kind: str, item: dict[str, Any]) -> Mark | None:
    start, end, text = item.get("start"), item.get("end"), item.get("text")
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(text, str)):
        return None
    return Mark(kind, start, end, text, item.get("canonical"), bool(item.get("is_subsidy")))


def segments(analysed: str, marks: list[Mark], begin: int, end: int) -> list[dict[str, Any]]:
    """``analysed[begin:end]`` as ``[{"text", "kind", "canonical", "subsidy"}]``: plain runs have kind
    None. Overlapping marks: the earlier wins, then the longer."""
    kept = _fitting(analysed, marks, begin, end)
    out: list[dict[str, Any]] = []
    at = begin
    for mark in kept:
        if mark.start > at:
            out.append(_plain(analysed[at : mark.start]))
        out.append(
            {"text": mark.text, "kind": mark.kind, "canonical": mark.canonical, "subsidy": mark.subsidy}
        )
        at = mark.end
    if at < end:
        out.append(_plain(analysed[at:end]))
    return out


def _fitting(analysed: str, marks: list[Mark], begin: int, end: int) -> list[Mark]:
    ordered = sorted(marks, key=lambda m: (m.start, m.start - m.end))
    kept: list[Mark] = []
    reached = begin
    for mark in ordered:
        inside = reached <= mark.start < mark.end <= end
        if inside and analysed[mark.start : mark.end] == mark.text:
            kept.append(mark)
            reached = mark.end
    return kept


def _plain(text: str) -> dict[str, Any]:
    return {"text": text, "kind": None, "canonical": None, "subsidy": False}


def title_and_text_segments(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The segments of a stored document's title and of its text."""
    title, text = doc.get("title") or "", doc.get("text") or ""
    analysed = analysed_text(title, text)
    marks = marks_of(doc.get("entities") or {}, doc.get("facts") or {})
    body_start = len(analysed) - len(text)
    return segments(analysed, marks, 0, len(title)), segments(analysed, marks, body_start, len(analysed))
