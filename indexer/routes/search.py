"""``GET /api/search`` and ``GET /api/export``: the same filters as query parameters, the ones
``indexer.request.SearchParams`` derives from the request model."""

import csv
import io
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from indexer.engine import Engine
from indexer.query import SearchRequest
from indexer.request import SearchParams, request_from_params
from indexer.routes.errors import INVALID, UNAVAILABLE, query_invalid
from indexer.search import run_search

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet cell cannot hold (openpyxl refuses it): control characters but tab and line breaks.
_NOT_IN_CELLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

EXPORT_LIMIT = 1000
EXPORT_FIELDS = [
    "id",
    "published_at",
    "title",
    "url",
    "source_id",
    "amounts",
    "places",
    "companies",
    "topics",
    "doc_type",
    "issuers",
    "doc_number",
    "deadline",
]


class Highlight(BaseModel):
    title: list[str]
    text: list[str]


class Copy(BaseModel):
    """Another site's copy of the hit's notice (a repost in the same cluster)."""

    id: str
    url: str
    title: str | None
    published_at: str | None
    source_id: str | None


class Hit(BaseModel):
    id: str
    url: str
    title: str
    published_at: str | None
    source_id: str | None
    entities: dict[str, Any] | None
    topics: list[str] | None
    facts: dict[str, Any] | None = None  # absent on documents indexed before issue 10
    highlight: Highlight
    cluster_id: str
    copies: list[Copy]  # the other copies that match, canonical first (at most 50)
    copy_count: int  # how many other copies match (the hit is "also published by" that many)
    version_count: int | None = None  # versions the page has had (/api/documents/{id}/versions)
    revises: list[str] | None = None  # ids of the documents it says it revises or repeals


class FacetCount(BaseModel):
    value: str
    count: int


class SearchResult(BaseModel):
    total: int
    counts: Literal["clusters", "documents"]  # what total and facet counts count
    hits: list[Hit]
    facets: dict[str, list[FacetCount]]


class ExportRow(BaseModel):
    id: str
    published_at: str | None
    title: str
    url: str
    source_id: str | None
    amounts: str
    places: str
    companies: str
    topics: str
    doc_type: str
    issuers: str
    doc_number: str
    deadline: str


def search_request(rates: Mapping[str, float]) -> Callable[..., SearchRequest]:
    """A dependency: the query parameters (types and bounds checked by FastAPI, as the schema shows
    them) made into a ``SearchRequest``, which checks the rest (min <= max, dates in order, the
    result window, the currency against ``rates``)."""

    def request(params: Annotated[SearchParams, Query()]) -> SearchRequest:
        try:
            return request_from_params(params, rates)
        except ValidationError as exc:
            raise query_invalid(exc) from exc

    return request


EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ExportRow"}}},
}


def search_router(engine: Engine, alias: str, rates: Mapping[str, float]) -> APIRouter:
    router = APIRouter(prefix="/api", responses={**INVALID, **UNAVAILABLE})
    Request = Annotated[SearchRequest, Depends(search_request(rates))]

    @router.get("/search", summary="Search with filters, facets and highlighted snippets")
    def api_search(request: Request) -> SearchResult:
        return SearchResult.model_validate(run_search(engine, alias, request, rates=rates))

    @router.get(
        "/export",
        summary=f"The current result set as CSV (with a UTF-8 BOM), XLSX or JSON (up to {EXPORT_LIMIT} rows)",
        response_model=list[ExportRow],
        responses={200: {"content": EXPORT_CONTENT, "description": "The rows, as a download"}},
    )
    def api_export(request: Request, format: Literal["csv", "json", "xlsx"] = "csv") -> Response:
        everything = request.model_copy(update={"page": 1, "size": EXPORT_LIMIT})
        rows = export_rows(run_search(engine, alias, everything, rates=rates))
        if format == "json":
            return JSONResponse(
                rows, headers={"Content-Disposition": 'attachment; filename="policyradar.json"'}
            )
        if format == "xlsx":
            return Response(
                to_xlsx(rows),
                media_type=XLSX_MEDIA_TYPE,
                headers={"Content-Disposition": 'attachment; filename="policyradar.xlsx"'},
            )
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="policyradar.csv"'},
        )

    return router


def export_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for hit in result["hits"]:
        entities = hit.get("entities") or {}
        rows.append(
            {
                "id": hit["id"],
                "published_at": hit.get("published_at"),
                "title": hit["title"],
                "url": hit["url"],
                "source_id": hit.get("source_id"),
                "amounts": "; ".join(
                    f"{m['text']}{' (subsidy)' if m['is_subsidy'] else ''}" for m in entities.get("money", [])
                ),
                "places": "; ".join(dict.fromkeys(p["canonical"] for p in entities.get("places", []))),
                "companies": "; ".join(dict.fromkeys(c["canonical"] for c in entities.get("companies", []))),
                "topics": "; ".join(hit.get("topics") or []),
                **_fact_columns(hit.get("facts") or {}),
            }
        )
    return rows


def _fact_columns(facts: dict[str, Any]) -> dict[str, str]:
    issuers = dict.fromkeys(i["canonical"] for i in facts.get("issuers") or [])
    return {
        "doc_type": facts.get("doc_type") or "",
        "issuers": "; ".join(issuers),
        "doc_number": facts.get("doc_number") or "",
        "deadline": facts.get("deadline") or "",
    }


def _inert(value: Any) -> Any:
    """A leading =, +, - or @ would make a spreadsheet evaluate the cell: neutralise it."""
    return f"'{value}" if isinstance(value, str) and value[:1] in "=+-@" else value


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV, opened by a byte-order mark so that Excel reads it as UTF-8 (Chinese intact)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _inert(v) for k, v in row.items()})
    return buffer.getvalue()


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    """The rows as an Excel workbook: one sheet, a header row, every cell text (never a formula)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Policy Radar")
    sheet.append(EXPORT_FIELDS)
    for row in rows:
        sheet.append([_text_cell(sheet, row.get(field)) for field in EXPORT_FIELDS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=_NOT_IN_CELLS.sub("", str(value)))
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    return cell
