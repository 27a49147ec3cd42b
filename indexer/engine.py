"""The one seam between Elasticsearch 8 and OpenSearch: client construction and call shapes.

Request bodies (mappings, queries, bulk actions) are shared; only how each client takes them differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from policyradar.errors import DependencyUnavailable, PolicyRadarError
from policyradar.settings import Settings

# Statuses that say "not now" rather than "never": the request may succeed when retried later.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class EngineError(PolicyRadarError):
    """The search engine refused a request; ``status`` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EngineUnavailable(EngineError, DependencyUnavailable):
    """The engine could not be reached or asked us to come back later (429/5xx): wait and retry."""


class EngineNotFound(EngineError):
    """The index or document does not exist (404)."""


class EngineConflict(EngineError):
    """A create or a conditional write lost to another writer (409)."""


def translate_error(exc: Exception, kind: str) -> EngineError:
    """Our exception for a client library's error: what callers decide on is the class, not a code."""
    status = _client_status(exc)
    message = f"{kind}: {type(exc).__name__}: {exc}"
    if status is None or status in TRANSIENT_STATUSES:
        return EngineUnavailable(message, status)
    if status == 404:
        return EngineNotFound(message, status)
    if status == 409:
        return EngineConflict(message, status)
    return EngineError(message, status)


def _client_status(exc: Exception) -> int | None:
    for status in (getattr(exc, "status_code", None), getattr(getattr(exc, "meta", None), "status", None)):
        if isinstance(status, int):
            return status
    return None


class _Translating:
    """Wraps a client (or one of its namespaces) so that every call raises our exceptions."""

    def __init__(self, target: Any, kind: str, client_errors: tuple[type[Exception], ...]) -> None:
        self._target = target
        self._kind = kind
        self._errors = client_errors

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return _Translating(attribute, self._kind, self._errors)
        return self._wrap(attribute)

    def _wrap(self, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except self._errors as exc:
                raise translate_error(exc, self._kind) from exc

        return call


class Engine:
    """A thin wrapper that gives both clients the same small surface and our own exceptions."""

    def __init__(self, client: Any, kind: str, client_errors: tuple[type[Exception], ...] = ()) -> None:
        self.raw_client = client
        self.client = _Translating(client, kind, client_errors) if client_errors else client
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

    def add_fields(self, index: str, properties: dict[str, Any]) -> None:
        """Add fields to an index's mapping (existing fields must keep their definitions)."""
        if self.kind == "elasticsearch":
            self.client.indices.put_mapping(index=index, properties=properties)
        else:
            self.client.indices.put_mapping(index=index, body={"properties": properties})

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
        except EngineNotFound:
            return None

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
        except EngineNotFound:
            return False

    def refresh(self, index: str) -> None:
        self.client.indices.refresh(index=index)

    def close(self) -> None:
        self.raw_client.close()


def status_of(exc: Exception) -> int | None:
    """The HTTP status of an engine error (None when the engine did not answer)."""
    if isinstance(exc, EngineError):
        return exc.status
    return _client_status(exc)


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
        from elastic_transport import TransportError as ElasticTransportError
        from elasticsearch import ApiError, Elasticsearch

        client = Elasticsearch(settings.search_url, basic_auth=auth, request_timeout=30)
        errors: tuple[type[Exception], ...] = (ApiError, ElasticTransportError)
    else:
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import TransportError

        client = OpenSearch(hosts=[settings.search_url], http_auth=auth, timeout=30)
        errors = (TransportError,)
    return Engine(client, settings.engine, errors)
