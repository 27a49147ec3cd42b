"""A stage's monitor: records and batch time for Prometheus, lag per partition, and a readiness
answer that says why the stage is not ready."""

from __future__ import annotations

from kafka import TopicPartition
from prometheus_client import REGISTRY

from policyradar.kafka_io import consume
from policyradar.stage_metrics import StageMonitor
from tests.unit.policyradar.test_progress import FakeConsumer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_consumed_records_batches_and_lag_per_partition_reach_prometheus():
    before = sample("policyradar_records_consumed_total", stage="unit-a")
    batches_before = sample("policyradar_batch_duration_seconds_count", stage="unit-a")
    monitor = StageMonitor("unit-a", max_lag=100)
    consumer = FakeConsumer(3, 4)
    assert consume(consumer, len, until_idle=True, timeout_ms=1, say=lambda _l: None, monitor=monitor) == 7
    assert sample("policyradar_records_consumed_total", stage="unit-a") - before == 7
    assert sample("policyradar_batch_duration_seconds_count", stage="unit-a") - batches_before == 2
    lag = sample("policyradar_consumer_lag_records", stage="unit-a", topic="in", partition="0")
    assert lag == 4  # measured after the first batch, the only refresh within five seconds
    assert monitor.readiness() is None


def test_readiness_names_what_is_missing():
    clock = Clock()
    monitor = StageMonitor("unit-b", max_lag=2, clock=clock)
    assert monitor.readiness() == "not connected to Kafka yet"
    behind = FakeConsumer(5)
    monitor.connected(behind)
    assert "lag 5 records is above 2" in (monitor.readiness() or "")
    behind.read = 5
    monitor.connected(behind)  # within the refresh interval: the lag is not read again
    assert "lag 5" in (monitor.readiness() or "")
    clock.now += 10
    monitor.connected(behind)
    assert monitor.readiness() is None
    monitor.disconnected(ConnectionError("broker gone"))
    assert monitor.readiness() == "waiting for a dependency: ConnectionError: broker gone"


def test_a_copy_without_partitions_is_not_ready():
    class Unassigned(FakeConsumer):
        def assignment(self) -> set[TopicPartition]:
            return set()

    monitor = StageMonitor("unit-c", max_lag=10)
    monitor.connected(Unassigned())
    assert "no partitions assigned" in (monitor.readiness() or "")


def test_a_partition_given_up_in_a_rebalance_stops_being_exported():
    clock = Clock()
    monitor = StageMonitor("unit-d", max_lag=10, clock=clock)
    consumer = FakeConsumer(5)
    monitor.connected(consumer)
    series = {"stage": "unit-d", "topic": "in", "partition": "0"}
    assert REGISTRY.get_sample_value("policyradar_consumer_lag_records", series) == 5

    class Unassigned(FakeConsumer):
        def assignment(self) -> set[TopicPartition]:
            return set()

    clock.now += 10
    monitor.connected(Unassigned())
    assert REGISTRY.get_sample_value("policyradar_consumer_lag_records", series) is None
    monitor.connected(consumer)
    clock.now += 10
    monitor.connected(consumer)
    monitor.disconnected(ConnectionError("broker gone"))
    assert REGISTRY.get_sample_value("policyradar_consumer_lag_records", series) is None
