"""Retry policy of the bulk writer, with a fake engine passed in through the constructor."""

import pytest

from indexer.engine import EngineUnavailable
from indexer.writer import BulkDoc, BulkWriter


class FakeEngine:
    def __init__(self, statuses_per_call):
        self.statuses_per_call = list(statuses_per_call)
        self.calls = []

    def bulk(self, operations, refresh="false"):
        ids = [op["index"]["_id"] for op in operations[::2]]
        self.calls.append(ids)
        statuses = self.statuses_per_call.pop(0)
        return {
            "items": [
                {
                    "index": {
                        "_id": i,
                        "status": statuses[i],
                        **(
                            {"error": {"type": "mapper_parsing_exception", "reason": "bad"}}
                            if statuses[i] == 400
                            else {}
                        ),
                    }
                }
                for i in ids
            ]
        }


def docs(*ids):
    return [BulkDoc(i, 1, {"title": i}) for i in ids]


def test_transient_failures_are_retried_alone_and_permanent_ones_returned():
    engine = FakeEngine([{"a": 201, "b": 429, "c": 400}, {"b": 200}])
    writer = BulkWriter(engine, "idx", sleep=lambda _s: None)
    rejected = writer.write(docs("a", "b", "c"))
    assert engine.calls == [["a", "b", "c"], ["b"]]
    assert [(r.id, r.status) for r in rejected] == [("c", 400)]
    assert "mapper_parsing_exception" in rejected[0].reason


def test_version_conflict_means_a_newer_copy_is_already_there():
    writer = BulkWriter(FakeEngine([{"a": 409, "b": 201}]), "idx", sleep=lambda _s: None)
    assert writer.write(docs("a", "b")) == []
    assert writer.superseded == {"a"}  # not written: what the index holds is not this version


def test_retries_that_run_out_raise_so_offsets_are_not_committed():
    engine = FakeEngine([{"a": 503}] * 3)
    writer = BulkWriter(engine, "idx", max_retries=2, sleep=lambda _s: None)
    with pytest.raises(EngineUnavailable, match="still failing"):
        writer.write(docs("a"))
    assert len(engine.calls) == 3


class UnreachableEngine:
    def __init__(self, failures):
        self.failures = failures
        self.calls = 0

    def bulk(self, operations, refresh="false"):
        self.calls += 1
        if self.calls <= self.failures:
            raise EngineUnavailable("connection refused")
        return {"items": [{"index": {"_id": op["index"]["_id"], "status": 201}} for op in operations[::2]]}


def test_an_unreachable_engine_is_retried_like_a_throttled_one():
    engine = UnreachableEngine(failures=2)
    assert BulkWriter(engine, "idx", sleep=lambda _s: None).write(docs("a", "b")) == []
    assert engine.calls == 3
