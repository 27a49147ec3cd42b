"""The search page in a real headless Chromium, served by the real app over the real OpenSearch node.

Each test indexes four enriched announcements into its own alias (an English notice on Beijing
subsidies naming Huawei, open for applications, a Chinese plan on 深圳 算力券 whose deadline has
passed, a hostile one full of markup, and one whose URL is ``javascript:``), serves ``create_app``
with uvicorn on a free port and drives the page with Debian's Chromium and chromedriver. Those
binaries are required: without them the tests fail.
"""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from indexer.api import WEB_DIR, create_app
from indexer.engine import Engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import EnrichedRecord, Issuer, PolicyFacts
from policyradar.settings import Settings
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 20

HOSTILE_TITLE = "Hostile <script>window.__pwned=1</script> notice {{7*7}}"
HOSTILE_IMG = '<img src=x onerror="window.__pwned=1">'
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
BJ_COMMISSION = "Beijing Municipal Commission of Development and Reform"
# The policy facts are set here, not left to the extractor: the page's tests need known values.
FACTS = {
    "beijing": PolicyFacts(
        doc_type="notice",
        issuers=[Issuer(text="北京市发展和改革委员会", start=0, end=11, canonical=BJ_COMMISSION)],
        doc_number="京发改〔2024〕7号",
        deadline=TODAY + timedelta(days=10),
        apply_from=TODAY - timedelta(days=5),
    ),
    "shenzhen": PolicyFacts(doc_type="plan", deadline=TODAY - timedelta(days=3)),
    "hostile": PolicyFacts(
        issuers=[Issuer(text="x", start=0, end=1, canonical='<img src=x onerror="window.__pwned=1">')]
    ),
    "bad_link": PolicyFacts(),
}
HOSTILE_TEXT = (
    f"Hostile text <mark>fake</mark> &amp; {HOSTILE_IMG} and <script>window.__pwned=1</script> "
    "{{7*7}} about Shanghai subsidies of 2 million yuan."
)


# ---------------------------------------------------------------------------------------- data


def sample_records() -> dict[str, EnrichedRecord]:
    """The four announcements, enriched by the real extractors."""
    bad_link = enrich(
        make_raw(
            4,
            title="Notice with an unsafe link",
            text="Zhipu AI raised 50 million yuan in a funding round, the notice says.",
        )
    )
    records = {
        "beijing": enrich(
            make_raw(
                1,
                title="Beijing announces computing subsidies for AI models",
                text="The Beijing Municipal Commission will grant subsidies of up to 5 million yuan "
                "to Huawei and other AI companies for computing power.",
            )
        ),
        "shenzhen": enrich(
            make_raw(
                2,
                language="zh",
                title="深圳市发布算力券实施方案",
                text="深圳市将发放算力券，对企业给予最高1000万元补贴，支持腾讯等人工智能企业。",
            )
        ),
        "hostile": enrich(make_raw(3, title=HOSTILE_TITLE, text=HOSTILE_TEXT)),
        "bad_link": bad_link.model_copy(update={"url": "javascript:window.__pwned=1"}),
    }
    return {name: record.model_copy(update={"facts": FACTS[name]}) for name, record in records.items()}


def index_records(engine: Engine, alias: str, records: dict[str, EnrichedRecord]) -> None:
    ensure_index(engine, alias)
    writer = BulkWriter(engine, alias, refresh="wait_for")
    docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records.values()]
    assert writer.write(docs) == []


@pytest.fixture
def docs(settings: Settings, engine: Engine) -> dict[str, EnrichedRecord]:
    records = sample_records()
    index_records(engine, settings.index_alias, records)
    return records


@pytest.fixture
def titles(docs: dict[str, EnrichedRecord]) -> dict[str, str]:
    return {name: record.title for name, record in docs.items()}


# ---------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerThread:
    """The app under uvicorn in a background thread of this process."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        port = free_port()
        config = uvicorn.Config(
            create_app(settings, engine),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="none",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web-page-server", daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while not self.server.started:
            if not self.thread.is_alive():
                pytest.fail("the web app's uvicorn server stopped during startup")
            if time.monotonic() > deadline:
                pytest.fail(f"the web app did not start on {self.url} within {WAIT_SECONDS}s")
            time.sleep(0.05)
        response = httpx.get(self.url + "/", timeout=10)
        assert response.status_code == 200, response.text

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the web app's server did not stop"


@pytest.fixture
def base_url(settings: Settings, engine: Engine, docs: dict[str, EnrichedRecord]) -> Iterator[str]:
    server = ServerThread(settings, engine)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------- browser


def make_browser() -> webdriver.Chrome:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: the web page tests need Debian's Chromium "
            "(`apt-get install -y chromium chromium-driver`)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver path is explicit and SE_OFFLINE is set: Selenium Manager never downloads anything.
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = make_browser()
        try:
            yield driver
        finally:
            driver.quit()


def wait_for_results(browser: webdriver.Chrome, query: str) -> None:
    """Wait until the page has rendered the answer to exactly ``query`` (the page's own query string)."""

    def rendered(driver: webdriver.Chrome) -> bool:
        results = driver.find_element(By.ID, "results")
        if results.get_attribute("data-state") == "error":
            raise AssertionError("the page reported: " + driver.find_element(By.ID, "status").text)
        return results.get_attribute("data-state") == "ready" and results.get_attribute("data-query") == query

    WebDriverWait(browser, WAIT_SECONDS).until(rendered, message=f"no results rendered for {query!r}")


def open_page(browser: webdriver.Chrome, base_url: str, query: str = "") -> None:
    browser.get_log("browser")  # start each page with an empty console log
    browser.get(base_url + "/" + (f"?{query}" if query else ""))
    wait_for_results(browser, query)


def search_for(browser: webdriver.Chrome, text: str) -> None:
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text, Keys.ENTER)
    wait_for_results(browser, urlencode({"q": text}))


def shown_titles(browser: webdriver.Chrome) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results .result .result-title")]


def total(browser: webdriver.Chrome) -> str:
    return browser.find_element(By.ID, "total").text


def result_for(browser: webdriver.Chrome, record: EnrichedRecord) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, f'#results .result[data-id="{record.id}"]')


def facet_value(browser: webdriver.Chrome, facet: str, value: str) -> WebElement:
    return browser.find_element(
        By.CSS_SELECTOR, f'.facet[data-facet="{facet}"] .facet-value[data-value="{value}"]'
    )


def csp_violations(browser: webdriver.Chrome) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]
    ]


def console_errors(browser: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


# ---------------------------------------------------------------------------------------- tests


def test_search_shows_the_documents_their_count_and_their_entities(browser, base_url, docs, titles):
    open_page(browser, base_url)
    assert total(browser) == "4"
    assert sorted(shown_titles(browser)) == sorted(titles.values())
    assert console_errors(browser) == []

    search_for(browser, "Huawei")
    assert browser.current_url == base_url + "/?q=Huawei"
    assert total(browser) == "1"
    assert shown_titles(browser) == [titles["beijing"]]
    result = result_for(browser, docs["beijing"])
    assert "Huawei" in [m.text for m in result.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    money = result.find_element(By.CSS_SELECTOR, ".chip-money")
    assert "chip-subsidy" in money.get_attribute("class").split()
    assert money.get_attribute("data-qualifier") == "max"
    assert money.text == "up to 5 million yuan subsidy"
    assert [c.text for c in result.find_elements(By.CSS_SELECTOR, ".chip-place")] == ["Beijing"]
    assert [c.text for c in result.find_elements(By.CSS_SELECTOR, ".chip-company")] == ["Huawei"]
    # Amounts, places and companies are also marked where they stand in the snippet.
    marked = {
        (e.get_attribute("class"), e.text) for e in result.find_elements(By.CSS_SELECTOR, ".snippet .ent")
    }
    assert ("ent ent-money", "5 million yuan") in marked and ("ent ent-company", "Huawei") in marked

    search_for(browser, "算力券")
    assert total(browser) == "1"
    assert shown_titles(browser) == [titles["shenzhen"]]
    # The CJK bigram highlights arrive as <mark>算</mark><mark>力</mark><mark>券</mark>: shown as one.
    assert [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".result-title mark")] == ["算力券"]

    # The URL is the state: a reload shows the same search, and Back returns to the previous one.
    browser.refresh()
    wait_for_results(browser, urlencode({"q": "算力券"}))
    assert browser.find_element(By.ID, "q").get_attribute("value") == "算力券"
    assert shown_titles(browser) == [titles["shenzhen"]]
    browser.back()
    wait_for_results(browser, "q=Huawei")
    assert browser.find_element(By.ID, "q").get_attribute("value") == "Huawei"
    assert shown_titles(browser) == [titles["beijing"]]
    assert csp_violations(browser) == []


def test_a_facet_value_toggles_a_filter_with_a_removable_chip(browser, base_url, docs, titles):
    open_page(browser, base_url)
    assert browser.find_elements(By.CSS_SELECTOR, "#active-filters .filter-chip") == []
    subsidy = facet_value(browser, "topics", "subsidy")
    assert subsidy.find_element(By.CSS_SELECTOR, ".facet-count").text == "3"
    subsidy.click()
    wait_for_results(browser, "topic=subsidy")
    assert total(browser) == "3"
    assert sorted(shown_titles(browser)) == sorted([titles["beijing"], titles["shenzhen"], titles["hostile"]])

    beijing = facet_value(browser, "places", "Beijing")
    assert beijing.find_element(By.CSS_SELECTOR, ".facet-count").text == "1"
    assert beijing.get_attribute("aria-pressed") == "false"
    beijing.click()
    wait_for_results(browser, "place=Beijing&topic=subsidy")
    assert browser.current_url == base_url + "/?place=Beijing&topic=subsidy"
    assert total(browser) == "1"
    assert shown_titles(browser) == [titles["beijing"]]
    selected = facet_value(browser, "places", "Beijing")
    assert selected.get_attribute("aria-pressed") == "true"
    assert selected.find_element(By.CSS_SELECTOR, ".facet-count").text == "1"
    chips = browser.find_elements(By.CSS_SELECTOR, "#active-filters .filter-chip")
    assert [(c.get_attribute("data-param"), c.get_attribute("data-value")) for c in chips] == [
        ("place", "Beijing"),
        ("topic", "subsidy"),
    ]
    assert "Beijing" in chips[0].text

    # Clicking a selected value again, or its chip, removes the filter.
    facet_value(browser, "topics", "subsidy").click()
    wait_for_results(browser, "place=Beijing")
    assert shown_titles(browser) == [titles["beijing"]]
    browser.find_element(By.CSS_SELECTOR, '#active-filters .filter-chip[data-value="Beijing"]').click()
    wait_for_results(browser, "")
    assert total(browser) == "4"
    assert browser.find_element(By.ID, "active-filters").is_displayed() is False


def test_amount_and_subsidy_controls_filter_the_results(browser, base_url, docs, titles):
    open_page(browser, base_url)
    amount = browser.find_element(By.ID, "min-amount")
    amount.send_keys("3000000", Keys.ENTER)
    wait_for_results(browser, "min_amount=3000000")
    expected = [titles["beijing"], titles["shenzhen"], titles["bad_link"]]
    assert sorted(shown_titles(browser)) == sorted(expected)

    browser.find_element(By.ID, "subsidy-only").click()
    wait_for_results(browser, "subsidy_only=true&min_amount=3000000")
    assert sorted(shown_titles(browser)) == sorted([titles["beijing"], titles["shenzhen"]])

    Select(browser.find_element(By.ID, "sort")).select_by_value("date")
    wait_for_results(browser, "sort=date&subsidy_only=true&min_amount=3000000")
    assert shown_titles(browser) == [titles["shenzhen"], titles["beijing"]]


def test_result_links_point_to_the_documents_and_only_to_web_addresses(browser, base_url, docs, titles):
    open_page(browser, base_url, "q=Huawei")
    link = browser.find_element(By.CSS_SELECTOR, "#results .result .result-title a")
    assert link.get_attribute("href") == docs["beijing"].url
    assert link.get_attribute("target") == "_blank"
    assert {"noopener", "noreferrer"} <= set(link.get_attribute("rel").split())

    open_page(browser, base_url, "q=unsafe")
    result = result_for(browser, docs["bad_link"])
    assert result.find_element(By.CSS_SELECTOR, ".result-title").text == titles["bad_link"]
    assert result.find_elements(By.CSS_SELECTOR, ".result-title a") == []
    assert browser.find_elements(By.CSS_SELECTOR, '[href^="javascript:" i], [src^="javascript:" i]') == []


@pytest.mark.parametrize("query", ["", "q=Hostile"], ids=["plain", "highlighted"])
def test_a_hostile_document_renders_as_inert_text(browser, base_url, docs, query):
    open_page(browser, base_url, query)
    hostile = result_for(browser, docs["hostile"])
    title = hostile.find_element(By.CSS_SELECTOR, ".result-title a")
    assert title.text == HOSTILE_TITLE  # literally, with <script> and {{7*7}} (no template evaluated it)
    assert "49" not in hostile.text
    assert title.get_attribute("href") == docs["hostile"].url
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    for selector in ("#results img", "#results script", "#results iframe", "[onerror]"):
        assert browser.find_elements(By.CSS_SELECTOR, selector) == [], selector
    if query:
        # The snippet shows the document's markup as text; only the engine's own <mark> tags are marks.
        snippets = " ".join(s.text for s in hostile.find_elements(By.CSS_SELECTOR, ".snippet"))
        assert HOSTILE_IMG in snippets
        assert "<mark>fake</mark>" in snippets
        assert "&amp;" in snippets
        assert [m.text for m in hostile.find_elements(By.CSS_SELECTOR, "mark")] == ["Hostile", "Hostile"]
    assert csp_violations(browser) == []


def test_pages_move_with_previous_and_next(browser, base_url, docs, titles):
    open_page(browser, base_url, "sort=date&size=2")
    assert total(browser) == "4"
    assert shown_titles(browser) == [titles["bad_link"], titles["hostile"]]
    assert browser.find_element(By.ID, "page-info").text == "Page 1 of 2"
    assert not browser.find_element(By.ID, "prev").is_enabled()

    browser.find_element(By.ID, "next").click()
    wait_for_results(browser, "sort=date&page=2&size=2")
    assert shown_titles(browser) == [titles["shenzhen"], titles["beijing"]]
    assert not browser.find_element(By.ID, "next").is_enabled()

    browser.find_element(By.ID, "prev").click()
    wait_for_results(browser, "sort=date&size=2")
    assert shown_titles(browser) == [titles["bad_link"], titles["hostile"]]


def test_export_links_download_the_current_result_set(browser, base_url, docs, titles):
    open_page(browser, base_url)
    unfiltered = httpx.get(browser.find_element(By.ID, "export-csv").get_attribute("href"), timeout=10)
    assert unfiltered.status_code == 200
    assert sorted(r["title"] for r in csv.DictReader(io.StringIO(unfiltered.text))) == sorted(titles.values())

    facet_value(browser, "places", "Beijing").click()
    wait_for_results(browser, "place=Beijing")
    csv_href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert csv_href == base_url + "/api/export?place=Beijing&format=csv"
    response = httpx.get(csv_href, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["title"], r["url"]) for r in rows] == [(titles["beijing"], docs["beijing"].url)]

    json_href = browser.find_element(By.ID, "export-json").get_attribute("href")
    assert json_href == base_url + "/api/export?place=Beijing&format=json"
    exported = httpx.get(json_href, timeout=10).json()
    assert [row["title"] for row in exported] == [titles["beijing"]]


class _InlineCode(HTMLParser):
    """Collects what the Content-Security-Policy would block in a page: inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> block")
        self.found += [f"{name}= on <{tag}>" for name in names if name == "style" or name.startswith("on")]


def test_responses_carry_a_strict_content_security_policy(base_url):
    for path in ("/", "/static/app.js", "/static/style.css", "/api/search?q=Huawei"):
        response = httpx.get(base_url + path, timeout=10)
        assert response.status_code == 200, path
        policy = response.headers.get("content-security-policy", "")
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
        assert directives.get("script-src") == ["'self'"], (path, policy)
        assert directives.get("style-src") == ["'self'"], (path, policy)
        assert directives.get("default-src") == ["'self'"], (path, policy)

    # The page itself obeys that policy: no inline code in the HTML, no HTML parsing of data in the JS.
    parser = _InlineCode()
    parser.feed((WEB_DIR / "index.html").read_text(encoding="utf-8"))
    assert parser.found == []
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink
    assert not re.search(r"\.style\s*=|setAttribute\(\s*[\"']style", script)


def test_hits_show_their_policy_facts_and_filter_by_type_and_open_applications(
    browser, base_url, docs, titles
):
    open_page(browser, base_url)
    facts = result_for(browser, docs["beijing"]).find_element(By.CSS_SELECTOR, ".result-facts")
    assert facts.find_element(By.CSS_SELECTOR, ".fact-type").text == "Notice"
    assert facts.find_element(By.CSS_SELECTOR, ".fact-number").text == "京发改〔2024〕7号"
    assert facts.find_element(By.CSS_SELECTOR, ".fact-issuers").text == f"Issued by {BJ_COMMISSION}"
    deadline = facts.find_element(By.CSS_SELECTOR, ".fact-deadline")
    start, end = TODAY - timedelta(days=5), TODAY + timedelta(days=10)
    assert deadline.text == f"Apply {start} to {end} (open)"
    assert "is-open" in deadline.get_attribute("class").split()
    closed = result_for(browser, docs["shenzhen"]).find_element(By.CSS_SELECTOR, ".fact-deadline")
    assert closed.text == f"Apply by {TODAY - timedelta(days=3)} (closed)"
    assert result_for(browser, docs["bad_link"]).find_elements(By.CSS_SELECTOR, ".result-facts") == []
    hostile = result_for(browser, docs["hostile"]).find_element(By.CSS_SELECTOR, ".fact-issuers")
    assert hostile.text == 'Issued by <img src=x onerror="window.__pwned=1">'  # shown as text
    assert browser.find_elements(By.CSS_SELECTOR, "#results img, [onerror]") == []

    # Document type is a facet; "open for applications" a checkbox; both are in the URL.
    notice = facet_value(browser, "doc_types", "notice")
    assert notice.find_element(By.CSS_SELECTOR, ".facet-label").text == "Notice"
    assert notice.find_element(By.CSS_SELECTOR, ".facet-count").text == "1"
    facet_value(browser, "doc_types", "plan").click()
    wait_for_results(browser, "doc_type=plan")
    assert shown_titles(browser) == [titles["shenzhen"]]
    chips = browser.find_elements(By.CSS_SELECTOR, "#active-filters .filter-chip")
    assert [c.find_element(By.CSS_SELECTOR, ".filter-chip-label").text for c in chips] == ["Type: Plan"]
    chips[0].click()
    wait_for_results(browser, "")

    browser.find_element(By.ID, "open-only").click()
    wait_for_results(browser, "open=true")
    assert browser.current_url == base_url + "/?open=true"
    assert shown_titles(browser) == [titles["beijing"]]
    chip = browser.find_element(By.CSS_SELECTOR, '#active-filters .filter-chip[data-param="open"]')
    assert chip.find_element(By.CSS_SELECTOR, ".filter-chip-label").text == "Open for applications"
    browser.refresh()  # the URL is the state: the box stays ticked
    wait_for_results(browser, "open=true")
    assert browser.find_element(By.ID, "open-only").is_selected()
    chip = browser.find_element(By.CSS_SELECTOR, '#active-filters .filter-chip[data-param="open"]')
    chip.click()
    wait_for_results(browser, "")
    assert not browser.find_element(By.ID, "open-only").is_selected() and total(browser) == "4"
    assert console_errors(browser) == [] and csp_violations(browser) == []
