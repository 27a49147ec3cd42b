"""Bulk upserts keyed by document id, with transient failures retried and permanent ones returned.

Each document is written with ``version_type=external_gte`` and the fetch time as its version, so
replaying a record is a no-op and an older version replayed after a newer one cannot overwrite it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from indexer.engine import Engine, EngineConflict, EngineUnavailable, bulk_item_error
from policyradar.metrics import BULK_FAILURES


@dataclass(frozen=True)
class BulkDoc:
    id: str
    version: int
    source: dict[str, Any]


@dataclass(frozen=True)
class Rejected:
    """A document the engine refused for good, with its reason (it goes to the DLQ)."""

    id: str
    status: int | None
    reason: str


def version_of(fetched_at: datetime) -> int:
    """The external version of a document: its fetch time in milliseconds."""
    return int(fetched_at.timestamp() * 1000)


class BulkWriter:
    def __init__(
        self,
        engine: Engine,
        index: str,
        *,
        max_retries: int = 5,
        refresh: str = "false",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.index = index
        self.max_retries = max_retries
        self.refresh = refresh
        self.sleep = sleep
        self.superseded: set[str] = set()  # ids of the last write that a newer version already held

    def write(self, docs: Sequence[BulkDoc]) -> list[Rejected]:
        """Write ``docs``; return the permanently rejected ones. Raises EngineUnavailable if transient
        failures outlast the retries (the caller must then not commit its offsets, and wait).
        Documents the index already held in a newer version are not written, and are listed in
        ``superseded`` until the next write."""
        self.superseded = set()
        pending = list(docs)
        rejected: list[Rejected] = []
        for attempt in range(self.max_retries + 1):
            if not pending:
                break
            if attempt:
                self.sleep(min(0.5 * 2 ** (attempt - 1), 15.0))
            pending, failed = self._attempt(pending)
            rejected.extend(failed)
        if pending:
            raise EngineUnavailable(
                f"{len(pending)} document(s) still failing after {self.max_retries} retries "
                f"(first: {pending[0].id})"
            )
        return rejected

    def _attempt(self, docs: list[BulkDoc]) -> tuple[list[BulkDoc], list[Rejected]]:
        operations: list[dict[str, Any]] = []
        for doc in docs:
            operations.append(
                {
                    "index": {
                        "_index": self.index,
                        "_id": doc.id,
                        "version": doc.version,
                        "version_type": "external_gte",
                    }
                }
            )
            operations.append(doc.source)
        try:
            response = self.engine.bulk(operations, refresh=self.refresh)
        except EngineUnavailable:
            BULK_FAILURES.labels(kind="request_unavailable").inc()
            return docs, []
        retry, rejected = [], []
        for doc, item in zip(docs, response["items"], strict=True):
            error = bulk_item_error(item, "indexing")
            if isinstance(error, EngineConflict):  # a newer version is already indexed
                self.superseded.add(doc.id)
                continue
            if error is None:
                continue
            if isinstance(error, EngineUnavailable):
                retry.append(doc)
            else:
                rejected.append(Rejected(doc.id, error.status, _reason(item["index"])))
        if retry:
            BULK_FAILURES.labels(kind="item_transient").inc(len(retry))
        if rejected:
            BULK_FAILURES.labels(kind="item_rejected").inc(len(rejected))
        return retry, rejected


def _reason(result: dict[str, Any]) -> str:
    error = result.get("error") or {}
    if isinstance(error, dict):
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return str(error)
