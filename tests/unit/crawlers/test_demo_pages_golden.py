"""Golden test: every stored demo page, extracted with its source's selectors, gives the
title and date written in the hand-annotated expected.json, and a body without page chrome."""

from datetime import datetime

import pytest
from parsel import Selector

from crawlers.extract import ExtractionError, extract_page
from crawlers.sources import Selectors, load_sources
from policyradar.settings import PROJECT_ROOT
from tests.conftest import DEMO_SITE

SPECS = {spec.id: spec for spec in load_sources(PROJECT_ROOT / "sources" / "demo")}
SITE_OF_SOURCE = {"gov-zh": "demo-gov-zh", "gov-en": "demo-gov-en", "newsroom": "demo-newsroom"}


def test_demo_site_has_enough_announcements_in_both_languages(demo_expected):
    languages = [page["language"] for page in demo_expected]
    assert len(demo_expected) >= 12 and languages.count("zh") >= 5 and languages.count("en") >= 5


def test_each_demo_page_extracts_to_its_expected_fields(demo_expected):
    for page in demo_expected:
        spec = SPECS[SITE_OF_SOURCE[page["path"].split("/")[0]]]
        html = Selector(text=(DEMO_SITE / page["path"]).read_text(encoding="utf-8"))
        fields = extract_page(html, spec.selectors)
        assert fields.title == page["title"], page["path"]
        assert fields.published_at == datetime.fromisoformat(page["published_at"]), page["path"]
        assert "not an official notice" not in fields.text, page["path"]
        assert len(fields.text) > 150, page["path"]


def test_fallbacks_find_title_and_body_without_selectors():
    html = Selector(
        text="<html><head><title>T</title></head><body><h1>Notice</h1>"
        "<div><p>First paragraph.</p><p>Second paragraph.</p></div></body></html>"
    )
    fields = extract_page(html, Selectors())
    assert fields.title == "Notice" and fields.text == "First paragraph.\nSecond paragraph."


def test_a_page_without_text_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="title"):
        extract_page(Selector(text="<html><body></body></html>"), Selectors())
