"""Scrapy settings come from the Policy Radar settings object, never from the environment directly."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.settings import Settings as ScrapySettings

from crawlers.middlewares.backoff import HostBackoffMiddleware
from crawlers.middlewares.safety import UrlSafetyMiddleware
from crawlers.scrapy_settings import derived_settings
from policyradar.settings import Settings


def crawler_with(settings: Settings) -> SimpleNamespace:
    return SimpleNamespace(settings=ScrapySettings(derived_settings(settings)), stats=None, spider=None)


def test_the_retry_after_cap_and_the_allow_list_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("POLICYRADAR_MAX_RETRY_AFTER", "45")
    monkeypatch.setenv("POLICYRADAR_ALLOW_PRIVATE_HOSTS", '["intranet.example"]')
    crawler = crawler_with(Settings())
    assert HostBackoffMiddleware.from_crawler(crawler).max_wait == 45.0
    assert UrlSafetyMiddleware.from_crawler(crawler).allowed == ("intranet.example",)


def test_the_defaults_hold_without_any_variable():
    crawler = crawler_with(Settings())
    assert HostBackoffMiddleware.from_crawler(crawler).max_wait == 600.0
    assert UrlSafetyMiddleware.from_crawler(crawler).allowed == ("127.0.0.1:8765",)
