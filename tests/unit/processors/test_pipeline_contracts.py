"""What our spaCy components declare they read and write, checked on every pipeline we build: the
order rule is spaCy's ``analyze_pipes``, not a comment."""

from __future__ import annotations

import itertools

import pytest
import spacy
from spacy.tokens import Doc

from policyradar.schemas import ENTITY_FIELDS
from processors.pipeline import OUR_COMPONENTS, PROFILES, build_nlp

# Every profile is buildable offline: English comes from the installed model wheel, Chinese from a
# blank pipeline.
PIPELINES = list(itertools.product(("en", "zh"), sorted(PROFILES)))


def declared(nlp, key: str) -> set[str]:
    """The ``doc._`` extension names our components list under ``key`` ("assigns" or "requires")."""
    meta = [getattr(nlp.get_pipe_meta(name), key) for name in OUR_COMPONENTS]
    return {attr.removeprefix("doc._.") for attrs in meta for attr in attrs if attr.startswith("doc._.")}


@pytest.mark.parametrize(("lang", "profile"), PIPELINES)
def test_every_pipeline_meets_what_our_components_require(lang, profile):
    problems = build_nlp(lang, profile).analyze_pipes(pretty=False)["problems"]
    assert {name: problems[name] for name in OUR_COMPONENTS} == {name: [] for name in OUR_COMPONENTS}


def test_companies_before_organisations_is_reported_as_a_missing_requirement():
    nlp = spacy.blank("en")
    for name in ("policyradar_money", "policyradar_companies", "policyradar_organizations"):
        nlp.add_pipe(name)
    problems = nlp.analyze_pipes(pretty=False)["problems"]
    assert problems["policyradar_companies"] == [
        "doc._.organizations",
        "doc._.unknown_companies",
        "doc._.company_aliases",
    ]
    assert problems["policyradar_organizations"] == ["doc._.places"]


def test_the_scratch_attributes_are_declared_and_passed_from_organisations_to_companies():
    nlp = build_nlp("zh", "rules")
    organizations = nlp.get_pipe_meta("policyradar_organizations")
    companies = nlp.get_pipe_meta("policyradar_companies")
    scratch = ["doc._.unknown_companies", "doc._.company_aliases"]
    assert set(scratch) <= set(organizations.assigns)
    assert set(scratch) <= set(companies.requires)


def test_every_attribute_our_components_read_or_write_is_a_declared_doc_extension():
    nlp = build_nlp("zh", "rules")
    used = declared(nlp, "assigns") | declared(nlp, "requires")
    assert [name for name in sorted(used) if not Doc.has_extension(name)] == []


def test_the_components_fill_every_entity_field_and_the_topics():
    assert declared(build_nlp("zh", "rules"), "assigns") >= {*ENTITY_FIELDS, "topics"}


def test_the_entity_fields_are_the_seven_kinds_in_their_order():
    assert ENTITY_FIELDS == ("money", "percent", "places", "companies", "organizations", "people", "dates")
