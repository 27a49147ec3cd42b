"""The roles as FastAPI dependencies: no or an unknown token is a 401, a user's token where an
operator's is needed a 403 that says which role the token has, an operator's token passes."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from fastapi.security import HTTPAuthorizationCredentials

from indexer.routes.roles import operator_holder, token_holder
from policyradar.api_tokens import TokenHolder, parse_api_tokens

HOLDERS = parse_api_tokens('{"t-user": "ulla", "t-op": {"user": "olga", "role": "operator"}}')


def bearer(token: str) -> HTTPAuthorizationCredentials:
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


def operator(token: str | None) -> TokenHolder:
    """The operator dependency as FastAPI runs it: the token's holder first, then the role check."""
    holder = token_holder(HOLDERS)(bearer(token) if token else None)
    return operator_holder(HOLDERS)(holder)


@pytest.mark.parametrize("token", [None, "nope"])
def test_without_a_known_token_the_answer_is_401(token):
    with pytest.raises(HTTPException) as caught:
        token_holder(HOLDERS)(bearer(token) if token else None)
    assert caught.value.status_code == 401 and caught.value.headers == {"WWW-Authenticate": "Bearer"}
    with pytest.raises(HTTPException) as caught:
        operator(token)
    assert caught.value.status_code == 401


def test_a_users_token_is_a_user_and_is_refused_403_where_an_operator_is_needed():
    assert token_holder(HOLDERS)(bearer("t-user")) == TokenHolder("ulla", "user")
    with pytest.raises(HTTPException) as caught:
        operator("t-user")
    assert caught.value.status_code == 403
    assert "operator" in caught.value.detail and "'ulla' has the role 'user'" in caught.value.detail


def test_an_operators_token_passes_both():
    assert token_holder(HOLDERS)(bearer("t-op")) == TokenHolder("olga", "operator")
    assert operator("t-op") == TokenHolder("olga", "operator")
