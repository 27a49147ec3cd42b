"""The web page in headless Chromium (issue 11): a page indexed in two versions shows "History (2
versions)", which opens to the fact changes first and the text diff below; a notice that repeals
another names it. The documents go through the real index stage (Kafka and OpenSearch)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.test_versions import REPEALED, REPEALING, V1, V2, index_through_kafka
from tests.integration.test_web_page import WAIT_SECONDS, ServerThread, make_browser, open_page

pytestmark = pytest.mark.integration


@pytest.fixture
def base_url(settings, engine) -> Iterator[str]:
    index_through_kafka(settings, engine, [V1, REPEALED])
    index_through_kafka(settings, engine, [V2, REPEALING])
    server = ServerThread(settings, engine)
    server.start()
    try:
        yield server.url
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


def result_of(browser: webdriver.Chrome, doc_id: str):
    return browser.find_element(By.CSS_SELECTOR, f'#results .result[data-id="{doc_id}"]')


def test_history_shows_the_fact_changes_first_and_the_text_diff_below(browser, base_url):
    open_page(browser, base_url)
    hit = result_of(browser, V2.id)
    summary = hit.find_element(By.CSS_SELECTOR, ".history summary")
    assert summary.text == "History (2 versions)"
    assert result_of(browser, REPEALED.id).find_elements(By.CSS_SELECTOR, ".history") == []
    summary.click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: hit.find_elements(By.CSS_SELECTOR, ".version"))
    newest, oldest = hit.find_elements(By.CSS_SELECTOR, ".version")
    changes = [li.text for li in newest.find_elements(By.CSS_SELECTOR, ".version-changes li")]
    assert changes == [
        "deadline moved from 2024-05-31 to 2024-06-15",
        "subsidy cap raised from 50,000,000 CNY to 100,000,000 CNY",
    ]
    parts = [e.get_attribute("class") for e in newest.find_elements(By.CSS_SELECTOR, ":scope > *")]
    assert parts == ["version-head", "version-changes", "version-diff"]
    removed = [s.text for s in newest.find_elements(By.CSS_SELECTOR, ".diff-del")]
    added = [s.text for s in newest.find_elements(By.CSS_SELECTOR, ".diff-add")]
    assert removed[0] == "-北京市对符合条件的企业给予最高5000万元补贴。"
    assert added[0] == "+北京市对符合条件的企业给予最高1亿元补贴。"
    assert oldest.find_element(By.CSS_SELECTOR, ".version-first").text == "The first version seen."
    assert browser.get_log("browser") == []


def test_a_notice_that_repeals_another_names_it(browser, base_url):
    open_page(browser, base_url)
    line = result_of(browser, REPEALING.id).find_element(By.CSS_SELECTOR, ".result-revises")
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: line.find_elements(By.CSS_SELECTOR, "a.revised"))
    link = line.find_element(By.CSS_SELECTOR, "a.revised")
    assert (link.text, link.get_attribute("href")) == (REPEALED.title, REPEALED.url)
