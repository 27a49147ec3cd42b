"""The search page's charts in a real headless Chromium (tests/fixtures/browser.py), served by the
real app over the real OpenSearch node, with the records of tests/integration/charts_records.py.

Clicks land on the bars Chart.js drew (their positions asked from the chart), so a click on the
canvas is checked end to end: the search is filtered and its total is the bar's count. The page is
checked by axe-core (no serious or critical violations), Chinese must render with a CJK font, and
the page with its charts is saved to tests/artifacts/search-with-charts.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from indexer.api import create_app
from indexer.engine import Engine
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
from tests.integration.charts_records import chart_records, expected_provinces, index_for_charts

pytestmark = pytest.mark.integration

WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def records(settings: Settings, engine: Engine) -> dict[str, EnrichedRecord]:
    records = chart_records()
    index_for_charts(engine, settings.index_alias, list(records.values()))
    return records


@pytest.fixture
def base_url(settings: Settings, engine: Engine, records: dict[str, EnrichedRecord]) -> Iterator[str]:
    with serve_app(create_app(settings, engine)) as url:
        yield url


def wait_for(browser: webdriver.Chrome, element_id: str, query: str, state: str = "ready") -> None:
    """Until ``#element_id`` (results or charts) shows the answer to exactly ``query``."""

    def shown(driver: webdriver.Chrome) -> bool:
        node = driver.find_element(By.ID, element_id)
        if node.get_attribute("data-state") == "error":
            raise AssertionError(f"#{element_id} reported an error: {node.text}")
        return node.get_attribute("data-state") == state and node.get_attribute("data-query") == query

    WebDriverWait(browser, WAIT_SECONDS).until(shown, message=f"#{element_id} did not show {query!r}")


def wait_for_search(browser: webdriver.Chrome, query: str) -> None:
    wait_for(browser, "results", query)
    wait_for(browser, "charts", query)


def open_page(browser: webdriver.Chrome, base_url: str, query: str = "") -> None:
    browser.get_log("browser")
    browser.get(base_url + "/" + (f"?{query}" if query else ""))
    wait_for_search(browser, query)


def total(browser: webdriver.Chrome) -> int:
    return int(browser.find_element(By.ID, "total").text.replace(",", ""))


def click_bar(browser: webdriver.Chrome, canvas_id: str, index: int) -> None:
    """A real mouse click on bar ``index`` of the chart drawn in ``#canvas_id canvas``."""
    canvas = browser.find_element(By.CSS_SELECTOR, f"#{canvas_id} canvas")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    x, y, width, height = browser.execute_script(
        "const chart = Chart.getChart(arguments[0]);"
        "const bar = chart.getDatasetMeta(0).data[arguments[1]];"
        "const props = bar.getProps(['x', 'y', 'base', 'horizontal'], true);"
        "const x = props.horizontal ? (props.x + props.base) / 2 : props.x;"
        "const y = props.horizontal ? props.y : (props.y + props.base) / 2;"
        "const box = arguments[0].getBoundingClientRect();"
        "return [x, y, box.width, box.height];",
        canvas,
        index,
    )
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - width / 2), int(y - height / 2)
    ).click().perform()


def chart_labels(browser: webdriver.Chrome, canvas_id: str) -> list[str]:
    return browser.execute_script(
        "return Chart.getChart(arguments[0]).data.labels;",
        browser.find_element(By.CSS_SELECTOR, f"#{canvas_id} canvas"),
    )


def test_the_search_page_shows_charts_that_pass_axe_render_chinese_and_are_saved(browser, base_url, records):
    open_page(browser, base_url)
    charts = browser.find_element(By.ID, "charts")
    assert charts.is_displayed()
    assert browser.find_element(By.ID, "chart-timeline-title").text == "Announcements per week"
    week = browser.find_element(By.CSS_SELECTOR, '.chart-interval-button[data-interval="week"]')
    assert week.get_attribute("aria-pressed") == "true"
    browser.find_element(By.CSS_SELECTOR, '.chart-interval-button[data-interval="month"]').click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "chart-timeline-title").text == "Announcements per month"
    )
    wait_for(browser, "charts", "")
    assert chart_labels(browser, "chart-timeline") == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert (
        "1 without a publication date"
        in browser.find_element(By.CSS_SELECTOR, "#chart-timeline .chart-note").text
    )
    provinces = chart_labels(browser, "chart-provinces")
    assert provinces[0].endswith("(3)") and "Guangdong" in provinces[0]
    timeline_label = browser.find_element(By.CSS_SELECTOR, "#chart-timeline canvas").get_attribute(
        "aria-label"
    )
    assert "2024-01 to 2024-04" in timeline_label and "5 in all" in timeline_label

    violations = run_axe(browser)
    assert violations == [], describe(violations)
    assert_cjk_renders(browser)
    assert save_screenshot(browser, "search-with-charts").stat().st_size > 10_000
    assert console_errors(browser) == []


def test_a_click_on_a_month_filters_the_search_to_that_month(browser, base_url, records):
    open_page(browser, base_url)
    browser.find_element(By.CSS_SELECTOR, '.chart-interval-button[data-interval="month"]').click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: chart_labels(d, "chart-timeline")[0] == "2024-01")
    click_bar(browser, "chart-timeline", 1)  # February 2024: Guangzhou and Beijing
    wait_for_search(browser, "date_from=2024-02-01&date_to=2024-02-29")
    assert browser.current_url == base_url + "/?date_from=2024-02-01&date_to=2024-02-29"
    assert total(browser) == 2
    assert console_errors(browser) == []


def test_a_click_on_a_province_filters_the_search_to_it_and_its_row_button_does_too(
    browser, base_url, records
):
    expected = expected_provinces(list(records.values()))
    open_page(browser, base_url, "language=zh")
    click_bar(browser, "chart-provinces", 0)  # the most money: Guangdong
    wait_for_search(browser, "province=Guangdong&language=zh")
    assert total(browser) == 2  # the Chinese notices naming Guangdong
    assert console_errors(browser) == []

    open_page(browser, base_url)
    browser.find_element(By.CSS_SELECTOR, "#chart-provinces details summary").click()
    row = browser.find_element(By.CSS_SELECTOR, '#chart-provinces .chart-filter[data-value="Beijing"]')
    money = row.find_element(By.XPATH, "../../td[1]").text
    assert money == f"{expected['Beijing']['subsidy_cny']:,.0f}"
    row.send_keys(Keys.ENTER)
    wait_for_search(browser, "province=Beijing")
    assert total(browser) == expected["Beijing"]["count"]


def test_a_search_without_matches_hides_the_charts(browser, base_url, records):
    open_page(browser, base_url)
    browser.get(base_url + "/?q=nothingmatchesthis")
    wait_for(browser, "results", "q=nothingmatchesthis")
    wait_for(browser, "charts", "q=nothingmatchesthis", state="empty")
    assert not browser.find_element(By.ID, "charts").is_displayed()
    assert console_errors(browser) == []


def test_the_charts_follow_the_page_language_and_their_chinese_renders(browser, base_url, records):
    open_page(browser, base_url)
    browser.find_element(By.CSS_SELECTOR, '[data-set-lang="zh"]').click()
    try:
        title = browser.find_element(By.ID, "chart-provinces-title")
        WebDriverWait(browser, WAIT_SECONDS).until(lambda _d: title.text == "各省补贴金额")
        assert browser.find_element(By.ID, "chart-timeline-title").text == "每周公告数"
        assert_cjk_renders(browser, title.text, within="#chart-provinces-title")
        assert "广东省" in chart_labels(browser, "chart-provinces")[0]
    finally:
        browser.find_element(By.CSS_SELECTOR, '[data-set-lang="en"]').click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: d.find_element(By.ID, "chart-provinces-title").text == "Subsidy money by province"
    )
    assert console_errors(browser) == []
