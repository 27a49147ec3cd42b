"""Error bodies the API answers with, documented in its OpenAPI schema, and the handlers that make them.

Every 4xx/5xx is JSON: ``{"detail": "..."}`` (401, 404, 400, 503) or, for a request that fails
validation, ``{"detail": [{"loc": ["query", "min_amount"], "msg": "...", "type": "..."}]}`` (422).
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from indexer.engine import EngineError
from indexer.query import field_errors
from indexer.request import PARAM_NAMES
from indexer.search import unavailable_reason

RETRY_AFTER_SECONDS = "30"


class Problem(BaseModel):
    """One reason a request was refused or could not be answered."""

    detail: str


class FieldProblem(BaseModel):
    """What is wrong with one parameter: ``loc`` is where it is (``query``, ``path`` or ``body``) and
    its name."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """The request names a parameter whose value is out of range or malformed."""

    detail: list[FieldProblem]


def problem(description: str, model: type[BaseModel] = Problem) -> dict[str, Any]:
    return {"model": model, "description": description}


INVALID = {422: problem("A parameter is out of range or malformed; `loc` names it", InvalidRequest)}
UNAVAILABLE = {
    503: problem("The search index does not exist yet, or the search engine is down or overloaded")
}
UNAUTHORIZED = {401: problem("No token, or not a token in POLICYRADAR_API_TOKENS")}
NOT_FOUND = {404: problem("You have no alert of that name")}
UNREADABLE_BODY = {400: problem("The body could not be read as JSON")}


def invalid(exc: ValidationError, where: str, names: dict[str, str] | None = None) -> RequestValidationError:
    """A model's validation error as the API's 422, its fields spelled as the request spells them."""
    names = names or {}
    return RequestValidationError(
        [
            {**error, "loc": [where, *[names.get(str(p), p) for p in error["loc"][:1]], *error["loc"][1:]]}
            for error in field_errors(exc)
        ]
    )


def query_invalid(exc: ValidationError) -> RequestValidationError:
    return invalid(exc, "query", PARAM_NAMES)


def install_error_handlers(app: FastAPI, alias: str) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own body echoes the input, which may be huge or a NaN that JSON cannot carry.
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(EngineError)
    async def _engine(_request: Request, exc: EngineError) -> JSONResponse:
        reason = unavailable_reason(exc, alias)
        if reason is None:
            raise exc
        return JSONResponse({"detail": reason}, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})
