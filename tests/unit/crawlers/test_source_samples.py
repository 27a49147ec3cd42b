"""Golden test over the shipped catalogue: for every source with a stored sample page, the spec's
entry point yields the expected announcement links and its selectors yield the expected record.

Samples live in tests/fixtures/sources/<source id>/ (written for this project in the structure of the
real site). A sample marked ``known_gap`` documents a site the spider cannot handle yet; it must
fail (strict xfail), so fixing the gap shows up here."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.decoding import decode_html
from crawlers.entries import (
    Link,
    feed_links,
    is_wanted,
    json_api_links,
    link_date,
    listing_links,
    load_json,
    sitemap_links,
)
from crawlers.extract import extract_page
from crawlers.sources import FeedEntry, JsonApiEntry, ListingEntry, SitemapEntry, load_sources
from policyradar.settings import PROJECT_ROOT

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
SPECS = {spec.id: spec for spec in load_sources(PROJECT_ROOT / "sources")}
CASES = sorted(SAMPLES.glob("*/expected.json"))


def _case(path: Path):
    expected = json.loads(path.read_text(encoding="utf-8"))
    marks = (
        [pytest.mark.xfail(reason=expected["known_gap"], strict=True)] if expected.get("known_gap") else []
    )
    return pytest.param(path.parent, expected, id=path.parent.name, marks=marks)


def entry_links(spec, entry, body: bytes) -> list[Link]:
    if isinstance(entry, ListingEntry):
        links, _ = listing_links(Selector(text=decode_html(body, None, spec.encoding).text), entry, entry.url)
    elif isinstance(entry, FeedEntry):
        links = feed_links(body, entry.url)
    elif isinstance(entry, SitemapEntry):
        links, _ = sitemap_links(body, entry)
    elif isinstance(entry, JsonApiEntry):
        links = json_api_links(load_json(body), entry, entry.url)
    return [link for link in links if is_wanted(link.url, spec)]


def test_the_catalogue_has_at_least_twenty_real_sources_each_with_a_sample():
    real = [spec for spec in SPECS.values() if not spec.id.startswith("demo-")]
    assert len(real) >= 20
    assert all(not spec.enabled for spec in real)
    assert {spec.id for spec in real} <= {path.parent.name for path in CASES}


def _iso_day(moment) -> str | None:
    return moment.date().isoformat() if moment else None


@pytest.mark.parametrize(("folder", "expected"), [_case(path) for path in CASES])
def test_sample_page_extracts_as_expected(folder: Path, expected: dict):
    spec = SPECS[folder.name]
    entry = next(e for e in spec.entry_points if e.url == expected["entry_url"])
    links = entry_links(spec, entry, (folder / expected["entry_file"]).read_bytes())
    assert [link.url for link in links] == expected["links"]
    if "link_dates" in expected:  # dates the entry document itself gives (feeds, JSON APIs)
        assert [_iso_day(link_date(link)) for link in links] == expected["link_dates"]
    assert expected["article_url"] in expected["links"]
    page = decode_html((folder / expected["article_file"]).read_bytes(), None, spec.encoding)
    fields = extract_page(Selector(text=page.text), spec.selectors)
    assert fields.title == expected["title"]
    assert fields.published_at is not None and fields.published_at.date() == date.fromisoformat(
        expected["published_at"]
    )
    for phrase in expected["text_contains"]:
        assert phrase in fields.text
