"""Alerts in the browser (headless Chromium, the real app over the real OpenSearch): sign in with a
token, turn a search into an alert with "Alert me", find it in "My alerts" with its preview and
history, edit it, pause it, delete it; another user sees none of it. axe-core finds no serious or
critical violation on either view; screenshots go to tests/artifacts/ (alert-me.png, my-alerts.png).
The token never appears in a URL the page requested, nor in the console."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from indexer.api import create_app
from indexer.engine import Engine
from policyradar.settings import Settings
from tests.fixtures.app_server import serve_app
from tests.fixtures.browser import chromium, console_errors, describe, run_axe, save_screenshot
from tests.integration.test_web_page import index_records, open_page, sample_records

pytestmark = pytest.mark.integration
TOKENS = {"secret-token-ana-7f3": "ana", "secret-token-ben-9q1": "ben"}
WAIT_SECONDS = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def base_url(settings: Settings, engine: Engine) -> Iterator[str]:
    index_records(engine, settings.index_alias, sample_records())
    configured = settings.model_copy(update={"api_tokens": SecretStr(json.dumps(TOKENS))})
    with serve_app(create_app(configured, engine)) as base:
        yield base


def wait(browser: webdriver.Chrome, condition, message: str):
    return WebDriverWait(browser, WAIT_SECONDS).until(condition, message=message)


def visible(browser: webdriver.Chrome, selector: str):
    return wait(
        browser,
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), False),
        f"nothing visible matches {selector}",
    )


def sign_in(browser: webdriver.Chrome, token: str) -> None:
    box = visible(browser, "input[name=token]")
    box.clear()
    box.send_keys(token)
    browser.find_element(By.ID, "alert-signin-button").click()


def card(browser: webdriver.Chrome, name: str):
    return visible(browser, f'.alert-card[data-name="{name}"]')


def requested_urls(browser: webdriver.Chrome) -> list[str]:
    return browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")


def api_alerts(base_url: str, token: str) -> list[dict]:
    return httpx.get(
        base_url + "/api/alerts", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()


def test_an_analyst_makes_an_alert_from_her_search_and_manages_it_in_my_alerts(browser, base_url):
    browser.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": base_url, "storageTypes": "all"})
    open_page(browser, base_url, "q=subsidies&subsidy_only=true")
    browser.find_element(By.ID, "alert-me").click()
    sign_in(browser, "not-a-token")
    error = visible(browser, ".alert-signin .alert-error")
    assert error.text == "That token is not valid."
    sign_in(browser, "secret-token-ana-7f3")

    form = visible(browser, ".alert-me-panel form.alert-form")
    assert "text: subsidies" in form.text and "subsidy only" in form.text
    form.find_element(By.NAME, "name").send_keys("beijing subsidies")
    Select(form.find_element(By.NAME, "every")).select_by_value("instant")
    form.find_element(By.NAME, "email").send_keys("ana@example.com")
    assert run_axe(browser) == [], describe(run_axe(browser))
    save_screenshot(browser, "alert-me")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    saved = visible(browser, ".alert-saved")
    assert "Alert “beijing subsidies” saved" in saved.text

    [stored] = api_alerts(base_url, "secret-token-ana-7f3")
    assert stored["q"] == "subsidies" and stored["conditions"]["subsidy_only"] is True
    assert stored["every"] == "instant" and stored["email"] == ["ana@example.com"]
    assert (
        browser.execute_script("return sessionStorage.getItem('policyradar.apiToken')")
        == "secret-token-ana-7f3"
    )

    saved.find_element(By.LINK_TEXT, "My alerts").click()
    wait(browser, lambda d: d.find_element(By.ID, "my-alerts").get_attribute("data-state") == "ready", "list")
    mine = card(browser, "beijing subsidies")
    assert "Active" in mine.text and "Schedule: instant" in mine.text and "Email" in mine.text
    mine.find_element(By.CSS_SELECTOR, ".alert-more").click()
    preview = visible(browser, '.alert-card[data-name="beijing subsidies"] .alert-preview')
    assert "Beijing announces computing subsidies for AI models" in preview.text
    assert "3 items waiting" in mine.text
    assert visible(browser, ".alert-history-empty").text == "Nothing sent yet."
    feed = mine.find_element(By.CSS_SELECTOR, ".alert-feed-link").get_attribute("href")
    assert "/feeds/alerts/ana/beijing%20subsidies.atom?key=" in feed and "secret-token" not in feed

    mine.find_element(By.CSS_SELECTOR, ".alert-pause").click()
    wait(browser, lambda d: card(d, "beijing subsidies").get_attribute("data-paused") == "true", "paused")
    assert "Paused" in card(browser, "beijing subsidies").text
    assert api_alerts(base_url, "secret-token-ana-7f3")[0]["paused"] is True
    assert run_axe(browser) == [], describe(run_axe(browser))
    save_screenshot(browser, "my-alerts")

    card(browser, "beijing subsidies").find_element(By.CSS_SELECTOR, ".alert-edit").click()
    edit = visible(browser, '.alert-card[data-name="beijing subsidies"] form.alert-form')
    Select(edit.find_element(By.NAME, "every")).select_by_value("weekly")
    edit.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: "Schedule: weekly at 08:00" in card(d, "beijing subsidies").text, "edited")
    after = api_alerts(base_url, "secret-token-ana-7f3")[0]
    assert after["every"] == "weekly" and after["paused"] is True and after["feed_url"] in feed

    card(browser, "beijing subsidies").find_element(By.CSS_SELECTOR, ".alert-delete").click()
    visible(browser, ".alert-confirm-delete").click()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, ".alert-card"), "deleted")
    assert api_alerts(base_url, "secret-token-ana-7f3") == []

    assert not [u for u in requested_urls(browser) if "secret-token" in u]
    assert console_errors(browser) == []


def test_another_user_signed_in_on_my_alerts_sees_none_of_the_first_users_alerts(browser, base_url):
    made = httpx.post(
        base_url + "/api/alerts",
        json={"name": "anas alert", "q": "subsidies"},
        headers={"Authorization": "Bearer secret-token-ana-7f3"},
        timeout=30,
    )
    assert made.status_code == 201
    browser.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": base_url, "storageTypes": "all"})
    browser.get(base_url + "/alerts")
    sign_in(browser, "secret-token-ben-9q1")
    wait(browser, lambda d: d.find_element(By.ID, "my-alerts").get_attribute("data-state") == "ready", "list")
    assert browser.find_elements(By.CSS_SELECTOR, ".alert-card") == []
    assert browser.find_element(By.ID, "alerts-status").text == "You have no alerts yet."
    browser.find_element(By.ID, "sign-out").click()
    visible(browser, "input[name=token]")
    assert browser.execute_script("return sessionStorage.length + localStorage.length") == 0
    assert console_errors(browser) == []
