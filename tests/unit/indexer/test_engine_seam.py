"""The engine seam hands the same bodies to each client in the shape that client takes."""

from elasticsearch import Elasticsearch
from opensearchpy import OpenSearch

from indexer.engine import Engine, make_engine
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
    assert isinstance(es.client, Elasticsearch) and isinstance(os_.client, OpenSearch)
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
