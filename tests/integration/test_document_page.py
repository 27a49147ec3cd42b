"""A document's own page (/documents/{id}) in headless Chromium over the real app and OpenSearch: the
facts table, the full text with its entities marked by their offsets, the link to the original, the
English/Chinese switch (remembered), Chinese names beside the canonical English ones, and a 404 page
for an unknown id. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration import test_web_page as web_page
from tests.integration.test_web_page import (
    BJ_COMMISSION,
    HOSTILE_TITLE,
    TODAY,
    WAIT_SECONDS,
    console_errors,
    csp_violations,
    facet_value,
    open_page,
    result_for,
)

pytestmark = pytest.mark.integration
# The search page's fixtures: its four announcements indexed, the app served, one Chromium.
base_url = web_page.base_url
browser = web_page.browser
docs = web_page.docs
titles = web_page.titles
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def open_document(browser, base_url: str, doc_id: str) -> None:
    browser.get_log("browser")
    browser.get(f"{base_url}/documents/{doc_id}")
    wait_until_ready(browser)


def wait_until_ready(browser) -> None:
    def ready(driver) -> bool:
        state = driver.find_element(By.ID, "document").get_attribute("data-state")
        if state in ("error", "not-found"):
            raise AssertionError("the page reported: " + driver.find_element(By.ID, "doc-status").text)
        return state == "ready"

    WebDriverWait(browser, WAIT_SECONDS).until(ready, message="the document page did not render")


def fact_row(browser, name: str):
    return browser.find_element(By.CSS_SELECTOR, f'#facts tr[data-row="{name}"]')


def row_texts(browser, name: str, selector: str) -> list[str]:
    return [e.text for e in fact_row(browser, name).find_elements(By.CSS_SELECTOR, selector)]


def marks(browser, kind: str) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, f"#doc-text .ent-{kind}")]


def save_screenshot(browser, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path)), path
    return path


@pytest.fixture
def english(browser):
    """Each test starts in English whatever the one before chose (the choice lives in localStorage)."""
    yield
    browser.execute_script("window.localStorage.removeItem('policyradar.lang')")


def test_a_result_opens_its_page_with_the_facts_the_marked_text_and_the_original(
    browser, base_url, docs, english
):
    beijing = docs["beijing"]
    open_page(browser, base_url, "q=Huawei")
    link = result_for(browser, beijing).find_element(By.CSS_SELECTOR, ".result-page")
    assert link.text == "Details"
    link.click()
    wait_until_ready(browser)
    assert browser.current_url == f"{base_url}/documents/{beijing.id}"
    assert browser.find_element(By.ID, "doc-title").text == beijing.title
    assert browser.title == f"{beijing.title} — Policy Radar"

    assert row_texts(browser, "doc_type", ".fact-type") == ["Notice"]
    assert row_texts(browser, "doc_number", ".fact-number") == ["京发改〔2024〕7号"]
    assert row_texts(browser, "issuers", ".fact-issuer") == [f"北京市发展和改革委员会 · {BJ_COMMISSION}"]
    window = fact_row(browser, "window").text
    assert window.endswith(f"Apply {TODAY - timedelta(days=5)} to {TODAY + timedelta(days=10)} (open)")
    money = fact_row(browser, "money").find_element(By.CSS_SELECTOR, ".chip-money")
    assert money.text == "up to 5 million yuan subsidy"
    assert "chip-subsidy" in money.get_attribute("class").split()
    assert row_texts(browser, "places", ".chip-place") == ["Beijing"]
    assert row_texts(browser, "companies", ".chip-company") == ["Huawei"]
    assert row_texts(browser, "topics", ".chip-topic") == ["subsidy", "computing-power"]

    # The text, whole, with the entities marked where their offsets put them.
    assert browser.find_element(By.ID, "doc-text").text == beijing.text
    assert marks(browser, "money") == ["5 million yuan"]
    assert "ent-subsidy" in browser.find_element(By.CSS_SELECTOR, "#doc-text .ent-money").get_attribute(
        "class"
    )
    assert marks(browser, "company") == ["Huawei"] and marks(browser, "organization")
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#doc-title .ent-place")] == ["Beijing"]

    original = browser.find_element(By.ID, "doc-original")
    assert original.get_attribute("href") == beijing.url
    assert original.get_attribute("target") == "_blank"
    assert {"noopener", "noreferrer"} <= set(original.get_attribute("rel").split())
    assert browser.find_element(By.ID, "copies-section").is_displayed() is False
    save_screenshot(browser, "document-page.png")
    assert console_errors(browser) == [] and csp_violations(browser) == []

    browser.find_element(By.ID, "back").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.current_url == base_url + "/")


def test_a_chinese_document_shows_its_names_beside_the_english_ones_in_either_language(
    browser, base_url, docs, english
):
    shenzhen = docs["shenzhen"]
    open_document(browser, base_url, shenzhen.id)
    assert row_texts(browser, "places", ".chip-place") == ["深圳市 · Shenzhen (province: 广东省 · Guangdong)"]
    assert row_texts(browser, "companies", ".chip-company") == ["腾讯 · Tencent"]
    assert marks(browser, "money") == ["1000万元"]  # the amount's span; "最高" made it a cap
    assert "深圳市" in marks(browser, "place")
    assert fact_row(browser, "doc_type").find_element(By.TAG_NAME, "th").text == "Document type"

    browser.find_element(By.CSS_SELECTOR, '[data-set-lang="zh"]').click()
    assert browser.find_element(By.ID, "facts-heading").text == "要素"
    assert fact_row(browser, "doc_type").find_element(By.TAG_NAME, "th").text == "文件类型"
    assert row_texts(browser, "doc_type", ".fact-type") == ["方案"]
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    save_screenshot(browser, "document-page-zh.png")

    # Remembered: a reload, and the search page, stay in Chinese.
    open_document(browser, base_url, shenzhen.id)
    assert browser.find_element(By.ID, "text-heading").text == "全文"
    assert (
        browser.find_element(By.CSS_SELECTOR, '[data-set-lang="zh"]').get_attribute("aria-pressed") == "true"
    )
    open_page(browser, base_url)
    assert browser.find_element(By.ID, "search-button").text == "搜索"
    assert (
        browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="places"] .facet-title').get_attribute(
            "textContent"
        )
        == "地区"
    )
    province = facet_value(browser, "provinces", "Guangdong").find_element(By.CSS_SELECTOR, ".facet-label")
    assert province.text == "广东省 · Guangdong"
    shenzhen_place = facet_value(browser, "places", "Shenzhen").find_element(By.CSS_SELECTOR, ".facet-label")
    assert shenzhen_place.text == "深圳市 · Shenzhen"  # learnt from the hit that names it
    chip = result_for(browser, shenzhen).find_element(By.CSS_SELECTOR, ".chip-place")
    assert chip.text == "深圳市 · Shenzhen"

    browser.find_element(By.CSS_SELECTOR, '[data-set-lang="en"]').click()
    assert browser.find_element(By.ID, "search-button").text == "Search"
    assert (
        browser.find_element(By.CSS_SELECTOR, '.facet[data-facet="places"] .facet-title').get_attribute(
            "textContent"
        )
        == "Places"
    )
    assert console_errors(browser) == [] and csp_violations(browser) == []


def test_an_unknown_id_answers_a_404_page_and_the_api_a_404(browser, base_url, docs, english):
    response = httpx.get(f"{base_url}/documents/no-such-document", timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no-such-document" in response.text
    hostile = httpx.get(f"{base_url}/documents/%3Cscript%3Ex", timeout=10)
    assert (
        hostile.status_code == 404 and "<script>x" not in hostile.text and "&lt;script&gt;x" in hostile.text
    )
    api = httpx.get(f"{base_url}/api/documents/no-such-document", timeout=10)
    assert api.status_code == 404 and api.json() == {"detail": "no document with id 'no-such-document'"}

    browser.get(f"{base_url}/documents/no-such-document")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Document not found"
    assert browser.find_element(By.CSS_SELECTOR, "#not-found a").get_attribute("href") == base_url + "/"


def test_a_hostile_document_page_shows_its_markup_as_text(browser, base_url, docs, english):
    open_document(browser, base_url, docs["hostile"].id)
    assert browser.find_element(By.ID, "doc-title").text == HOSTILE_TITLE
    assert browser.find_element(By.ID, "doc-text").text == docs["hostile"].text
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.find_elements(By.CSS_SELECTOR, "#doc img, #doc script, [onerror]") == []
    issuer = fact_row(browser, "issuers").text
    assert '<img src=x onerror="window.__pwned=1">' in issuer
    open_document(browser, base_url, docs["bad_link"].id)
    assert browser.find_elements(By.CSS_SELECTOR, "a#doc-original") == []  # a javascript: URL is no link
    assert browser.find_element(By.ID, "doc-original").text == "Original"
    assert console_errors(browser) == [] and csp_violations(browser) == []


def test_the_document_page_and_its_scripts_obey_the_content_security_policy(base_url, docs):
    response = httpx.get(f"{base_url}/documents/{docs['beijing'].id}", timeout=10)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    parser = web_page._InlineCode()
    parser.feed((web_page.WEB_DIR / "document.html").read_text(encoding="utf-8"))
    assert parser.found == []
    for name in ("document.js", "i18n.js"):
        script = (web_page.WEB_DIR / name).read_text(encoding="utf-8")
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in script, (name, sink)
