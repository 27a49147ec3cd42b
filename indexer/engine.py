"""The one seam between Elasticsearch 8 and OpenSearch: client construction and call shapes.

Request bodies (mappings, queries, bulk actions) are shared; only how each client takes them differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from policyradar.errors import PolicyRadarError
from policyradar.settings import Settings


class EngineError(PolicyRadarError):
    """The search engine refused a request or could not be reached."""


class Engine:
    """A thin wrapper that gives both clients the same small surface."""

    def __init__(self, client: Any, kind: str) -> None:
        self.client = client
        self.kind = kind

    def info(self) -> dict[str, Any]:
        return dict(self.client.info())

    def index_exists(self, index: str) -> bool:
        return bool(self.client.indices.exists(index=index))

    def create_index(self, index: str, body: dict[str, Any]) -> None:
        if self.kind == "elasticsearch":
            self.client.indices.create(index=index, **body)
        else:
            self.client.indices.create(index=index, body=body)

    def delete_index(self, index: str) -> None:
        self.client.indices.delete(index=index, ignore_unavailable=True)

    def list_indices(self, pattern: str) -> list[str]:
        return sorted(self.client.indices.get(index=pattern, allow_no_indices=True, expand_wildcards="open"))

    def alias_targets(self, alias: str) -> list[str]:
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias))

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        if self.kind == "elasticsearch":
            self.client.indices.update_aliases(actions=actions)
        else:
            self.client.indices.update_aliases(body={"actions": actions})

    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        if self.kind == "elasticsearch":
            return dict(self.client.bulk(operations=operations, refresh=refresh))
        return dict(self.client.bulk(body=operations, refresh=refresh))

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.kind == "elasticsearch":
            return dict(self.client.search(index=index, **body))
        return dict(self.client.search(index=index, body=body))

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        body = {"query": query} if query else {}
        if self.kind == "elasticsearch":
            return int(self.client.count(index=index, **body)["count"])
        return int(self.client.count(index=index, body=body)["count"])

    def index_doc(self, index: str, doc_id: str, body: dict[str, Any], **options: Any) -> dict[str, Any]:
        """Write one document; ``options``: op_type, refresh, if_seq_no, if_primary_term."""
        options = {k: v for k, v in options.items() if v is not None}
        if self.kind == "elasticsearch":
            return dict(self.client.index(index=index, id=doc_id, document=body, **options))
        return dict(self.client.index(index=index, id=doc_id, body=body, **options))

    def get_doc(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The document with its ``_seq_no``/``_primary_term``, or None when it does not exist."""
        try:
            return dict(self.client.get(index=index, id=doc_id))
        except Exception as exc:
            if status_of(exc) == 404:
                return None
            raise

    def update_doc(
        self, index: str, doc_id: str, partial: dict[str, Any], refresh: str | None = None
    ) -> None:
        options = {"refresh": refresh} if refresh else {}
        if self.kind == "elasticsearch":
            self.client.update(index=index, id=doc_id, doc=partial, **options)
        else:
            self.client.update(index=index, id=doc_id, body={"doc": partial}, **options)

    def delete_doc(self, index: str, doc_id: str, refresh: str | None = None) -> bool:
        try:
            self.client.delete(index=index, id=doc_id, **({"refresh": refresh} if refresh else {}))
            return True
        except Exception as exc:
            if status_of(exc) == 404:
                return False
            raise

    def refresh(self, index: str) -> None:
        self.client.indices.refresh(index=index)

    def close(self) -> None:
        self.client.close()


def status_of(exc: Exception) -> int | None:
    """The HTTP status of a client error from either library (None for connection errors)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    status = getattr(getattr(exc, "meta", None), "status", None)
    return status if isinstance(status, int) else None


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """``with open_engine(settings) as engine:`` — the engine, closed when the block ends."""
    engine = make_engine(settings)
    try:
        yield engine
    finally:
        engine.close()


def make_engine(settings: Settings) -> Engine:
    """Build the client that ``POLICYRADAR_ENGINE`` names, pointed at ``POLICYRADAR_SEARCH_URL``."""
    auth = None
    if settings.search_username:
        password = settings.search_password.get_secret_value() if settings.search_password else ""
        auth = (settings.search_username, password)
    if settings.engine == "elasticsearch":
        from elasticsearch import Elasticsearch

        client = Elasticsearch(settings.search_url, basic_auth=auth, request_timeout=30)
    else:
        from opensearchpy import OpenSearch

        client = OpenSearch(hosts=[settings.search_url], http_auth=auth, timeout=30)
    return Engine(client, settings.engine)
