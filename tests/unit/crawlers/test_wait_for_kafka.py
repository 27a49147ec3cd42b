"""A crawl waits for Kafka with backoff instead of crashing, within a budget."""

import pytest
from kafka.errors import KafkaConnectionError

from crawlers.run import wait_for_kafka
from policyradar.errors import DependencyUnavailable
from policyradar.settings import Settings


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return False


def flaky(failures: int, error=KafkaConnectionError):
    calls = []

    def action():
        calls.append(1)
        if len(calls) <= failures:
            raise error()
        return "state"

    return action, calls


def test_kafka_coming_back_within_the_budget_is_waited_for():
    clock = Clock()
    action, calls = flaky(3)
    assert wait_for_kafka(Settings(), action, budget=60, wait=clock.wait, clock=clock) == "state"
    assert len(calls) == 4 and 0 < clock.now < 60


def test_kafka_away_past_the_budget_is_one_clear_error():
    clock = Clock()
    action, _ = flaky(10_000)
    with pytest.raises(DependencyUnavailable, match=r"Kafka at 127\.0\.0\.1:9092 is unavailable"):
        wait_for_kafka(Settings(), action, budget=30, wait=clock.wait, clock=clock)
    assert 30 <= clock.now < 70


def test_errors_that_no_wait_cures_are_raised_at_once():
    clock = Clock()
    action, calls = flaky(1, error=KeyError)
    with pytest.raises(KeyError):
        wait_for_kafka(Settings(), action, wait=clock.wait, clock=clock)
    assert len(calls) == 1
