"""Who is calling: the holder of a ``POLICYRADAR_API_TOKENS`` token (``policyradar.api_tokens``), as a
FastAPI dependency. No token, or an unknown one, is a 401; a user's token where an operator's is
needed is a 403 that says so."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from policyradar.api_tokens import SETTING, TokenHolder

bearer = HTTPBearer(auto_error=False, description=f"A token from {SETTING}")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def token_holder(holders: dict[str, TokenHolder]) -> Callable[..., TokenHolder]:
    def holder(credentials: Credentials) -> TokenHolder:
        if credentials is None or credentials.credentials not in holders:
            raise HTTPException(
                401,
                detail="a valid API token is needed (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return holders[credentials.credentials]

    return holder


def operator_holder(holders: dict[str, TokenHolder]) -> Callable[..., TokenHolder]:
    known = token_holder(holders)

    def operator(holder: Annotated[TokenHolder, Depends(known)]) -> TokenHolder:
        if not holder.is_operator:
            raise HTTPException(
                403,
                detail=f"this needs an operator's token; {holder.user!r} has the role {holder.role!r} "
                f"(roles are set in {SETTING})",
            )
        return holder

    return operator
