"""Reading every hit of a search a page at a time, and raising for failed bulk items: shared by the
alert indices (``store.py``, ``clauses.py``) and the digest ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from indexer.engine import Engine, EngineError, bulk_item_error

PAGE_SIZE = 1000  # hits per request; every page is read


def search_pages(
    engine: Engine, index: str, body: dict[str, Any], sort: list[Any], page_size: int = PAGE_SIZE
) -> Iterator[list[dict[str, Any]]]:
    """Every hit of a search, a page at a time. ``sort`` must end in a field unique per document."""
    request = {**body, "size": page_size, "sort": sort, "track_total_hits": False}
    while True:
        hits = engine.search(index, request)["hits"]["hits"]
        if hits:
            yield hits
        if len(hits) < page_size:
            return
        request = {**request, "search_after": hits[-1]["sort"]}


def raise_for_bulk(response: dict[str, Any], what: str, accept: tuple[type[EngineError], ...] = ()) -> None:
    """Raise our exception for the first failed item of a bulk response (failures of the kinds in
    ``accept``, such as ``EngineNotFound``, are fine)."""
    for item in response.get("items", []):
        error = bulk_item_error(item, what)
        if error is not None and not isinstance(error, accept):
            raise error
