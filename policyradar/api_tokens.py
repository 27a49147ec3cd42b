"""Who holds each API token (``POLICYRADAR_API_TOKENS``) and what they may do.

The setting is a JSON object of token -> holder. A holder is either a user name (a plain user, as
before roles existed) or ``{"user": "ana", "role": "operator"}``. Roles:

- ``user``: search (open to anyone anyway) and their own alerts;
- ``operator``: all a user may, plus adding sources from the web page (``/api/sources``).

Errors name the entry and its user, never the token (a secret); ``api_token_holders`` and the
settings loader put the setting's name in front.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from policyradar.errors import ConfigError

SETTING = "POLICYRADAR_API_TOKENS"
ROLES = ("user", "operator")
Role = Literal["user", "operator"]


@dataclass(frozen=True)
class TokenHolder:
    user: str
    role: Role = "user"

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


def parse_api_tokens(raw: str) -> dict[str, TokenHolder]:
    """Token -> holder from the setting's JSON text (empty text: no tokens). Raises ValueError
    saying what is wrong (the entry's number and user, never the token); callers name the setting."""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise ValueError("must be a JSON object of token -> user name or {user, role}")
    return {
        _check_token(token, number): _holder(value, number)
        for number, (token, value) in enumerate(data.items(), 1)
    }


def _check_token(token: str, number: int) -> str:
    if not token.strip():
        raise ValueError(f"entry {number} has an empty token")
    return token


def _holder(value: Any, number: int) -> TokenHolder:
    where = f"entry {number}"
    if isinstance(value, str):
        return TokenHolder(_user(value, where))
    if not isinstance(value, dict):
        raise ValueError(f'{where}: the holder must be a user name or {{"user": ..., "role": ...}}')
    unknown = sorted(set(value) - {"user", "role"})
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; only 'user' and 'role' are read")
    user = _user(value.get("user"), where)
    role = value.get("role", "user")
    if role not in ROLES:
        raise ValueError(f"{where} (user {user!r}): role must be one of {list(ROLES)}, not {role!r}")
    return TokenHolder(user, role)


def _user(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: the user name must be a non-empty string")
    if len(value) > 80:
        raise ValueError(f"{where}: the user name is longer than 80 characters")
    if "/" in value:  # alert ids are "<user>/<name>": a slash would let one user's ids look like another's
        raise ValueError(f"{where}: the user name must not contain '/'")
    return value


def api_token_holders(raw: str) -> dict[str, TokenHolder]:
    """``parse_api_tokens`` for a running process: a ConfigError naming the setting."""
    try:
        return parse_api_tokens(raw)
    except ValueError as exc:
        raise ConfigError(f"invalid setting {SETTING}: {exc}") from exc
