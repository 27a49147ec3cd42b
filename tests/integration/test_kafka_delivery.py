"""Commit-after-ack on the real broker: a batch whose handler fails is delivered again."""

import pytest

from policyradar.kafka_io import consume, make_consumer, make_producer, send_all
from policyradar.schemas import dump_record

pytestmark = pytest.mark.integration


class Boom(RuntimeError):
    pass


def produce_raw(settings, count: int) -> list[str]:
    from tests.integration.conftest import make_raw

    producer = make_producer(settings, client_id="test")
    records = [make_raw(n) for n in range(1, count + 1)]
    send_all(producer, [(settings.topic_raw, r.id, dump_record(r)) for r in records])
    producer.close()
    return [r.id for r in records]


def drain(settings, handler) -> int:
    consumer = make_consumer(settings, settings.topic_raw, settings.group_processor)
    try:
        return consume(consumer, handler, until_idle=True, timeout_ms=500)
    finally:
        consumer.close()


def test_failed_batch_is_not_committed_and_comes_back(settings):
    ids = produce_raw(settings, 5)

    def failing(batch):
        raise Boom("downstream refused")

    with pytest.raises(Boom):
        drain(settings, failing)

    seen: list[str] = []
    assert drain(settings, lambda batch: seen.extend(m.key.decode() for m in batch)) == 5
    assert sorted(seen) == sorted(ids)
    # Everything was committed after the successful pass: a restart reads nothing again.
    assert drain(settings, lambda batch: seen.extend(m.key.decode() for m in batch)) == 0


def test_messages_are_keyed_by_document_id_and_land_in_one_partition_per_key(settings):
    produce_raw(settings, 3)
    produce_raw(settings, 3)  # the same three documents again
    partitions: dict[str, set[int]] = {}

    def record(batch):
        for message in batch:
            partitions.setdefault(message.key.decode(), set()).add(message.partition)

    assert drain(settings, record) == 6
    assert len(partitions) == 3 and all(len(p) == 1 for p in partitions.values())
