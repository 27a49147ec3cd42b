"""Fakes for batch handlers: consumer records built directly and a producer that keeps what it gets."""

from __future__ import annotations

import json
from typing import Any

from kafka.consumer.fetcher import ConsumerRecord


def consumer_record(value: bytes | None, topic: str = "in", offset: int = 0, key: bytes | None = None):
    """A record as the consumer hands it to a batch handler (partition 0)."""
    return ConsumerRecord(
        topic=topic,
        partition=0,
        leader_epoch=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        headers=[],
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value or b""),
        serialized_header_size=0,
    )


class Acknowledged:
    def get(self, timeout: float | None = None) -> None:
        return None


class FakeProducer:
    """Keeps every sent message; ``flushes`` counts the waits for acknowledgement."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.flushes = 0
        self.flush_timeouts: list[float | None] = []

    def send(self, topic: str, key: bytes, value: bytes) -> Acknowledged:
        self.sent.append((topic, key, value))
        return Acknowledged()

    def flush(self, timeout: float | None = None) -> None:
        self.flushes += 1
        self.flush_timeouts.append(timeout)

    def on(self, topic: str) -> list[dict[str, Any]]:
        """The JSON values sent to ``topic``, in order."""
        return [json.loads(value) for sent_to, _, value in self.sent if sent_to == topic]

    def keys(self, topic: str) -> list[str]:
        return [key.decode() for sent_to, key, _ in self.sent if sent_to == topic]
