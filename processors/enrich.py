"""The pure transform of the process stage: a raw record in, an enriched record out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from spacy.tokens import Doc

from policyradar.rates import DEFAULT_RATES_TO_CNY, to_cny
from policyradar.schemas import (
    ENTITY_FIELDS,
    EnrichedRecord,
    Entities,
    PolicyFacts,
    RawRecord,
    dump_record,
)
from processors import EXTRACTOR_VERSION
from processors.extractors.facts.dates import LooseDate
from processors.extractors.facts.deadline import Window, with_year
from processors.lang import detect_language
from processors.options import DEFAULT_OPTIONS, ExtractionOptions
from processors.pipeline import build_nlp


def analysis_text(title: str, text: str) -> str:
    """What the extractors read; entity offsets index into this string."""
    return f"{title}\n\n{text}" if title else text


def pick_language(declared: str, text: str) -> str:
    """The source's declared language when it is en or zh, else detected from the text."""
    return declared if declared in ("en", "zh") else detect_language(text)


def entities_from_doc(doc: Doc, rates: Mapping[str, float] = DEFAULT_RATES_TO_CNY) -> dict[str, Any]:
    """Collect the components' outputs into the entity shape (plus ``topics``), amounts also in CNY."""
    entities = {field: list(getattr(doc._, field) or []) for field in ENTITY_FIELDS}
    for amount in entities["money"]:
        amount["value_cny"] = to_cny(amount["value"], amount["currency"], rates)
    return {**entities, "topics": list(doc._.topics or [])}


def facts_from_doc(doc: Doc, published_year: int | None = None) -> PolicyFacts:
    """The policy facts the facts component found. A deadline or opening day whose year the text
    leaves out takes ``published_year`` (the record's published date), or is dropped without one."""
    found = dict(doc._.facts or {})
    deadline, apply_from = found.get("deadline"), found.get("apply_from")
    if deadline:
        window = with_year(
            Window(LooseDate.from_iso(deadline), LooseDate.from_iso(apply_from) if apply_from else None),
            published_year,
        )
        found["deadline"] = window.deadline.to_date()
        found["apply_from"] = window.apply_from.to_date() if window.apply_from else None
    return PolicyFacts(**found)


def enrich_many(
    records: Iterable[RawRecord], batch_size: int = 32, options: ExtractionOptions = DEFAULT_OPTIONS
) -> Iterator[EnrichedRecord]:
    """Enrich records in order, running each language's pipeline with ``nlp.pipe`` batching."""
    records = list(records)
    rates = options.rates
    texts = [analysis_text(r.title, r.text) for r in records]
    langs = [pick_language(r.language, t) for r, t in zip(records, texts, strict=True)]
    docs: dict[int, Doc] = {}
    for lang in ("en", "zh"):
        indices = [i for i, lg in enumerate(langs) if lg == lang]
        for i, doc in zip(
            indices,
            build_nlp(lang, options.profile, options.company_aliases).pipe(
                (texts[i] for i in indices), batch_size=batch_size
            ),
            strict=True,
        ):
            docs[i] = doc
    for i, record in enumerate(records):
        found = entities_from_doc(docs[i], rates)
        yield EnrichedRecord(
            **record.model_dump(exclude={"schema_version"}),
            detected_language=langs[i],
            entities=Entities(**{f: found[f] for f in ENTITY_FIELDS}),
            topics=found["topics"],
            facts=facts_from_doc(docs[i], record.published_at.year if record.published_at else None),
            extractor_version=EXTRACTOR_VERSION,
        )


def enrich(record: RawRecord, options: ExtractionOptions = DEFAULT_OPTIONS) -> EnrichedRecord:
    """Enrich a single record (see ``enrich_many``)."""
    return next(enrich_many([record], options=options))


def serialise_within(record: EnrichedRecord, max_bytes: int, attempts: int = 4) -> bytes | None:
    """The record as JSON bytes no longer than ``max_bytes``, cutting its text (and the entities
    past the cut) when needed, with ``text_truncated`` set; None if even that does not fit."""
    value = dump_record(record)
    for _ in range(attempts):
        if len(value) <= max_bytes:
            return value
        keep = int(len(record.text) * max_bytes / len(value) * 0.9)
        record = _cut_text(record, keep)
        value = dump_record(record)
    return value if len(value) <= max_bytes else None


def _cut_text(record: EnrichedRecord, keep: int) -> EnrichedRecord:
    """``record`` with the first ``keep`` characters of its text and the entities and issuers
    inside them (the other facts are kept: they describe the whole document)."""
    end = len(analysis_text(record.title, record.text[:keep]))
    entities = {
        name: [span for span in getattr(record.entities, name) if span.end <= end] for name in ENTITY_FIELDS
    }
    issuers = [issuer for issuer in record.facts.issuers if issuer.end <= end]
    return record.model_copy(
        update={
            "text": record.text[:keep],
            "text_truncated": True,
            "entities": Entities(**entities),
            "facts": record.facts.model_copy(update={"issuers": issuers}),
        }
    )
