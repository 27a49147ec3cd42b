"""Each engine adapter hands the same bodies to its client in the shape that client takes."""

import pytest

from indexer.engine import (
    ElasticsearchEngine,
    Engine,
    EngineConflict,
    EngineError,
    EngineNotFound,
    EngineUnavailable,
    OpenSearchEngine,
    bulk_item_error,
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


def test_settings_pick_the_adapter():
    es = make_engine(Settings(engine="elasticsearch", search_url="http://127.0.0.1:1"))
    os_ = make_engine(Settings(engine="opensearch", search_url="http://127.0.0.1:1"))
    assert type(es) is ElasticsearchEngine and type(os_) is OpenSearchEngine
    assert isinstance(es, Engine) and isinstance(os_, Engine)
    es.close()
    os_.close()


def test_same_body_reaches_both_clients():
    body = {"query": {"match_all": {}}, "size": 1}
    ops = [{"index": {"_id": "a"}}, {"title": "t"}]
    es, os_ = Recorder(), Recorder()
    for engine in (ElasticsearchEngine(es), OpenSearchEngine(os_)):
        engine.search("idx", body)
        engine.bulk(ops)
        engine.add_fields("idx", {"fence": {"type": "long"}})
        engine.update_doc("idx", "a", {"n": 1})
    assert es.calls[0] == ("search", (), {"index": "idx", **body})
    assert os_.calls[0] == ("search", (), {"index": "idx", "body": body})
    assert es.calls[1] == ("bulk", (), {"operations": ops, "refresh": "false"})
    assert os_.calls[1] == ("bulk", (), {"body": ops, "refresh": "false"})
    assert es.calls[2] == ("put_mapping", (), {"index": "idx", "properties": {"fence": {"type": "long"}}})
    assert os_.calls[2] == (
        "put_mapping",
        (),
        {"index": "idx", "body": {"properties": {"fence": {"type": "long"}}}},
    )
    assert es.calls[3] == ("update", (), {"index": "idx", "id": "a", "doc": {"n": 1}})
    assert os_.calls[3] == ("update", (), {"index": "idx", "id": "a", "body": {"doc": {"n": 1}}})


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
    for adapter in (ElasticsearchEngine, OpenSearchEngine):
        engine = adapter(Failing(ClientError(status)), (ClientError,))
        with pytest.raises(expected) as caught:
            engine.search("idx", {})
        assert type(caught.value) is expected and caught.value.status == status
        assert caught.value.args[0].startswith(f"{adapter.name}: ClientError")


@pytest.mark.parametrize(
    ("status", "expected"),
    [(201, None), (404, EngineNotFound), (409, EngineConflict), (429, EngineUnavailable), (400, EngineError)],
)
def test_bulk_items_become_our_exceptions_by_status(status, expected):
    item = {"create": {"_id": "m1", "status": status, "error": {"type": "some_exception"}}}
    error = bulk_item_error(item, "recording matches")
    assert (type(error) if error else None) is expected
    if error:
        assert "recording matches failed for m1" in str(error)


def test_missing_documents_read_as_none_and_deletes_as_false():
    engine = OpenSearchEngine(Failing(ClientError(404)), (ClientError,))
    assert engine.get_doc("idx", "a") is None
    assert engine.delete_doc("idx", "a") is False


def test_errors_that_are_not_the_clients_pass_through_unchanged():
    engine = ElasticsearchEngine(Failing(KeyError("bug")), (ClientError,))
    with pytest.raises(KeyError):
        engine.search("idx", {})
