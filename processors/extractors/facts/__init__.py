"""Policy facts of one text: its kind, its issuing bodies, its 文号 and its application window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from processors.extractors.facts.dates import LooseDate, document_year
from processors.extractors.facts.deadline import find_window
from processors.extractors.facts.doc_number import find_doc_number
from processors.extractors.facts.doc_type import classify_doc_type
from processors.extractors.facts.issuers import IssuerHit, find_issuers


@dataclass(frozen=True)
class TextFacts:
    """The facts as the text gives them; a date without a year keeps ``year`` None, for the caller
    to complete from what it knows beyond the text (the record's published date)."""

    doc_type: str
    issuers: list[IssuerHit]
    doc_number: str | None
    deadline: LooseDate | None
    apply_from: LooseDate | None


def find_facts(text: str, lang: str, company_starts: Sequence[int] = ()) -> TextFacts:
    """The facts of ``text``; ``company_starts`` are where the company names found in it begin."""
    doc_number = find_doc_number(text, lang)
    window = find_window(text, lang, document_year(text, doc_number))
    return TextFacts(
        doc_type=classify_doc_type(text, lang),
        issuers=find_issuers(text, lang, company_starts),
        doc_number=doc_number,
        deadline=window.deadline if window else None,
        apply_from=window.apply_from if window else None,
    )
