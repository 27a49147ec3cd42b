"""One issuing body found in a text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IssuerHit:
    text: str
    start: int
    end: int
    canonical: str
