"""The analyst's desk as people use it, end to end in headless Chromium over the real app, OpenSearch
and Kafka: search in Chinese, look at the charts, "Alert me" (sign in with a token, create the
alert), find it in "My alerts", open a result's document page, read the search's Atom feed and the
alert's private feed with feedparser (their entries link to document pages), and open the sources
view, where the interface is switched to Chinese once (and stays Chinese on My alerts).

Every view is checked the same way (``check_view``): axe-core finds no serious or critical
violation, the console has no error, Chinese renders with a CJK font where the view shows Chinese,
and a full-page screenshot goes to tests/artifacts/flow-<view>.png. With
POLICYRADAR_UPDATE_SCREENSHOTS=1 (``make screenshots``) the search with its charts and the document
page are also written, as a 1280x900 viewport, to docs/screenshots/ for the README.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import httpx
import pytest
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from indexer.api import create_app
from indexer.engine import Engine
from launcher.sources_desk import LauncherSourcesDesk
from policyradar.schemas import EnrichedRecord
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.fixtures.browser import (
    assert_cjk_renders,
    chromium,
    console_errors,
    describe,
    run_axe,
    save_screenshot,
)
from tests.integration.charts_records import chart_records, index_for_charts
from tests.integration.test_sources_api import crawl_run, record_runs

pytestmark = pytest.mark.integration

TOKEN = "flow-token-mei-4k2"
TOKENS = {TOKEN: "mei"}
QUERY = "补贴"
ALERT = "subsidies cn"
WIDTH, HEIGHT = 1280, 900  # the window, and the README screenshots' viewport
WAIT_SECONDS = 30
README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SOURCE_NAME = "深圳市工业和信息化局"


@dataclass
class Desk:
    url: str
    records: dict[str, EnrichedRecord]


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(WIDTH, HEIGHT) as driver:
        yield driver


def source_spec(source_id: str, name: str) -> str:
    return (
        f"id: {source_id}\nname: {name}\npublisher_kind: government\njurisdiction: CN\nlanguage: zh\n"
        "entry_points:\n  - kind: feed\n    url: https://gxj.sz.gov.cn/tzgg/rss.xml\nenabled: true\n"
    )


@pytest.fixture
def desk(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Desk]:
    records = chart_records()
    index_for_charts(engine, settings.index_alias, list(records.values()))
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "sz-gxj.yaml").write_text(source_spec("sz-gxj", SOURCE_NAME), encoding="utf-8")
    configured = settings.model_copy(
        update={"api_tokens": SecretStr(json.dumps(TOKENS)), "sources_dir": sources}
    )
    record_runs(configured, [crawl_run("sz-gxj", 3, 6)])
    with serve_app(create_app(configured, engine, LauncherSourcesDesk(configured))) as url:
        yield Desk(url, records)


# ------------------------------------------------------------------------------------- helpers


def wait(browser: webdriver.Chrome, condition, message: str):
    return WebDriverWait(browser, WAIT_SECONDS).until(condition, message=message)


def visible(browser: webdriver.Chrome, selector: str):
    return wait(
        browser,
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), False),
        f"nothing visible matches {selector}",
    )


def state_of(browser: webdriver.Chrome, element_id: str) -> str | None:
    return browser.find_element(By.ID, element_id).get_attribute("data-state")


def wait_for_state(browser: webdriver.Chrome, element_id: str, wanted: str) -> None:
    def reached(driver: webdriver.Chrome) -> bool:
        state = state_of(driver, element_id)
        if state in ("error", "not-found") and wanted != state:
            raise AssertionError(f"#{element_id} is {state}: {driver.find_element(By.ID, element_id).text}")
        return state == wanted

    wait(browser, reached, f"#{element_id} never reached {wanted!r}")


def wait_for_search(browser: webdriver.Chrome, text: str) -> None:
    """Until the results and the charts both show the search for ``text``."""

    def shown(driver: webdriver.Chrome) -> bool:
        for element_id in ("results", "charts"):
            node = driver.find_element(By.ID, element_id)
            if node.get_attribute("data-state") == "error":
                raise AssertionError(f"#{element_id} reported an error: {node.text}")
            query = parse_qs(node.get_attribute("data-query") or "")
            if node.get_attribute("data-state") != "ready" or query.get("q") != [text]:
                return False
        return True

    wait(browser, shown, f"the search for {text!r} was not shown with its charts")


def check_view(browser: webdriver.Chrome, name: str, chinese_within: str | None = None) -> Path:
    """axe-core clean, no console error, Chinese rendered with a CJK font (in the font stack of
    ``chinese_within``, measured on the text shown there), and a screenshot; returns its path."""
    violations = run_axe(browser)
    assert violations == [], f"{name}: " + describe(violations)
    assert console_errors(browser) == [], name
    if chinese_within is not None:
        shown = browser.find_element(By.CSS_SELECTOR, chinese_within).text
        chinese = "".join(c for c in shown if "\u4e00" <= c <= "\u9fff")[:12]
        assert chinese, f"{name}: no Chinese shown in {chinese_within}"
        assert_cjk_renders(browser, chinese, within=chinese_within)
    return save_screenshot(browser, f"flow-{name}")


def readme_screenshot(browser: webdriver.Chrome, name: str) -> None:
    """With POLICYRADAR_UPDATE_SCREENSHOTS=1, the window as docs/screenshots/<name>.png."""
    if os.environ.get("POLICYRADAR_UPDATE_SCREENSHOTS") != "1":
        return
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0); document.activeElement.blur()")
    viewport = {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", viewport)
    try:
        (README_SHOTS / f"{name}.png").write_bytes(browser.get_screenshot_as_png())
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def read_feed(url: str) -> feedparser.FeedParserDict:
    answer = httpx.get(url, timeout=WAIT_SECONDS)
    assert answer.status_code == 200, (url, answer.status_code)
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


def document_ids(feed: feedparser.FeedParserDict, base_url: str) -> list[str]:
    """The document id each entry's link names; fails on a link that is not a document page."""
    ids = []
    for entry in feed.entries:
        prefix = base_url + "/documents/"
        assert entry.link.startswith(prefix), entry.link
        ids.append(entry.link.removeprefix(prefix))
    return ids


# --------------------------------------------------------------------------------------- views


def search_in_chinese(browser: webdriver.Chrome, base_url: str) -> None:
    browser.get_log("browser")
    browser.get(base_url + "/")
    wait_for_state(browser, "results", "ready")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUERY, Keys.ENTER)
    wait_for_search(browser, QUERY)
    assert urlsplit(browser.current_url).query == "q=%E8%A1%A5%E8%B4%B4"


def look_at_the_charts(browser: webdriver.Chrome, records: dict[str, EnrichedRecord]) -> None:
    charts = browser.find_element(By.ID, "charts")
    assert charts.is_displayed()
    shown = {e.get_attribute("data-id") for e in browser.find_elements(By.CSS_SELECTOR, "#results .result")}
    assert {records["shenzhen"].id, records["guangzhou"].id} <= shown
    provinces = browser.execute_script(
        "return Chart.getChart(arguments[0]).data.labels;",
        browser.find_element(By.CSS_SELECTOR, "#chart-provinces canvas"),
    )
    assert any("广东省" in label for label in provinces), provinces
    check_view(browser, "search", chinese_within="#results")
    readme_screenshot(browser, "search-with-charts")


def make_the_alert(browser: webdriver.Chrome) -> None:
    browser.find_element(By.ID, "alert-me").click()
    box = visible(browser, "input[name=token]")
    box.send_keys(TOKEN)
    check_view(browser, "sign-in")
    browser.find_element(By.ID, "alert-signin-button").click()
    form = visible(browser, ".alert-me-panel form.alert-form")
    assert f"text: {QUERY}" in form.text
    form.find_element(By.NAME, "name").send_keys(ALERT)
    Select(form.find_element(By.NAME, "every")).select_by_value("daily")
    form.find_element(By.NAME, "email").send_keys("mei@example.com")
    check_view(browser, "alert-me", chinese_within=".alert-me-panel .alert-conditions")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    saved = visible(browser, ".alert-saved")
    assert f"Alert “{ALERT}” saved" in saved.text
    saved.find_element(By.LINK_TEXT, "My alerts").click()


def see_it_in_my_alerts(browser: webdriver.Chrome, base_url: str) -> str:
    """My alerts lists the alert; returns its private feed's URL."""
    wait_for_state(browser, "my-alerts", "ready")
    assert browser.current_url == base_url + "/alerts"
    assert browser.find_element(By.CSS_SELECTOR, "#my-alerts h1").text == "My alerts"
    card = visible(browser, f'.alert-card[data-name="{ALERT}"]')
    assert "Active" in card.text and f"text: {QUERY}" in card.text and "Email" in card.text
    card.find_element(By.CSS_SELECTOR, ".alert-more").click()
    visible(browser, f'.alert-card[data-name="{ALERT}"] .alert-history-empty')
    check_view(browser, "my-alerts", chinese_within=f'.alert-card[data-name="{ALERT}"]')
    feed = card.find_element(By.CSS_SELECTOR, ".alert-feed-link").get_attribute("href")
    assert feed.startswith(base_url + "/feeds/alerts/mei/") and TOKEN not in feed
    return feed


def open_a_document(browser: webdriver.Chrome, record: EnrichedRecord) -> str:
    """From the search (back in history), a result's "Details"; returns the search's feed URL."""
    browser.back()
    wait_for_search(browser, QUERY)
    feed = browser.find_element(By.ID, "feed-atom").get_attribute("href")
    result = browser.find_element(By.CSS_SELECTOR, f'#results .result[data-id="{record.id}"]')
    result.find_element(By.CSS_SELECTOR, ".result-page").click()
    wait_for_state(browser, "document", "ready")
    assert browser.find_element(By.ID, "doc-title").text == record.title
    assert "1000万元" in [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#doc-text .ent-money")]
    check_view(browser, "document", chinese_within="#doc-title")
    readme_screenshot(browser, "document-page")
    return feed


def read_the_feeds(browser: webdriver.Chrome, desk: Desk, search_feed: str, alert_feed: str) -> None:
    assert parse_qs(urlsplit(search_feed).query) == {"q": [QUERY]}
    search = read_feed(search_feed)
    found = document_ids(search, desk.url)
    chinese = {desk.records[name].id for name in ("shenzhen", "guangzhou")}
    assert chinese <= set(found), found

    alert = read_feed(alert_feed)
    assert alert.feed.title == f"Policy Radar · {ALERT}"
    caught = document_ids(alert, desk.url)
    assert chinese <= set(caught), caught
    assert set(caught) <= {record.id for record in desk.records.values()}

    browser.get(alert.entries[0].link)  # a feed reader's click lands on the document's page
    wait_for_state(browser, "document", "ready")
    assert browser.current_url.endswith(caught[0])


def open_the_sources_view(browser: webdriver.Chrome, base_url: str) -> None:
    browser.get(base_url + "/")
    wait_for_state(browser, "results", "ready")
    browser.get_log("browser")
    browser.find_element(By.CSS_SELECTOR, "a.nav-sources").click()
    wait_for_state(browser, "sources-table", "ready")
    assert browser.find_element(By.ID, "health-heading").text == "Sources"
    row = browser.find_element(By.CSS_SELECTOR, '#sources-table tr[data-source="sz-gxj"]')
    assert SOURCE_NAME in row.text and row.find_element(By.CSS_SELECTOR, ".items").text == "6"
    assert row.find_element(By.CSS_SELECTOR, ".badge").text == "Healthy"
    check_view(browser, "sources", chinese_within="#sources-table")


def switch_to_chinese(browser: webdriver.Chrome) -> None:
    """On the sources view, 中文: its labels turn Chinese, and My alerts is Chinese too (remembered)."""
    browser.find_element(By.CSS_SELECTOR, '[data-set-lang="zh"]').click()
    wait(browser, lambda d: d.find_element(By.ID, "health-heading").text == "信息来源", "sources in Chinese")
    badge = browser.find_element(By.CSS_SELECTOR, '#sources-table tr[data-source="sz-gxj"] .badge')
    assert badge.text == "正常"
    assert browser.find_element(By.ID, "items-heading").text == "条目（14 天）"
    check_view(browser, "sources-zh", chinese_within="#health")

    browser.find_element(By.CSS_SELECTOR, "a.nav-alerts").click()
    wait_for_state(browser, "my-alerts", "ready")
    assert browser.find_element(By.CSS_SELECTOR, "#my-alerts h1").text == "我的提醒"
    card = browser.find_element(By.CSS_SELECTOR, f'.alert-card[data-name="{ALERT}"]')
    assert card.find_element(By.CSS_SELECTOR, ".alert-badge").text == "启用中"
    check_view(browser, "my-alerts-zh", chinese_within="#my-alerts")


# ---------------------------------------------------------------------------------------- test


def test_an_analyst_searches_in_chinese_alerts_reads_a_document_and_feeds_and_checks_sources(browser, desk):
    browser.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": desk.url, "storageTypes": "all"})
    try:
        search_in_chinese(browser, desk.url)
        look_at_the_charts(browser, desk.records)
        make_the_alert(browser)
        alert_feed = see_it_in_my_alerts(browser, desk.url)
        search_feed = open_a_document(browser, desk.records["shenzhen"])
        read_the_feeds(browser, desk, search_feed, alert_feed)
        open_the_sources_view(browser, desk.url)
        switch_to_chinese(browser)
    finally:
        browser.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": desk.url, "storageTypes": "all"})
