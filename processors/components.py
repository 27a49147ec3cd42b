"""Named spaCy components: each reads the Doc and writes one custom attribute (``doc._.<field>``).

Every value is a plain dict in the DESIGN.md entity shape, so ``enrich`` only collects them.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from processors.extractors.companies import find_companies
from processors.extractors.money import find_amounts
from processors.extractors.organizations import classify_organization, find_zh_bodies
from processors.extractors.percent import find_subsidy_ratios
from processors.extractors.places import find_places
from processors.extractors.subsidy import is_subsidy
from processors.extractors.topics import tag_topics

FIELDS = ("money", "percent", "places", "companies", "organizations", "people", "dates", "topics")
for _field in FIELDS:
    if not Doc.has_extension(_field):
        Doc.set_extension(_field, default=None)


def _lang(doc: Doc) -> str:
    return "zh" if doc.lang_ == "zh" else "en"


@Language.component("policyradar_money")
def money_component(doc: Doc) -> Doc:
    text = doc.text
    doc._.money = [
        {
            "text": a.text,
            "start": a.start,
            "end": a.end,
            "value": a.value,
            "currency": a.currency,
            "is_subsidy": is_subsidy(text, a.start, a.end),
            "qualifier": a.qualifier,
        }
        for a in find_amounts(text, _lang(doc))
    ]
    return doc


@Language.component("policyradar_percent")
def percent_component(doc: Doc) -> Doc:
    doc._.percent = [
        {"text": r.text, "start": r.start, "end": r.end, "value": r.value}
        for r in find_subsidy_ratios(doc.text)
    ]
    return doc


@Language.component("policyradar_places")
def places_component(doc: Doc) -> Doc:
    doc._.places = [
        {
            "text": h.text,
            "start": h.start,
            "end": h.end,
            "canonical": h.entry.canonical,
            "level": h.entry.level,
            "province": h.entry.province,
        }
        for h in find_places(doc.text)
    ]
    return doc


@Language.component("policyradar_companies")
def companies_component(doc: Doc) -> Doc:
    """Alias-table companies, minus hits inside an amount ("360 million") or a government body."""
    blocked = [(m["start"], m["end"]) for m in (doc._.money or [])]
    blocked += [(o["start"], o["end"]) for o in (doc._.organizations or []) if o["kind"] != "organization"]
    doc._.companies = [
        {"text": h.text, "start": h.start, "end": h.end, "canonical": h.entry}
        for h in find_companies(doc.text)
        if not any(s < h.end and h.start < e for s, e in blocked)
    ]
    return doc


@Language.component("policyradar_organizations")
def organizations_component(doc: Doc) -> Doc:
    """Government bodies, institutes, universities, media. Companies go to ``companies`` instead."""
    found = []
    if _lang(doc) == "zh":
        place_spans = [(p["start"], p["end"]) for p in (doc._.places or [])]
        for start, end in find_zh_bodies(doc.text, place_spans):
            found.append(
                {
                    "text": doc.text[start:end],
                    "start": start,
                    "end": end,
                    "kind": classify_organization(doc.text[start:end]),
                }
            )
    else:
        for ent in doc.ents:
            if ent.label_ in ("ORG", "NORP", "FAC"):
                kind = classify_organization(ent.text)
                if kind not in ("company", "organization") or ent.label_ == "ORG":
                    found.append(
                        {"text": ent.text, "start": ent.start_char, "end": ent.end_char, "kind": kind}
                    )
    company_spans = [(h.start, h.end) for h in find_companies(doc.text)]
    doc._.organizations = [
        o
        for o in found
        if o["kind"] != "company"
        and not (
            o["kind"] == "organization" and any(s < o["end"] and o["start"] < e for s, e in company_spans)
        )
    ]
    return doc


@Language.component("policyradar_people_dates")
def people_dates_component(doc: Doc) -> Doc:
    doc._.people = [_span(e) for e in doc.ents if e.label_ == "PERSON"]
    doc._.dates = [_span(e) for e in doc.ents if e.label_ == "DATE"]
    return doc


@Language.component("policyradar_topics")
def topics_component(doc: Doc) -> Doc:
    doc._.topics = tag_topics(doc.text)
    return doc


def _span(ent) -> dict:
    return {"text": ent.text, "start": ent.start_char, "end": ent.end_char}
