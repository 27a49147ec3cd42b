"""``GET /api/search/charts``: the timeline and the subsidy money by province of a search (the query
parameters of ``/api/search``; paging is ignored), computed by the engine (``indexer.charts``)."""

from collections.abc import Mapping
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from indexer.charts import run_charts
from indexer.engine import Engine
from indexer.query import SearchRequest
from indexer.routes.errors import INVALID, UNAVAILABLE
from indexer.routes.search import search_request


class Period(BaseModel):
    """One bar of the timeline: a week (Monday to Sunday) or a calendar month, in UTC days."""

    start: str  # first day, YYYY-MM-DD: the date_from that selects this period
    end: str  # last day: its date_to
    count: int


class ProvinceMoney(BaseModel):
    """The matching announcements that name a place in one province, and their subsidies."""

    province: str
    count: int  # announcements naming the province
    with_subsidy: int  # ... of which name at least one subsidy amount (within the amount range, if any)
    subsidy_cny: float  # the sum of their subsidy amounts in CNY, each distinct amount once per announcement
    amounts: int  # how many (announcement, amount) pairs the sum adds
    complete: bool  # false when the province had too many distinct amounts and the sum is partial


class Charts(BaseModel):
    counts: Literal["clusters", "documents"]  # what the counts count, as in /api/search
    interval: Literal["week", "month"]
    timeline: list[Period]  # oldest first, empty periods included between the first and the last
    undated: int  # matching announcements without a publication date (not on the timeline)
    provinces: list[ProvinceMoney]  # most money first, then most announcements, then by name


def charts_router(engine: Engine, alias: str, rates: Mapping[str, float]) -> APIRouter:
    router = APIRouter(prefix="/api", responses={**INVALID, **UNAVAILABLE})
    Request = Annotated[SearchRequest, Depends(search_request(rates))]
    Interval = Annotated[
        Literal["auto", "week", "month"],
        Query(description="bars per week or per month; auto: weeks while the matches span at most 6 months"),
    ]

    @router.get("/search/charts", summary="A search's timeline and its subsidy money by province")
    def api_charts(request: Request, interval: Interval = "auto") -> Charts:
        return Charts.model_validate(run_charts(engine, alias, request, rates, interval))

    return router
