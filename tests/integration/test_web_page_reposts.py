"""The web page in headless Chromium (issue 11): a notice reposted by another site is one result with
"Also published by 1 source", which unfolds to a link to the copy; "Every copy" shows both copies.
Documents carry ``cluster_id`` and ``is_original`` set by hand (the indexer computes them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import EnrichedRecord, Entities, PolicyFacts
from tests.integration.conftest import make_raw
from tests.integration.test_web_page import ServerThread, make_browser, open_page, wait_for_results

pytestmark = pytest.mark.integration
CLUSTER_FIELDS = {"cluster_id": {"type": "keyword"}, "is_original": {"type": "boolean"}}


def copy_of(n: int, source: str, original: bool) -> dict:
    raw = make_raw(n, title="Notice on computing subsidies").model_copy(
        update={"source_id": source, "url": f"https://{source}.example/notice-{n}.html"}
    )
    record = EnrichedRecord(
        **raw.model_dump(exclude={"schema_version"}),
        detected_language="en",
        entities=Entities(),
        facts=PolicyFacts(),
        extractor_version="test",
    )
    return document_from_record(record) | {"cluster_id": "notice-a", "is_original": original}


@pytest.fixture
def copies(settings, engine) -> Iterator[tuple[str, dict, dict]]:
    """The bureau's notice and a portal's repost; yields (page address, bureau, portal)."""
    alias = settings.index_alias
    ensure_index(engine, alias)
    for index in engine.alias_targets(alias):
        engine.add_fields(index, CLUSTER_FIELDS)
    bureau, portal = copy_of(1, "bureau", True), copy_of(2, "portal", False)
    bulk = [
        BulkDoc(d["id"], version_of(datetime.fromisoformat(d["fetched_at"])), d) for d in (bureau, portal)
    ]
    assert BulkWriter(engine, alias, refresh="wait_for").write(bulk) == []
    server = ServerThread(settings, engine)
    server.start()
    try:
        yield server.url, bureau, portal
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = make_browser()
        try:
            yield driver
        finally:
            driver.quit()


def results(browser: webdriver.Chrome) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "#results .result")


def test_a_reposted_notice_is_one_result_listing_the_other_source(browser, copies):
    base_url, bureau, portal = copies
    open_page(browser, base_url, "q=subsidies")
    [result] = results(browser)
    assert result.get_attribute("data-id") == bureau["id"]
    assert browser.find_element(By.ID, "total-label").text == "notice"
    summary = result.find_element(By.CSS_SELECTOR, ".copies summary")
    assert summary.text == "Also published by 1 source"
    link = result.find_element(By.CSS_SELECTOR, ".copies .copy a")
    assert not link.is_displayed()  # folded until asked for
    summary.click()
    assert link.is_displayed() and link.text == "portal"
    assert link.get_attribute("href") == portal["url"]
    assert link.get_attribute("rel") == "noopener noreferrer"

    browser.find_element(By.ID, "expand").click()
    wait_for_results(browser, "q=subsidies&expand=true")
    assert sorted(r.get_attribute("data-id") for r in results(browser)) == sorted(
        [bureau["id"], portal["id"]]
    )
    assert browser.find_element(By.ID, "total-label").text == "announcements"
    assert browser.find_elements(By.CSS_SELECTOR, "#results .copies") == []
