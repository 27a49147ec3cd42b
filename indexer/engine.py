"""The one seam between the indexer and a search engine: an adapter per engine behind ``Engine``.

Request bodies (mappings, queries, bulk actions) are shared; each adapter hands them to its client in
the shape that client takes, and turns the client's errors into ours. Callers decide on the class of
our exception (``EngineNotFound``, ``EngineConflict``, ``EngineUnavailable``), never on a status code
or a client class.
"""

from __future__ import annotations

import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
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

    @property
    def unreachable(self) -> bool:
        """True when the engine gave no answer at all (rather than a busy or failing one)."""
        return self.status is None


class EngineNotFound(EngineError):
    """The index or document does not exist (404)."""


class EngineConflict(EngineError):
    """A create or a conditional write lost to another writer (409)."""


# The names for the same tree: one base, three kinds of failure callers tell apart.
NotFound = EngineNotFound
Conflict = EngineConflict
Transient = EngineUnavailable


def error_for_status(message: str, status: int | None) -> EngineError:
    """Our exception for an engine answer with ``status`` (None: the engine did not answer)."""
    if status is None or status in TRANSIENT_STATUSES:
        return EngineUnavailable(message, status)
    if status == 404:
        return EngineNotFound(message, status)
    if status == 409:
        return EngineConflict(message, status)
    return EngineError(message, status)


def translate_error(exc: Exception, engine_name: str) -> EngineError:
    """Our exception for a client library's error."""
    return error_for_status(f"{engine_name}: {type(exc).__name__}: {exc}", _client_status(exc))


def bulk_item_error(item: dict[str, Any], what: str) -> EngineError | None:
    """Our exception for one item of a bulk response, or None when the item was written."""
    result = next(iter(item.values()))
    status = int(result.get("status", 500))
    if status < 300:
        return None
    return error_for_status(f"{what} failed for {result.get('_id')}: {result.get('error')}", status)


THROTTLE_WAITS = (0.5, 1.0, 2.0, 4.0)  # seconds before each retry of a bulk request answered 429


def throttle_retried(bulk: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``bulk`` sent again after a short wait when the engine answers the whole request 429 (it asks
    to slow down): the caller's other writes of a batch need not be redone. Past the last wait the
    429 reaches the caller as ``EngineUnavailable``, which the stages treat as an outage."""

    @functools.wraps(bulk)
    def retried(*args: Any, **kwargs: Any) -> dict[str, Any]:
        for wait in THROTTLE_WAITS:
            try:
                return bulk(*args, **kwargs)
            except EngineUnavailable as exc:
                if exc.status != 429:
                    raise
                time.sleep(wait)
        return bulk(*args, **kwargs)

    return retried


def _client_status(exc: Exception) -> int | None:
    for status in (getattr(exc, "status_code", None), getattr(getattr(exc, "meta", None), "status", None)):
        if isinstance(status, int):
            return status
    return None


class _Translating:
    """Wraps a client (or one of its namespaces) so that every call raises our exceptions."""

    def __init__(self, target: Any, engine_name: str, client_errors: tuple[type[Exception], ...]) -> None:
        self._target = target
        self._name = engine_name
        self._errors = client_errors

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return _Translating(attribute, self._name, self._errors)
        return self._wrap(attribute)

    def _wrap(self, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except self._errors as exc:
                raise translate_error(exc, self._name) from exc

        return call


class Engine(ABC):
    """What callers type against: one small surface, the same for every engine, raising only
    ``EngineError`` and its subclasses. Calls shaped alike for every client live here."""

    name: str

    def __init__(self, client: Any, client_errors: tuple[type[Exception], ...] = ()) -> None:
        self._raw_client = client
        self._client = _Translating(client, self.name, client_errors) if client_errors else client

    @classmethod
    @abstractmethod
    def connect(cls, settings: Settings) -> Engine:
        """The adapter with its client pointed at ``settings.search_url``."""

    def info(self) -> dict[str, Any]:
        return dict(self._client.info())

    def index_exists(self, index: str) -> bool:
        return bool(self._client.indices.exists(index=index))

    @abstractmethod
    def create_index(self, index: str, body: dict[str, Any]) -> None: ...

    @abstractmethod
    def add_fields(self, index: str, properties: dict[str, Any]) -> None:
        """Add fields to an index's mapping (existing fields must keep their definitions)."""

    @abstractmethod
    def update_settings(self, index: str, settings: dict[str, Any]) -> None:
        """Change dynamic index settings (``{"index": {"refresh_interval": "1s"}}``)."""

    def delete_index(self, index: str) -> None:
        self._client.indices.delete(index=index, ignore_unavailable=True)

    def list_indices(self, pattern: str) -> list[str]:
        return sorted(self._client.indices.get(index=pattern, allow_no_indices=True, expand_wildcards="open"))

    def alias_targets(self, alias: str) -> list[str]:
        if not self._client.indices.exists_alias(name=alias):
            return []
        return sorted(self._client.indices.get_alias(name=alias))

    @abstractmethod
    def update_aliases(self, actions: list[dict[str, Any]]) -> None: ...

    @abstractmethod
    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        """The bulk response; read its items with ``bulk_item_error``."""

    @abstractmethod
    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def search_many(self, index: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The answers to ``bodies`` in order, from one multi-search request (a batch's lookups
        cost one round trip, not one per document); a failed search raises like ``search``."""
        if not bodies:
            return []
        answers = []
        for response in self._msearch(index, bodies)["responses"]:
            if "error" in response:
                status = response.get("status")
                message = f"{self.name}: search in {index} failed: {response['error']}"
                raise error_for_status(message, status if isinstance(status, int) else None)
            answers.append(response)
        return answers

    @abstractmethod
    def _msearch(self, index: str, bodies: list[dict[str, Any]]) -> dict[str, Any]: ...

    @abstractmethod
    def count(self, index: str, query: dict[str, Any] | None = None) -> int: ...

    @abstractmethod
    def index_doc(self, index: str, doc_id: str, body: dict[str, Any], **options: Any) -> dict[str, Any]:
        """Write one document; ``options``: op_type, refresh, if_seq_no, if_primary_term."""

    def get_doc(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The document with its ``_seq_no``/``_primary_term``, or None when it does not exist."""
        try:
            return dict(self._client.get(index=index, id=doc_id))
        except EngineNotFound:
            return None

    def get_docs(
        self, index: str, ids: list[str], fields: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The ``_source`` (only ``fields``, when given) of each of ``ids`` that exists, by id: one
        real-time request, so a document written a moment ago is seen before any refresh."""
        if not ids:
            return {}
        docs = self._mget(index, ids, fields)["docs"]
        return {doc["_id"]: doc.get("_source", {}) for doc in docs if doc.get("found")}

    def _mget(self, index: str, ids: list[str], fields: list[str] | None) -> dict[str, Any]:
        return dict(self._client.mget(index=index, ids=ids, **_given(source_includes=fields)))

    @abstractmethod
    def update_doc(
        self, index: str, doc_id: str, partial: dict[str, Any], refresh: str | None = None
    ) -> None: ...

    def delete_doc(self, index: str, doc_id: str, refresh: str | None = None) -> bool:
        try:
            self._client.delete(index=index, id=doc_id, **_given(refresh=refresh))
            return True
        except EngineNotFound:
            return False

    def refresh(self, index: str) -> None:
        self._client.indices.refresh(index=index)

    def explain_query(self, index: str, query: dict[str, Any]) -> str:
        """The engine's own (Lucene) reading of ``query`` on ``index``, as the validate API prints it;
        an invalid query raises ``EngineError`` with the engine's reason."""
        explanations = self._validate(index, query).get("explanations") or [{}]
        first = explanations[0]
        if not first.get("valid", False):
            raise EngineError(f"the engine refused the query on {index}: {first.get('error')}")
        return str(first.get("explanation", ""))

    @abstractmethod
    def _validate(self, index: str, query: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None:
        self._raw_client.close()


def _given(**options: Any) -> dict[str, Any]:
    """The options that were given (None means "leave it to the engine")."""
    return {key: value for key, value in options.items() if value is not None}


def _basic_auth(settings: Settings) -> tuple[str, str] | None:
    if not settings.search_username:
        return None
    password = settings.search_password.get_secret_value() if settings.search_password else ""
    return (settings.search_username, password)


class ElasticsearchEngine(Engine):
    """Elasticsearch 8: bodies go in as keyword arguments (``query=``, ``operations=``, ``document=``)."""

    name = "elasticsearch"

    @classmethod
    def connect(cls, settings: Settings) -> ElasticsearchEngine:
        from elastic_transport import TransportError
        from elasticsearch import ApiError, Elasticsearch

        client = Elasticsearch(settings.search_url, basic_auth=_basic_auth(settings), request_timeout=30)
        return cls(client, (ApiError, TransportError))

    def create_index(self, index: str, body: dict[str, Any]) -> None:
        self._client.indices.create(index=index, **body)

    def add_fields(self, index: str, properties: dict[str, Any]) -> None:
        self._client.indices.put_mapping(index=index, properties=properties)

    def update_settings(self, index: str, settings: dict[str, Any]) -> None:
        self._client.indices.put_settings(index=index, settings=settings)

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._client.indices.update_aliases(actions=actions)

    @throttle_retried
    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        return dict(self._client.bulk(operations=operations, refresh=refresh))

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._client.search(index=index, **body))

    def _msearch(self, index: str, bodies: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._client.msearch(index=index, searches=[line for b in bodies for line in ({}, b)]))

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        return int(self._client.count(index=index, **_given(query=query or None))["count"])

    def _validate(self, index: str, query: dict[str, Any]) -> dict[str, Any]:
        return dict(self._client.indices.validate_query(index=index, query=query, explain=True))

    def index_doc(self, index: str, doc_id: str, body: dict[str, Any], **options: Any) -> dict[str, Any]:
        return dict(self._client.index(index=index, id=doc_id, document=body, **_given(**options)))

    def update_doc(
        self, index: str, doc_id: str, partial: dict[str, Any], refresh: str | None = None
    ) -> None:
        self._client.update(index=index, id=doc_id, doc=partial, **_given(refresh=refresh))


class OpenSearchEngine(Engine):
    """OpenSearch: bodies go in whole as ``body=``."""

    name = "opensearch"

    @classmethod
    def connect(cls, settings: Settings) -> OpenSearchEngine:
        from opensearchpy import OpenSearch
        from opensearchpy.exceptions import TransportError

        client = OpenSearch(hosts=[settings.search_url], http_auth=_basic_auth(settings), timeout=30)
        return cls(client, (TransportError,))

    def create_index(self, index: str, body: dict[str, Any]) -> None:
        self._client.indices.create(index=index, body=body)

    def add_fields(self, index: str, properties: dict[str, Any]) -> None:
        self._client.indices.put_mapping(index=index, body={"properties": properties})

    def update_settings(self, index: str, settings: dict[str, Any]) -> None:
        self._client.indices.put_settings(index=index, body=settings)

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self._client.indices.update_aliases(body={"actions": actions})

    @throttle_retried
    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        return dict(self._client.bulk(body=operations, refresh=refresh))

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._client.search(index=index, body=body))

    def _msearch(self, index: str, bodies: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._client.msearch(index=index, body=[line for b in bodies for line in ({}, b)]))

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        body = {"query": query} if query else {}
        return int(self._client.count(index=index, body=body)["count"])

    def _validate(self, index: str, query: dict[str, Any]) -> dict[str, Any]:
        return dict(self._client.indices.validate_query(index=index, body={"query": query}, explain=True))

    def index_doc(self, index: str, doc_id: str, body: dict[str, Any], **options: Any) -> dict[str, Any]:
        return dict(self._client.index(index=index, id=doc_id, body=body, **_given(**options)))

    def _mget(self, index: str, ids: list[str], fields: list[str] | None) -> dict[str, Any]:
        includes = ",".join(fields) if fields else None
        return dict(self._client.mget(index=index, body={"ids": ids}, **_given(_source_includes=includes)))

    def update_doc(
        self, index: str, doc_id: str, partial: dict[str, Any], refresh: str | None = None
    ) -> None:
        self._client.update(index=index, id=doc_id, body={"doc": partial}, **_given(refresh=refresh))


ADAPTERS: dict[str, type[Engine]] = {"elasticsearch": ElasticsearchEngine, "opensearch": OpenSearchEngine}


def make_engine(settings: Settings) -> Engine:
    """The adapter ``POLICYRADAR_ENGINE`` names, pointed at ``POLICYRADAR_SEARCH_URL``."""
    return ADAPTERS[settings.engine].connect(settings)


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """``with open_engine(settings) as engine:`` — the engine, closed when the block ends."""
    engine = make_engine(settings)
    try:
        yield engine
    finally:
        engine.close()
