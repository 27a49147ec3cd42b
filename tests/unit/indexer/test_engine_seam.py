"""The engine seam hands the same bodies to each client in the shape that client takes."""

import pytest
from elasticsearch import Elasticsearch
from opensearchpy import OpenSearch

from indexer.engine import (
    Engine,
    EngineConflict,
    EngineError,
    EngineNotFound,
    EngineUnavailable,
    make_engine,
)
from policyradar.errors import DependencyUnavailable
from policyradar.settings import Settings


class Recorder:
    """Stands in for a client object and records how it was called."""

    def __init__(self):
        self.calls = []
        self.indices = self

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return {"items": [], "hits": {"hits": [], "total": {"value": 0}}, "count": 0}

        return call


def test_settings_pick_the_client():
    es = make_engine(Settings(engine="elasticsearch", search_url="http://127.0.0.1:1"))
    os_ = make_engine(Settings(engine="opensearch", search_url="http://127.0.0.1:1"))
    assert isinstance(es.raw_client, Elasticsearch) and isinstance(os_.raw_client, OpenSearch)
    es.close()
    os_.close()


def test_same_body_reaches_both_clients():
    body = {"query": {"match_all": {}}, "size": 1}
    ops = [{"index": {"_id": "a"}}, {"title": "t"}]
    es, os_ = Recorder(), Recorder()
    Engine(es, "elasticsearch").search("idx", body)
    Engine(os_, "opensearch").search("idx", body)
    Engine(es, "elasticsearch").bulk(ops)
    Engine(os_, "opensearch").bulk(ops)
    assert es.calls[0] == ("search", (), {"index": "idx", **body})
    assert os_.calls[0] == ("search", (), {"index": "idx", "body": body})
    assert es.calls[1] == ("bulk", (), {"operations": ops, "refresh": "false"})
    assert os_.calls[1] == ("bulk", (), {"body": ops, "refresh": "false"})


def test_an_unreachable_engine_raises_our_transient_error_from_either_client():
    for kind in ("elasticsearch", "opensearch"):
        engine = make_engine(Settings(engine=kind, search_url="http://127.0.0.1:1"))
        with pytest.raises(EngineUnavailable) as caught:
            engine.count("announcements")
        assert isinstance(caught.value, DependencyUnavailable) and caught.value.status is None
        engine.close()


class Failing:
    """A client whose every call fails with the given client exception."""

    def __init__(self, exc):
        self.exc = exc
        self.indices = self

    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise self.exc

        return call


class ClientError(Exception):
    def __init__(self, status):
        super().__init__(f"status {status}")
        self.status_code = status


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, EngineUnavailable),
        (503, EngineUnavailable),
        (404, EngineNotFound),
        (409, EngineConflict),
        (400, EngineError),
    ],
)
def test_client_errors_become_our_exceptions_by_status(status, expected):
    engine = Engine(Failing(ClientError(status)), "opensearch", (ClientError,))
    with pytest.raises(expected) as caught:
        engine.search("idx", {})
    assert type(caught.value) is expected and caught.value.status == status


def test_missing_documents_read_as_none_and_deletes_as_false():
    engine = Engine(Failing(ClientError(404)), "opensearch", (ClientError,))
    assert engine.get_doc("idx", "a") is None
    assert engine.delete_doc("idx", "a") is False


def test_errors_that_are_not_the_clients_pass_through_unchanged():
    engine = Engine(Failing(KeyError("bug")), "opensearch", (ClientError,))
    with pytest.raises(KeyError):
        engine.search("idx", {})
