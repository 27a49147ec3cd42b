"""Feeds, exports and sorting over the real app and OpenSearch: the Atom feed of a search (read with
feedparser), CSV with a byte-order mark, XLSX, sort by largest subsidy, and the page's sort and
published-from/to controls in headless Chromium."""

from __future__ import annotations

import csv
import io

import feedparser
import httpx
import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from indexer.routes.search import EXPORT_FIELDS
from tests.integration import test_web_page as web_page
from tests.integration.test_web_page import (
    console_errors,
    open_page,
    shown_titles,
    wait_for_results,
)

pytestmark = pytest.mark.integration
# The search page's fixtures: its four announcements indexed, the app served, one Chromium.
base_url = web_page.base_url
browser = web_page.browser
docs = web_page.docs
titles = web_page.titles
NEWEST_FIRST = ["bad_link", "hostile", "shenzhen", "beijing"]  # published 5, 4, 3 and 2 March 2024
LARGEST_SUBSIDY_FIRST = ["shenzhen", "beijing", "hostile", "bad_link"]  # 10 m, 5 m, 2 m, no subsidy


def get(base_url: str, path: str, **params) -> httpx.Response:
    response = httpx.get(base_url + path, params=params, timeout=20)
    assert response.status_code == 200, response.text
    return response


def feed(base_url: str, **params) -> feedparser.FeedParserDict:
    response = get(base_url, "/feeds/search.atom", **params)
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_a_search_feed_lists_the_hits_newest_first_linking_their_pages_and_originals(base_url, docs, titles):
    everything = feed(base_url)
    assert [e.title for e in everything.entries] == [titles[n] for n in NEWEST_FIRST]
    assert everything.feed.title == "Policy Radar: announcements"

    beijing = docs["beijing"]
    parsed = feed(base_url, q="Huawei", place="Beijing")
    assert parsed.feed.title == "Policy Radar: Huawei"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == (
        base_url + "/feeds/search.atom?q=Huawei&place=Beijing"
    )
    [entry] = parsed.entries
    links = {link.rel: link.href for link in entry.links}
    assert links == {"alternate": f"{base_url}/documents/{beijing.id}", "related": beijing.url}
    assert entry.published == "2024-03-02T00:00:00Z"
    assert "5 million yuan (subsidy)" in entry.summary
    page = httpx.get(links["alternate"], timeout=10)
    assert page.status_code == 200 and 'id="document"' in page.text

    by_subsidy = feed(base_url, sort="subsidy", size=2)
    assert [e.title for e in by_subsidy.entries] == [titles[n] for n in LARGEST_SUBSIDY_FIRST[:2]]
    refused = httpx.get(base_url + "/feeds/search.atom", params={"min_amount": "-1"}, timeout=10)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "min_amount"]


def test_the_api_sorts_by_largest_subsidy_and_by_date(base_url, docs, titles):
    by_subsidy = get(base_url, "/api/search", sort="subsidy").json()
    assert [h["title"] for h in by_subsidy["hits"]] == [titles[n] for n in LARGEST_SUBSIDY_FIRST]
    by_date = get(base_url, "/api/search", sort="date").json()
    assert [h["title"] for h in by_date["hits"]] == [titles[n] for n in NEWEST_FIRST]
    in_march = get(base_url, "/api/search", date_from="2024-03-03", date_to="2024-03-04", sort="date").json()
    assert [h["title"] for h in in_march["hits"]] == [titles["hostile"], titles["shenzhen"]]


def test_csv_opens_with_a_byte_order_mark_and_keeps_chinese_intact(base_url, docs, titles):
    response = get(base_url, "/api/export", format="csv", sort="subsidy")
    assert response.content.startswith(b"\xef\xbb\xbfid,published_at,title")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == EXPORT_FIELDS
    assert [r["title"] for r in rows] == [titles[n] for n in LARGEST_SUBSIDY_FIRST]
    assert rows[0]["title"] == "深圳市发布算力券实施方案"


def test_xlsx_export_holds_the_same_rows_as_text_cells(base_url, docs, titles):
    response = get(base_url, "/api/export", format="xlsx", q="subsidies")
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="policyradar.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == EXPORT_FIELDS
    by_title = {row[2]: dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows[1:]}
    csv_rows = csv.DictReader(
        io.StringIO(get(base_url, "/api/export", q="subsidies").content.decode("utf-8-sig"))
    )
    assert set(by_title) == {r["title"] for r in csv_rows}
    beijing = by_title[titles["beijing"]]
    assert (beijing["id"], beijing["url"], beijing["doc_number"]) == (
        docs["beijing"].id,
        docs["beijing"].url,
        "京发改〔2024〕7号",
    )
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)


def test_the_page_sorts_by_subsidy_filters_by_publication_dates_and_links_its_feed_and_exports(
    browser, base_url, docs, titles
):
    open_page(browser, base_url)
    Select(browser.find_element(By.ID, "sort")).select_by_value("subsidy")
    wait_for_results(browser, "sort=subsidy")
    assert shown_titles(browser) == [titles[n] for n in LARGEST_SUBSIDY_FIRST]

    open_page(browser, base_url, "sort=date&date_from=2024-03-03")
    assert browser.find_element(By.ID, "date-from").get_attribute("value") == "2024-03-03"
    assert shown_titles(browser) == [titles[n] for n in NEWEST_FIRST[:3]]
    chip = browser.find_element(By.CSS_SELECTOR, '#active-filters .filter-chip[data-param="date_from"]')
    assert chip.find_element(By.CSS_SELECTOR, ".filter-chip-label").text == "From 2024-03-03"
    # The "to" input filters too, as a person picking a date does (the change event of a date input).
    browser.execute_script(
        "const box = document.getElementById('date-to'); box.value = '2024-03-04';"
        "box.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    wait_for_results(browser, "sort=date&date_from=2024-03-03&date_to=2024-03-04")
    assert shown_titles(browser) == [titles["hostile"], titles["shenzhen"]]

    query = "sort=date&date_from=2024-03-03&date_to=2024-03-04"
    assert (
        browser.find_element(By.ID, "feed-atom").get_attribute("href")
        == f"{base_url}/feeds/search.atom?{query}"
    )
    xlsx = browser.find_element(By.ID, "export-xlsx").get_attribute("href")
    assert xlsx == f"{base_url}/api/export?{query}&format=xlsx"
    entries = feedparser.parse(
        httpx.get(browser.find_element(By.ID, "feed-atom").get_attribute("href")).content
    )
    assert [e.title for e in entries.entries] == [titles["hostile"], titles["shenzhen"]]
    assert console_errors(browser) == []
