"""The settings object is the one reader of the environment; a bad value names its variable."""

import pytest

from policyradar import rates
from policyradar.errors import ConfigError
from policyradar.settings import get_settings
from processors.extractors import companies


@pytest.fixture
def fresh(monkeypatch):
    """Settings and the caches built from them, read again from this test's environment."""
    caches = (get_settings, rates.rates_to_cny, companies.company_gazetteer)
    for cache in caches:
        cache.cache_clear()
    yield monkeypatch
    for cache in caches:
        cache.cache_clear()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("POLICYRADAR_BATCH_SIZE", "many", "invalid setting POLICYRADAR_BATCH_SIZE"),
        ("POLICYRADAR_FX_RATES", '{"USD": "lots"}', "invalid setting POLICYRADAR_FX_RATES (USD)"),
        ("POLICYRADAR_FX_RATES", "not json", 'field "fx_rates"'),
        ("POLICYRADAR_ENGINE", "solr", "invalid setting POLICYRADAR_ENGINE"),
    ],
)
def test_a_bad_value_is_a_config_error_naming_the_variable(fresh, variable, value, message):
    fresh.setenv(variable, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        get_settings()


def test_exchange_rates_come_from_the_settings_over_the_built_in_ones(fresh):
    fresh.setenv("POLICYRADAR_FX_RATES", '{"usd": 7.0, "chf": 8.1}')
    assert rates.to_cny(2, "USD") == 14.0
    assert rates.to_cny(1, "CHF") == 8.1
    assert rates.to_cny(1, "EUR") == rates.DEFAULT_RATES_TO_CNY["EUR"]


def test_extra_company_aliases_come_from_the_settings(fresh, tmp_path):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("Example Robotics: [示例机器人, ExRobo]\n", encoding="utf-8")
    fresh.setenv("POLICYRADAR_COMPANY_ALIASES", str(aliases))
    found = companies.find_companies("ExRobo and 示例机器人 won a subsidy.")
    assert [hit.entry for hit in found] == ["Example Robotics", "Example Robotics"]
