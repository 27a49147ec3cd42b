"""``policyradar process``: consume raw records, enrich them, produce enriched records.

A batch's offsets are committed only after every enriched record and dead letter it produced
was acknowledged. A record that cannot be parsed or enriched goes to the DLQ with the reason.
"""

from __future__ import annotations

import argparse
import logging

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from policyradar.errors import ConfigError, SchemaError
from policyradar.kafka_io import DeadLetter, ensure_topics, make_producer, run_stage, send_all, where
from policyradar.schemas import RawRecord, dump_record, parse_record
from policyradar.settings import Settings, get_settings
from processors.enrich import enrich, enrich_many
from processors.pipeline import warm_up

log = logging.getLogger(__name__)
STAGE = "processor"
# Failures of the machine or the installation, not of a record: these stop the stage instead of
# dead-lettering every record that follows.
ENVIRONMENT_ERRORS = (OSError, ImportError, MemoryError, ConfigError)


class EnrichBatch:
    """Batch handler: parse, enrich, produce, and wait for every acknowledgement."""

    def __init__(self, producer: KafkaProducer, settings: Settings) -> None:
        self.producer = producer
        self.settings = settings
        self.dead_letters = 0

    def __call__(self, batch: list[ConsumerRecord]) -> None:
        parsed: list[tuple[ConsumerRecord, RawRecord]] = []
        dead: list[DeadLetter] = []
        for message in batch:
            try:
                parsed.append((message, parse_record(RawRecord, message.value)))
            except SchemaError as exc:
                dead.append(DeadLetter(STAGE, f"invalid raw record: {exc}", message))
        outputs = self._enrich(parsed, dead)
        for letter in dead:
            log.warning("dead-lettering %s: %s", where(letter.record), letter.reason)
        self.dead_letters += len(dead)
        send_all(self.producer, [*outputs, *(d.to_message(self.settings.topic_dlq) for d in dead)])

    def _enrich(self, parsed, dead: list[DeadLetter]) -> list[tuple[str, str, bytes]]:
        topic = self.settings.topic_enriched
        try:
            records = list(enrich_many([record for _, record in parsed]))
            return [(topic, r.id, dump_record(r)) for r in records]
        except Exception:
            log.exception("batch enrichment failed; retrying record by record")
        outputs = []
        for message, record in parsed:
            try:
                enriched = enrich(record)
            except ENVIRONMENT_ERRORS:
                raise  # not the record's fault: stop without committing, so nothing is lost
            except Exception as exc:
                dead.append(DeadLetter(STAGE, f"enrichment failed: {type(exc).__name__}: {exc}", message))
                continue
            outputs.append((topic, enriched.id, dump_record(enriched)))
        return outputs


def process(args: argparse.Namespace) -> int:
    settings = get_settings()
    ensure_topics(settings)
    # Load models and gazetteers now: a broken install fails here, before any record is read.
    warm_up(settings.nlp_profile)
    producer = make_producer(settings, client_id="policyradar-processor")
    handler = EnrichBatch(producer, settings)
    print(
        f"processing {settings.topic_raw} -> {settings.topic_enriched} "
        f"(group {settings.group_processor}{', until idle' if args.until_idle else ''})"
    )
    count = run_stage(
        settings, settings.topic_raw, settings.group_processor, handler, producer, until_idle=args.until_idle
    )
    print(f"processed {count} records, {handler.dead_letters} dead-lettered to {settings.topic_dlq}")
    return 0
