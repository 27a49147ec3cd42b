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
from policyradar.kafka_io import DeadLetter, run_stage, send_all, where
from policyradar.logs import record_context
from policyradar.metrics import RECORDS_DEAD_LETTERED, RECORDS_PRODUCED
from policyradar.schemas import EnrichedRecord, RawRecord, cap_text, parse_record
from policyradar.settings import Settings, get_settings
from processors.enrich import enrich, enrich_many, serialise_within
from processors.options import ExtractionOptions
from processors.pipeline import warm_up

log = logging.getLogger(__name__)
STAGE = "processor"
# Failures of the machine or the installation, not of a record: these stop the stage instead of
# dead-lettering every record that follows.
ENVIRONMENT_ERRORS = (OSError, ImportError, ConfigError)
# Room left in a message for Kafka's own framing around our value.
MESSAGE_OVERHEAD_BYTES = 4096


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
                record = parse_record(RawRecord, message.value)
            except SchemaError as exc:
                dead.append(DeadLetter(STAGE, f"invalid raw record: {exc}", message))
                continue
            parsed.append((message, cap_text(record, self.settings.max_text_chars)))
        outputs = self._fitting(self._enrich(parsed, dead), dead)
        for letter in dead:
            log.warning(
                "dead-lettering %s: %s",
                where(letter.record),
                letter.reason,
                extra=record_context(letter.record),
            )
        self.dead_letters += len(dead)
        send_all(self.producer, [*outputs, *(d.to_message(self.settings.topic_dlq) for d in dead)])
        RECORDS_PRODUCED.labels(stage="process").inc(len(outputs))
        RECORDS_DEAD_LETTERED.labels(stage="process").inc(len(dead))

    def _enrich(
        self, parsed: list[tuple[ConsumerRecord, RawRecord]], dead: list[DeadLetter]
    ) -> list[tuple[ConsumerRecord, EnrichedRecord]]:
        options = ExtractionOptions.from_settings(self.settings)
        try:
            records = list(enrich_many([record for _, record in parsed], options=options))
            return [(message, r) for (message, _), r in zip(parsed, records, strict=True)]
        except ENVIRONMENT_ERRORS:
            raise
        except Exception:
            log.exception("batch enrichment failed; retrying record by record")
        outputs = []
        for message, record in parsed:
            try:
                enriched = enrich(record, options)
            except ENVIRONMENT_ERRORS:
                raise  # not the record's fault: stop without committing, so nothing is lost
            except Exception as exc:
                dead.append(DeadLetter(STAGE, f"enrichment failed: {type(exc).__name__}: {exc}", message))
                continue
            outputs.append((message, enriched))
        return outputs

    def _fitting(
        self, outputs: list[tuple[ConsumerRecord, EnrichedRecord]], dead: list[DeadLetter]
    ) -> list[tuple[str, str, bytes]]:
        """Enriched messages cut to fit one producer message; what cannot fit is dead-lettered."""
        limit = self.settings.kafka_max_message_bytes - MESSAGE_OVERHEAD_BYTES
        fitting = []
        for message, record in outputs:
            value = serialise_within(record, limit)
            if value is None:
                reason = f"enriched record does not fit the {limit}-byte message limit even cut short"
                dead.append(DeadLetter(STAGE, reason, message))
                continue
            fitting.append((self.settings.topic_enriched, record.id, value))
        return fitting


def process(args: argparse.Namespace) -> int:
    settings = get_settings()
    # Load models and gazetteers now: a broken install fails here, before any record is read.
    warm_up(settings.nlp_profile, ExtractionOptions.from_settings(settings).company_aliases)
    handlers: list[EnrichBatch] = []

    def build_handler(producer: KafkaProducer) -> EnrichBatch:
        handlers.append(EnrichBatch(producer, settings))
        return handlers[-1]

    print(
        f"processing {settings.topic_raw} -> {settings.topic_enriched} "
        f"(group {settings.group_processor}{', until idle' if args.until_idle else ''})"
    )
    count = run_stage(
        settings,
        settings.topic_raw,
        settings.group_processor,
        build_handler,
        client_id="policyradar-processor",
        until_idle=args.until_idle,
        stage="process",
    )
    dead_letters = sum(h.dead_letters for h in handlers)
    print(f"processed {count} records, {dead_letters} dead-lettered to {settings.topic_dlq}")
    return 0
