"""The fields of a search request as users type them, defined once.

``REQUEST_FIELDS`` names each field of ``indexer.query.SearchRequest`` the way users spell it (``place``
for ``places``), with its help text. Everything users type goes through it: the options of
``policyradar search`` and ``alerts add`` (``add_request_arguments``), their parsing
(``request_from_args``), the query parameters of ``GET /api/search`` and ``/api/export``
(``SearchParams``), the API's error locations (``PARAM_NAMES``). The web page sends the same
parameter names. Types and bounds come from the model itself.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, create_model

from indexer.query import Conditions, SearchRequest, validate_request
from policyradar.errors import PolicyRadarError
from policyradar.schemas import DOC_TYPES


@dataclass(frozen=True)
class RequestField:
    field: str  # the model's field
    name: str  # as users type it: the API's query parameter; the CLI option unless ``option`` says
    help: str
    metavar: str | None = None
    option: str | None = None  # the CLI's spelling when it is not ``--name``
    choices: tuple[str, ...] | None = None  # the CLI's choices when the model allows any value


REQUEST_FIELDS = (
    RequestField("q", "q", 'text, e.g. "subsidy" or "算力 补贴"; empty matches all', "QUERY", option="QUERY"),
    RequestField("places", "place", "canonical place, e.g. Shenzhen", "NAME"),
    RequestField("provinces", "province", "province, e.g. Guangdong", "NAME"),
    RequestField("companies", "company", "canonical company, e.g. Huawei", "NAME"),
    RequestField("topics", "topic", "topic tag, e.g. subsidy, computing-power", "TOPIC"),
    RequestField("sources", "source", "source id", "ID"),
    RequestField("languages", "language", "document language", choices=("en", "zh")),
    RequestField("min_amount", "min_amount", "at least one amount of at least this much"),
    RequestField("max_amount", "max_amount", "... and at most this much"),
    RequestField("currency", "currency", "currency of the minimum and maximum amounts, compared in CNY"),
    RequestField("subsidy_only", "subsidy_only", "the amount must be a subsidy"),
    RequestField("doc_types", "doc_type", "document type", choices=DOC_TYPES),
    RequestField("issuers", "issuer", "issuing body, canonical English name, e.g. MIIT", "NAME"),
    RequestField("deadline_from", "deadline_from", "application deadline on or after", "YYYY-MM-DD"),
    RequestField("deadline_to", "deadline_to", "application deadline on or before", "YYYY-MM-DD"),
    RequestField("open_only", "open", "open for applications: deadline today (China) or later"),
    RequestField("date_from", "date_from", "published on or after", "YYYY-MM-DD", option="--from"),
    RequestField("date_to", "date_to", "published on or before", "YYYY-MM-DD", option="--to"),
    RequestField(
        "expand_reposts",
        "expand",
        "every copy, each a hit of its own (default: one hit per notice, its reposts listed under it)",
        option="--expand-reposts",
    ),
    RequestField("sort", "sort", "relevance, newest first (date) or largest subsidy first (subsidy)"),
    RequestField("page", "page", "page of results"),
    RequestField("size", "size", "hits per page"),
)
# Field names as the HTTP API spells its query parameters.
PARAM_NAMES = {f.field: f.name for f in REQUEST_FIELDS}
# An alert is query text plus conditions; its positional argument is its name, so the text is --query.
ALERT_FIELDS = tuple(f for f in REQUEST_FIELDS if f.field == "q" or f.field in Conditions.model_fields)
ALERT_QUERY_OPTION = "--query"


def cli_name(field: str, *, alert: bool = False) -> str:
    """The option that sets a request field: ``min_amount`` -> ``--min-amount``, ``places`` ->
    ``--place``, ``q`` -> ``QUERY`` (``--query`` for alerts)."""
    spec = next((f for f in REQUEST_FIELDS if f.field == field), None)
    if spec is None:
        return field
    if alert and field == "q":
        return ALERT_QUERY_OPTION
    return spec.option or "--" + spec.name.replace("_", "-")


# CLI ------------------------------------------------------------------------------------------------
def add_request_arguments(parser: argparse.ArgumentParser, *, alert: bool = False) -> None:
    """One option per request field (with ``alert``, the alert's fields: query text and conditions).
    Each sets the model field of the same name; an option not given is left to the model's default."""
    for spec in ALERT_FIELDS if alert else REQUEST_FIELDS:
        name = cli_name(spec.field, alert=alert)
        if not name.startswith("-"):
            parser.add_argument(spec.field, metavar=name, nargs="?", default=None, help=spec.help)
            continue
        parser.add_argument(name, dest=spec.field, default=None, **_argparse_kind(spec))


def _argparse_kind(spec: RequestField) -> dict[str, Any]:
    info = SearchRequest.model_fields[spec.field]
    default = info.get_default(call_default_factory=True)
    help = spec.help if default in (None, "", [], False) else f"{spec.help} (default {default})"
    kind = _value_type(info.annotation)
    if kind is bool:
        return {"action": "store_true", "help": help}
    options: dict[str, Any] = {"help": help, "metavar": spec.metavar}
    if kind is list:
        return {**options, "action": "append", "choices": spec.choices, "help": f"{help} (repeatable)"}
    if kind is typing.Literal:
        return {**options, "choices": typing.get_args(info.annotation)}
    # Dates stay text: the model parses them and names the option when they are wrong.
    return {**options, "type": kind if kind in (int, float) else str}


def _value_type(annotation: Any) -> Any:
    """What one option holds: ``float | None`` -> float, ``list[...]`` -> list, ``Literal`` itself."""
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Literal):
        return origin
    members = [a for a in typing.get_args(annotation) if a is not type(None)]
    return members[0] if members else annotation


def request_from_args(
    args: argparse.Namespace, rates: Mapping[str, float], *, alert: bool = False
) -> SearchRequest:
    """The request the options of ``add_request_arguments`` describe, checked (currencies against
    ``rates``); a bad value becomes one line naming its option."""
    given = {
        spec.field: getattr(args, spec.field)
        for spec in REQUEST_FIELDS
        if getattr(args, spec.field, None) is not None
    }
    try:
        return validate_request(SearchRequest, given, rates)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise PolicyRadarError(f"{cli_name(str(first['loc'][0]), alert=alert)}: {first['msg']}") from exc


# HTTP API -------------------------------------------------------------------------------------------
def _params_model() -> type[BaseModel]:
    """The request's fields under their parameter names, with the model's types, bounds and checks
    of single values (checks across fields, and currencies, run when the request is made)."""
    fields: dict[str, Any] = {}
    for spec in REQUEST_FIELDS:
        info = SearchRequest.model_fields[spec.field]
        annotation = Annotated[info.annotation, info, Field(description=spec.help)]
        fields[spec.name] = (annotation, info.get_default(call_default_factory=True))
    return create_model("SearchParams", **fields)


SearchParams = _params_model()


def request_from_params(params: BaseModel, rates: Mapping[str, float]) -> SearchRequest:
    """The request the query parameters describe, checked; raises ``ValidationError`` with model
    field names in ``loc`` (``PARAM_NAMES`` spells them back)."""
    data = {spec.field: getattr(params, spec.name) for spec in REQUEST_FIELDS}
    return validate_request(SearchRequest, data, rates)
