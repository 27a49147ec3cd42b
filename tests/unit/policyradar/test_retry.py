"""Waiting out a dependency: backoff grows to a cap with jitter, an outage is logged once."""

import logging

from kafka.errors import CommitFailedError, KafkaConfigurationError, KafkaTimeoutError

from indexer.engine import EngineError, EngineUnavailable
from policyradar.errors import ConfigError
from policyradar.retry import Backoff, Outage, is_dependency_failure


def test_backoff_doubles_up_to_its_cap_and_jitter_keeps_it_between_half_and_whole():
    full = Backoff(initial=1, cap=8, rand=lambda: 1.0)
    assert [full.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    half = Backoff(initial=1, cap=8, rand=lambda: 0.0)
    assert [half.next_delay() for _ in range(4)] == [0.5, 1, 2, 4]
    half.reset()
    assert half.next_delay() == 0.5


def test_kafka_and_engine_outages_are_waited_out_but_bad_settings_are_not():
    assert is_dependency_failure(KafkaTimeoutError("no broker"))
    assert is_dependency_failure(CommitFailedError("group rebalanced"))
    assert is_dependency_failure(EngineUnavailable("connection refused"))
    assert is_dependency_failure(ConnectionRefusedError())
    assert not is_dependency_failure(KafkaConfigurationError("bad bootstrap"))
    assert not is_dependency_failure(ConfigError("bad file"))
    assert not is_dependency_failure(EngineError("mapping refused", 400))
    assert not is_dependency_failure(ValueError("a bug"))


def test_an_outage_is_logged_once_reminded_and_its_recovery_reported(caplog):
    now = [0.0]
    waits = []
    outage = Outage("indexer", lambda s: waits.append(s) or False, clock=lambda: now[0], remind_every=60)
    with caplog.at_level(logging.WARNING, logger="policyradar.retry"):
        for second in (0, 5, 10, 70, 75):
            now[0] = second
            assert outage.failed(EngineUnavailable("connection refused")) is False
        now[0] = 80
        outage.succeeded()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert "waiting for it to come back" in messages[0] and "EngineUnavailable" in messages[0]
    assert "still waiting after 70 s" in messages[1]
    assert "recovered after 80.0 s" in messages[2]
    assert len(waits) == 5 and waits == sorted(waits)
    assert not outage.ongoing


def test_a_stop_signal_during_the_wait_ends_the_retrying():
    outage = Outage("processor", lambda _s: True)
    assert outage.failed(KafkaTimeoutError("no broker")) is True
