"""A bulk request the engine answers 429 is sent again after a short wait, a few times."""

import pytest

from indexer import engine as engine_module
from indexer.engine import EngineError, EngineUnavailable, throttle_retried


def answers(*outcomes):
    calls = []

    @throttle_retried
    def bulk():
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return bulk, calls


def test_a_throttled_bulk_request_is_sent_again_and_its_answer_returned(monkeypatch):
    monkeypatch.setattr(engine_module.time, "sleep", lambda _seconds: None)
    bulk, calls = answers(EngineUnavailable("busy", 429), EngineUnavailable("busy", 429), {"items": []})
    assert bulk() == {"items": []} and len(calls) == 3


def test_other_failures_and_a_lasting_throttle_reach_the_caller(monkeypatch):
    monkeypatch.setattr(engine_module.time, "sleep", lambda _seconds: None)
    bulk, calls = answers(EngineUnavailable("down", None))
    with pytest.raises(EngineUnavailable):
        bulk()
    assert len(calls) == 1
    bulk, calls = answers(EngineError("bad request", 400))
    with pytest.raises(EngineError):
        bulk()
    bulk, calls = answers(*[EngineUnavailable("busy", 429)] * 5)
    with pytest.raises(EngineUnavailable):
        bulk()
    assert len(calls) == 5
