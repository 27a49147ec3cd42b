"""Named spaCy components: each reads the Doc and writes custom attributes (``doc._.<field>``).

Each registration names the extensions it writes (``assigns``) and reads (``requires``), so
``nlp.analyze_pipes()`` reports a pipeline whose order breaks a dependency. Every entity value is a
plain dict in the DESIGN.md entity shape, so ``enrich`` only collects them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from policyradar.schemas import ENTITY_FIELDS
from processors.extractors.companies import company_gazetteer, company_parents, group_arm
from processors.extractors.company_cues import en_org_is_company, zh_ner_organizations
from processors.extractors.facts import find_facts
from processors.extractors.gazetteer import Hit
from processors.extractors.money import find_amounts
from processors.extractors.organizations import (
    classify_organization,
    company_canonical,
    find_zh_bodies,
    find_zh_companies,
)
from processors.extractors.percent import find_subsidy_ratios
from processors.extractors.places import find_places, starts_a_name
from processors.extractors.subsidy import is_subsidy
from processors.extractors.topics import tag_topics
from processors.extractors.zh_ner import lac_words, named_entities

# Every attribute a component writes or reads is a declared Doc extension: the entity fields, the
# topics, the policy facts, and two scratch attributes passed from the organisations step to the
# companies step.
SCRATCH = ("company_aliases", "unknown_companies", "zh_words")
EXTENSIONS = (*ENTITY_FIELDS, "topics", "facts", *SCRATCH)
for _field in EXTENSIONS:
    if not Doc.has_extension(_field):
        Doc.set_extension(_field, default=None)


def _ext(*names: str) -> list[str]:
    """The ``doc._.<name>`` attribute paths spaCy's ``assigns``/``requires`` expect."""
    unknown = [n for n in names if n not in EXTENSIONS]
    if unknown:
        raise ValueError(f"undeclared Doc extension(s) {unknown} (declared: {list(EXTENSIONS)})")
    return [f"doc._.{n}" for n in names]


def _lang(doc: Doc) -> str:
    return "zh" if doc.lang_ == "zh" else "en"


@Language.component("policyradar_money", assigns=_ext("money"))
def money_component(doc: Doc) -> Doc:
    text = doc.text
    doc._.money = [
        {
            "text": a.text,
            "start": a.start,
            "end": a.end,
            "value": a.value,
            "currency": a.currency,
            "is_subsidy": is_subsidy(text, *a.context_span, per_unit=a.per_unit),
            "qualifier": a.qualifier,
        }
        for a in find_amounts(text, _lang(doc))
    ]
    return doc


@Language.component("policyradar_percent", assigns=_ext("percent"))
def percent_component(doc: Doc) -> Doc:
    doc._.percent = [
        {"text": r.text, "start": r.start, "end": r.end, "value": r.value}
        for r in find_subsidy_ratios(doc.text)
    ]
    return doc


@Language.component("policyradar_places", assigns=_ext("places"))
def places_component(doc: Doc) -> Doc:
    text = doc.text
    doc._.places = [
        {
            "text": h.text,
            "start": h.start,
            "end": h.end,
            "canonical": h.entry.canonical,
            "level": h.entry.level,
            "province": h.entry.province,
        }
        for h in find_places(text)
        if not (h.entry.level == "country" and starts_a_name(text, h.end))
    ]
    return doc


@Language.factory(
    "policyradar_companies",
    default_config={"company_aliases": ""},
    assigns=_ext("companies"),
    requires=_ext("money", "organizations", "unknown_companies", "company_aliases"),
)
def make_companies_component(nlp: Language, name: str, company_aliases: str) -> Callable[[Doc], Doc]:
    """The companies step; each company's ``parent`` comes from the alias tables (shipped plus the
    file ``company_aliases`` names)."""
    parents = company_parents(company_aliases)

    def with_parents(doc: Doc) -> Doc:
        companies_component(doc)
        for company in doc._.companies:
            company["parent"] = parents.get(company["canonical"]) or company.get("parent")
        return doc

    return with_parents


def companies_component(doc: Doc) -> Doc:
    """Alias-table companies, plus companies the organisation step found that the table lacks.

    Alias hits inside an amount ("360 million") or a government body or institute are dropped. A
    group's arm named after it (腾讯投资, Lenovo Capital) is a company of its own with the group as
    parent, and so is a legal name that only starts with a known name (中国石油昆仑数智科技有限责任公司).
    """
    blocked = [(m["start"], m["end"]) for m in (doc._.money or [])]
    blocked += [(o["start"], o["end"]) for o in (doc._.organizations or [])]
    text = doc.text
    org_spans = {(w.start, w.end) for w in doc._.zh_words or [] if w.tag == "ORG"}
    found = [
        _alias_company(text, h, org_spans)
        for h in doc._.company_aliases or []
        if not _overlaps(h.start, h.end, blocked)
    ]
    for start, end in doc._.unknown_companies or []:
        name = text[start:end]
        canonical = company_canonical(name, _strip_leading_place)
        inside = [c for c in found if start < c["end"] and c["start"] < end]
        if inside and not _legal_name_of_another(name, start, canonical, inside):
            continue
        found = [c for c in found if c not in inside]
        found.append({"text": name, "start": start, "end": end, "canonical": canonical})
    doc._.companies = sorted(found, key=lambda c: c["start"])
    return doc


def _alias_company(text: str, hit: Hit[str], org_spans: set[tuple[int, int]]) -> dict:
    arm = group_arm(text, hit, org_spans)
    if arm is None:
        return {"text": hit.text, "start": hit.start, "end": hit.end, "canonical": hit.entry}
    end, canonical = arm
    return {
        "text": text[hit.start : end],
        "start": hit.start,
        "end": end,
        "canonical": canonical,
        "parent": hit.entry,
    }


def _legal_name_of_another(name: str, start: int, canonical: str, inside: list[dict]) -> bool:
    """A legal name (…有限公司, not a branch) holding known names whose short form is none of
    theirs: a company of its own (a subsidiary), not the one the alias table knows."""
    return (
        re.search(r"(?<!分)有限(?:责任)?公司$", name) is not None
        and all(start <= c["start"] and c["end"] - c["start"] < len(name) for c in inside)
        and all(
            canonical not in (c["canonical"], company_canonical(c["text"], _strip_leading_place))
            for c in inside
        )
    )


@Language.factory(
    "policyradar_organizations",
    default_config={"company_aliases": ""},
    assigns=_ext("organizations", "unknown_companies", "company_aliases"),
    requires=_ext("places"),
)
def make_organizations_component(nlp: Language, name: str, company_aliases: str) -> Callable[[Doc], Doc]:
    """The organisations step, with the shipped company aliases plus the file ``company_aliases``
    names ("" for none); the alias hits are handed to the companies step in ``doc._.company_aliases``."""
    gazetteer = company_gazetteer(company_aliases)

    def organizations_component(doc: Doc) -> Doc:
        doc._.company_aliases = list(gazetteer.find(doc.text))
        return split_organizations(doc)

    return organizations_component


def split_organizations(doc: Doc) -> Doc:
    """Government bodies, institutes, universities and media to ``organizations``; organisations
    that look like companies are left for the companies step (``doc._.unknown_companies``)."""
    text = doc.text  # built from the tokens on every access: read it once
    candidates = _zh_candidates(doc, text) if _lang(doc) == "zh" else _en_candidates(doc, text)
    aliases = [(h.start, h.end) for h in doc._.company_aliases]
    organizations, companies = [], []
    for start, end, kind in candidates:
        if kind == "company":
            companies.append((start, end))
        elif kind != "organization" or not _overlaps(start, end, aliases):
            organizations.append({"text": text[start:end], "start": start, "end": end, "kind": kind})
    doc._.organizations = [o for o in organizations if o["kind"] != "organization"]
    doc._.unknown_companies = companies
    return doc


def _zh_candidates(doc: Doc, text: str) -> list[tuple[int, int, str]]:
    """Bodies by place + body rules, legal company names, then what LAC's words add
    (``doc._.zh_words``, empty when the pipeline has no ``policyradar_zh_ner``)."""
    place_spans = [(p["start"], p["end"]) for p in (doc._.places or [])]
    ruled = find_zh_bodies(text, place_spans) + find_zh_companies(text, doc._.zh_words or [])
    found = [(s, e, classify_organization(text[s:e])) for s, e in ruled]
    words = doc._.zh_words or []
    return found + zh_ner_organizations(text, words, classify_organization, ruled, _leading_place_length)


def _en_candidates(doc: Doc, text: str) -> list[tuple[int, int, str]]:
    """The model's ORG spans, a span with no kind of its own taken as a company when
    ``en_org_is_company`` reads company cues in or around it."""
    found = []
    for ent in doc.ents:
        if ent.label_ == "ORG":
            start, end = ent.start_char, ent.end_char
            kind = classify_organization(text[start:end])
            if kind == "organization" and en_org_is_company(text, start, end):
                kind = "company"
            found.append((start, end, kind))
    return found


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _leading_place_length(name: str) -> int:
    hits = find_places(name)
    return hits[0].end if hits and hits[0].start == 0 else 0


def _strip_leading_place(name: str) -> str:
    return name[_leading_place_length(name) :]


@Language.component("policyradar_zh_ner", assigns=["doc.ents", *_ext("zh_words")])
def zh_ner_component(doc: Doc) -> Doc:
    """LAC's words of a Chinese text in ``doc._.zh_words``, its ORG, LOC and PER names as ``doc.ents``."""
    words = lac_words(doc.text)
    doc._.zh_words = words
    spans = (
        doc.char_span(w.start, w.end, label=w.tag, alignment_mode="expand") for w in named_entities(words)
    )
    doc.ents = filter_spans([s for s in spans if s is not None])
    return doc


@Language.component("policyradar_people_dates", assigns=_ext("people", "dates"))
def people_dates_component(doc: Doc) -> Doc:
    doc._.people = [_span(e) for e in doc.ents if e.label_ == "PERSON"]
    doc._.dates = [_span(e) for e in doc.ents if e.label_ == "DATE"]
    return doc


@Language.component("policyradar_facts", assigns=_ext("facts"), requires=_ext("companies"))
def facts_component(doc: Doc) -> Doc:
    """The policy facts (doc_type, issuers, doc_number, deadline, apply_from) as one dict. A date
    whose year neither it nor the document gives is written ``--MM-DD`` (ISO 8601 without a year),
    for ``enrich`` to complete from the record's published date. The companies tell company news
    (a headline opening with a company), which has no issuers."""
    company_starts = [c["start"] for c in doc._.companies or []]
    facts = find_facts(doc.text, _lang(doc), company_starts)
    doc._.facts = {
        "doc_type": facts.doc_type,
        "issuers": [
            {"text": i.text, "start": i.start, "end": i.end, "canonical": i.canonical} for i in facts.issuers
        ],
        "doc_number": facts.doc_number,
        "deadline": facts.deadline.iso() if facts.deadline else None,
        "apply_from": facts.apply_from.iso() if facts.apply_from else None,
    }
    return doc


@Language.component("policyradar_topics", assigns=_ext("topics"))
def topics_component(doc: Doc) -> Doc:
    doc._.topics = tag_topics(doc.text)
    return doc


def _span(ent) -> dict:
    return {"text": ent.text, "start": ent.start_char, "end": ent.end_char}
