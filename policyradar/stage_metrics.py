"""What a Kafka stage tells Prometheus and its readiness probe: records consumed, batch time, lag per
partition, and whether it is connected, has partitions and keeps up."""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka import KafkaConsumer

from policyradar.metrics import BATCH_SECONDS, CONSUMER_LAG, RECORDS_CONSUMED

# Reading end offsets costs a request to the broker: lag is refreshed at most this often.
LAG_REFRESH_SECONDS = 5.0


class StageMonitor:
    """Metrics and readiness of one stage's consume loop."""

    def __init__(
        self,
        stage: str,
        max_lag: int,
        clock: Callable[[], float] = time.monotonic,
        refresh_seconds: float = LAG_REFRESH_SECONDS,
    ) -> None:
        self.stage = stage
        self.max_lag = max_lag
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self.waiting_for: str | None = "not connected to Kafka yet"
        self.assigned = 0
        self.lag: int | None = None
        self._lag_read_at = float("-inf")
        self._lag_labels: set[tuple[str, str, str]] = set()  # the series this copy exports now

    def batch_done(self, consumer: KafkaConsumer, records: int, seconds: float) -> None:
        RECORDS_CONSUMED.labels(stage=self.stage).inc(records)
        BATCH_SECONDS.labels(stage=self.stage).observe(seconds)
        self.connected(consumer)

    def connected(self, consumer: KafkaConsumer) -> None:
        """A poll went through: the stage is connected; refresh the lag when it is due."""
        self.waiting_for = None
        if self.clock() - self._lag_read_at >= self.refresh_seconds:
            self.refresh_lag(consumer)

    def refresh_lag(self, consumer: KafkaConsumer) -> None:
        assigned = sorted(consumer.assignment(), key=lambda tp: (tp.topic, tp.partition))
        ends = consumer.end_offsets(assigned) if assigned else {}
        total = 0
        labels = set()
        for tp in assigned:
            behind = max(0, ends[tp] - consumer.position(tp))
            label = (self.stage, tp.topic, str(tp.partition))
            CONSUMER_LAG.labels(*label).set(behind)
            labels.add(label)
            total += behind
        self._forget_lag(self._lag_labels - labels)  # partitions another copy holds now
        self._lag_labels = labels
        self.assigned, self.lag = len(assigned), total
        self._lag_read_at = self.clock()

    def disconnected(self, exc: BaseException) -> None:
        self.waiting_for = f"waiting for a dependency: {type(exc).__name__}: {exc}"
        self._forget_lag(self._lag_labels)  # the group may hand these partitions to another copy
        self._lag_labels = set()
        self._lag_read_at = float("-inf")

    @staticmethod
    def _forget_lag(labels: set[tuple[str, str, str]]) -> None:
        for label in labels:
            CONSUMER_LAG.remove(*label)

    def readiness(self) -> str | None:
        """None when ready; else why not (for ``/readyz``)."""
        if self.waiting_for:
            return self.waiting_for
        if self.lag is None:
            return "lag not measured yet"
        if self.assigned == 0:
            return "no partitions assigned (more copies than partitions, or a rebalance under way)"
        if self.lag > self.max_lag:
            return f"lag {self.lag} records is above {self.max_lag} (POLICYRADAR_READY_MAX_LAG)"
        return None
