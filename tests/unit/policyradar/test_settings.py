"""The settings object is the one reader of the environment; a bad value names its variable."""

import pytest

from policyradar import rates
from policyradar.errors import ConfigError
from policyradar.settings import get_settings
from processors.extract_cli import extract_text
from processors.extractors import companies
from processors.options import ExtractionOptions


@pytest.fixture
def fresh(monkeypatch):
    """Settings and the caches built from them, read again from this test's environment."""
    caches = (get_settings, companies.company_gazetteer)
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
    options = ExtractionOptions.from_settings(get_settings())
    assert rates.to_cny(2, "USD", options.rates) == 14.0
    assert rates.to_cny(1, "CHF", options.rates) == 8.1
    assert rates.to_cny(1, "EUR", options.rates) == rates.DEFAULT_RATES_TO_CNY["EUR"]
    assert rates.to_cny(1, "CHF", rates.rates_to_cny()) is None


def test_extra_company_aliases_come_from_the_settings(fresh, tmp_path):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("Example Robotics: [示例机器人, ExRobo]\n", encoding="utf-8")
    fresh.setenv("POLICYRADAR_COMPANY_ALIASES", str(aliases))
    options = ExtractionOptions.from_settings(get_settings())
    found = companies.find_companies("ExRobo and 示例机器人 won a subsidy.", options.company_aliases)
    assert [hit.entry for hit in found] == ["Example Robotics", "Example Robotics"]
    assert companies.find_companies("ExRobo won a subsidy.") == []


def test_the_extraction_of_a_record_uses_the_options_it_is_given(tmp_path):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("Example Robotics: [ExRobo]\n", encoding="utf-8")
    text = "Beijing grants ExRobo a subsidy of 2 million US dollars."
    plain = extract_text(text, "en")
    tuned = extract_text(text, "en", ExtractionOptions("rules", str(aliases), (("USD", 7.0),)))
    assert "Example Robotics" not in [c["canonical"] for c in plain["companies"]]
    assert [c["canonical"] for c in tuned["companies"]] == ["Example Robotics"]
    assert [m["value_cny"] for m in tuned["money"]] == [14_000_000.0]
