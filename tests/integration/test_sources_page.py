"""The sources view (/sources) in a real headless Chromium, served by the real app with the launcher's
sources desk over the real Kafka and OpenSearch, against the local fixture site: the health table, a
user's token refused, then an operator discovers a listing, previews its records with their entities
and the alerts they would fire, and saves the spec for review. The page with its preview is saved as
tests/artifacts/sources.png; axe-core finds no serious or critical violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from crawlers.sources import load_source
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore
from indexer.api import create_app
from indexer.engine import Engine
from indexer.query import Conditions
from launcher.sources_desk import LauncherSourcesDesk
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.fixtures.browser import chromium, console_errors, describe, run_axe, save_screenshot
from tests.fixtures.site_server import serve_fixture_site
from tests.integration.test_sources_api import crawl_run, feed_spec, record_runs

pytestmark = pytest.mark.integration

TOKENS = {"op-token-1": {"user": "olga", "role": "operator"}, "user-token-1": "ulla"}
PREVIEW_SECONDS = 240  # a cold preview loads the language models in a child process
WAIT_SECONDS = 30


@dataclass
class Page:
    url: str
    site: str
    settings: Settings


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def page(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Page]:
    with serve_fixture_site() as (base, _fixture):
        sources = tmp_path / "sources"
        sources.mkdir()
        (sources / "steady.yaml").write_text(feed_spec("steady", f"{base}/feed.xml"))
        (sources / "broken.yaml").write_text(feed_spec("broken", f"{base}/gone.xml"))
        configured = settings.model_copy(
            update={
                "api_tokens": SecretStr(json.dumps(TOKENS)),
                "allow_private_hosts": (f"127.0.0.1:{base.rsplit(':', 1)[1]}",),
                "sources_dir": sources,
            }
        )
        record_runs(
            configured,
            [
                crawl_run("steady", 5, 4),
                crawl_run("broken", 1, 0, entry_errors={f"{base}/gone.xml": "HTTP 404"}),
            ],
        )
        AlertStore(engine, configured.index_alias, {"CNY": 1.0}).save(
            Alert(
                name="big-compute",
                owner="olga",
                conditions=Conditions(min_amount=2_500_000, subsidy_only=True),
                email=["olga@example.com"],
            )
        )
        with serve_app(create_app(configured, engine, LauncherSourcesDesk(configured))) as url:
            yield Page(url, base, configured)


def wait_for_state(
    browser: webdriver.Chrome, element_id: str, state: str, seconds: float = WAIT_SECONDS
) -> None:
    def reached(driver: webdriver.Chrome) -> bool:
        current = driver.find_element(By.ID, element_id).get_attribute("data-state")
        if current == "error" and state != "error":
            raise AssertionError(f"#{element_id} failed: " + driver.find_element(By.ID, "add-error").text)
        return current == state

    WebDriverWait(browser, seconds).until(reached, message=f"#{element_id} never reached {state!r}")


def set_token(browser: webdriver.Chrome, token: str) -> None:
    box = browser.find_element(By.ID, "token")
    box.clear()
    box.send_keys(token)
    browser.find_element(By.ID, "token-save").click()
    assert browser.find_element(By.ID, "token-state").text == "A token is set for this tab."
    assert box.get_attribute("value") == ""  # the token leaves the field once it is kept


def discover(browser: webdriver.Chrome, url: str, source_id: str) -> None:
    for field, value in (("source-url", url), ("source-id", source_id)):
        box = browser.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    browser.find_element(By.ID, "discover").click()


def test_the_sources_view_shows_health_and_an_operator_adds_a_source(browser, page):
    browser.get_log("browser")
    browser.get(page.url + "/sources")
    wait_for_state(browser, "sources-table", "ready")
    rows = {
        r.get_attribute("data-source"): r
        for r in browser.find_elements(By.CSS_SELECTOR, "#sources-table tbody tr")
    }
    assert set(rows) == {"steady", "broken"}
    assert rows["steady"].get_attribute("data-state") == "ok"
    assert rows["steady"].find_element(By.CSS_SELECTOR, ".items").text == "4"
    assert rows["broken"].find_element(By.CSS_SELECTOR, ".badge").text == "Flagged"
    assert rows["broken"].find_element(By.CSS_SELECTOR, ".flags li").text == (
        f"entry point {page.site}/gone.xml failed: HTTP 404"
    )
    assert browser.find_element(By.ID, "health-summary").text == "2 sources, 2 enabled, 1 flagged"
    Select(browser.find_element(By.ID, "days")).select_by_value("7")
    wait_for_state(browser, "sources-table", "ready")
    assert browser.find_element(By.ID, "items-heading").text == "Items (7 days)"
    assert run_axe(browser) == [], describe(run_axe(browser))
    assert console_errors(browser) == []

    # A user's token is refused with the reason.
    set_token(browser, "user-token-1")
    discover(browser, f"{page.site}/en/list.html", "city-news")
    wait_for_state(browser, "discovery", "error")
    error = browser.find_element(By.ID, "add-error").text
    assert "needs an operator's token" in error and "'ulla' has the role 'user'" in error
    refused = console_errors(browser)  # Chromium logs the refused request itself, and nothing else
    assert len(refused) == 1 and "403" in refused[0], refused

    # An operator discovers the listing, previews its records and saves the spec.
    set_token(browser, "op-token-1")
    discover(browser, f"{page.site}/en/list.html", "city-news")
    wait_for_state(browser, "discovery", "ready")
    assert browser.find_element(By.ID, "listing-selector").text == (
        "ul.news li a::attr(href) (next page: a:contains('Next')::attr(href))"
    )
    spec = json.loads(browser.find_element(By.ID, "spec").get_attribute("value"))
    assert spec["id"] == "city-news" and spec["enabled"] is False
    browser.find_element(By.ID, "preview").click()
    wait_for_state(browser, "preview-result", "ready", PREVIEW_SECONDS)
    records = browser.find_elements(By.CSS_SELECTOR, "#records .record")
    assert len(records) == 3
    for record in records:
        money = record.find_element(By.CSS_SELECTOR, ".chip-money").text
        assert money.endswith("million yuan (subsidy) (cap)"), money
        fired = record.find_element(By.CSS_SELECTOR, ".alerts-fired")
        big = int(money.split()[0]) >= 3
        assert fired.get_attribute("data-fired") == ("1" if big else "0")
        assert fired.text == ("fires 1 alert(s); yours: big-compute" if big else "fires 0 alert(s)")
    save_screenshot(browser, "sources")
    assert run_axe(browser) == [], describe(run_axe(browser))

    browser.find_element(By.ID, "save").click()
    saved = WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: driver.find_element(By.ID, "saved").text or None, message="the spec was not saved"
    )
    review = page.settings.sources_dir / "_review" / "city-news.yaml"
    assert saved == f"Saved city-news for review (disabled) as {review}."
    assert load_source(review).enabled is False
    wait_for_state(browser, "sources-table", "ready")
    row = browser.find_element(By.CSS_SELECTOR, '#sources-table tr[data-source="city-news"]')
    assert row.find_element(By.CSS_SELECTOR, ".badge").text == "In review"
    assert "op-token-1" not in browser.current_url and "user-token-1" not in browser.current_url
    assert console_errors(browser) == []
