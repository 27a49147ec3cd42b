"""send_all waits for acknowledgement, but never without a bound."""

from policyradar.kafka_io import FLUSH_SECONDS, send_all
from tests.unit.kafka_fakes import FakeProducer


def test_send_all_sends_every_message_and_flushes_with_a_bound():
    producer = FakeProducer()
    count = send_all(producer, [("raw", "doc-1", b"{}"), ("raw", "doc-2", b"[]")])
    assert count == 2
    assert [key for _, key, _ in producer.sent] == [b"doc-1", b"doc-2"]
    assert producer.flush_timeouts == [FLUSH_SECONDS]
    assert 0 < FLUSH_SECONDS < float("inf")
