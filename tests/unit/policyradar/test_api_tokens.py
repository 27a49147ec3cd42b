"""The token role model: plain user names stay users, ``{"user", "role"}`` names operators, and every
malformed entry is refused with a message that names the setting and the entry, never the token."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from policyradar.api_tokens import TokenHolder, api_token_holders, parse_api_tokens
from policyradar.errors import ConfigError
from policyradar.settings import Settings, get_settings


def test_a_plain_user_name_is_a_user_as_before_roles_existed():
    holders = parse_api_tokens(json.dumps({"t-alice": "alice"}))
    assert holders == {"t-alice": TokenHolder("alice", "user")}
    assert not holders["t-alice"].is_operator


def test_an_object_names_the_user_and_the_role():
    holders = parse_api_tokens(
        json.dumps({"t-olga": {"user": "olga", "role": "operator"}, "t-bob": {"user": "bob"}})
    )
    assert holders["t-olga"] == TokenHolder("olga", "operator") and holders["t-olga"].is_operator
    assert holders["t-bob"] == TokenHolder("bob", "user")


@pytest.mark.parametrize("raw", ["", "  ", "{}"])
def test_empty_settings_mean_no_tokens(raw):
    assert parse_api_tokens(raw) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"secret-1": {"user": "olga", "role": "admin"}}', "entry 1 (user 'olga'): role must be one of"),
        ('{"secret-1": "a", "secret-2": {"role": "operator"}}', "entry 2: the user name must be"),
        ('{"secret-1": {"user": "x", "roles": "operator"}}', "entry 1: unknown key(s) ['roles']"),
        ('{"secret-1": 7}', "entry 1: the holder must be a user name or"),
        ('{"secret-1": ""}', "entry 1: the user name must be a non-empty string"),
        ('{"secret-1": "ana/x"}', "entry 1: the user name must not contain '/'"),
        ('{"": "alice"}', "entry 1 has an empty token"),
        ('["secret-1"]', "must be a JSON object"),
        ('{"secret-1": "a",}', "not valid JSON"),
    ],
)
def test_malformed_entries_are_refused_naming_the_entry_but_not_the_token(value, message):
    with pytest.raises(ValueError) as caught:
        parse_api_tokens(value)
    assert message in str(caught.value)
    assert "secret-1" not in str(caught.value)


def test_the_settings_refuse_a_bad_role_naming_the_variable(monkeypatch):
    monkeypatch.setenv("POLICYRADAR_API_TOKENS", '{"secret-1": {"user": "olga", "role": "root"}}')
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as caught:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert str(caught.value).startswith("invalid setting POLICYRADAR_API_TOKENS:")
    assert "'root'" in str(caught.value) and "secret-1" not in str(caught.value)


def test_settings_copied_past_validation_are_checked_again_when_the_app_reads_them():
    settings = Settings().model_copy(
        update={"api_tokens": SecretStr('{"secret-1": {"user": "o", "role": 1}}')}
    )
    with pytest.raises(ConfigError, match=r"^invalid setting POLICYRADAR_API_TOKENS: entry 1 \(user 'o'\)"):
        api_token_holders(settings.api_tokens.get_secret_value())
