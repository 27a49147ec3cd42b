"""``policyradar index``: consume enriched records and bulk-upsert them into the announcements alias.

Offsets are committed only after every document of the batch is acknowledged by the engine or
was dead-lettered for a permanent reason.
"""

from __future__ import annotations

import argparse
import logging

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from indexer.alerts.store import MatchRecorder
from indexer.engine import make_engine
from indexer.mapping import document_from_record
from indexer.setup import ensure_index
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.errors import PolicyRadarError, SchemaError
from policyradar.kafka_io import DeadLetter, ensure_topics, make_producer, run_stage, send_all, where
from policyradar.schemas import EnrichedRecord, parse_record
from policyradar.settings import Settings, get_settings

log = logging.getLogger(__name__)
STAGE = "indexer"


class IndexBatch:
    """Batch handler: parse, write in bulk, dead-letter what the engine refuses for good."""

    def __init__(
        self,
        writer: BulkWriter,
        producer: KafkaProducer,
        settings: Settings,
        recorder: MatchRecorder | None = None,
    ) -> None:
        self.writer = writer
        self.recorder = recorder
        self.producer = producer
        self.settings = settings
        self.dead_letters = 0

    def __call__(self, batch: list[ConsumerRecord]) -> None:
        latest: dict[str, tuple[ConsumerRecord, EnrichedRecord]] = {}
        dead: list[DeadLetter] = []
        for message in batch:
            try:
                record = parse_record(EnrichedRecord, message.value)
            except SchemaError as exc:
                dead.append(DeadLetter(STAGE, f"invalid enriched record: {exc}", message))
                continue
            latest[record.id] = (message, record)  # a later version in the same batch wins
        docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for _, r in latest.values()]
        refused = set()
        for rejected in self.writer.write(docs):
            refused.add(rejected.id)
            message = latest[rejected.id][0]
            dead.append(
                DeadLetter(STAGE, f"engine refused it ({rejected.status}): {rejected.reason}", message)
            )
        if self.recorder is not None:
            # Matches are recorded before the batch is committed: a crash replays them harmlessly.
            self.recorder.percolate([d.source for d in docs if d.id not in refused])
        for letter in dead:
            log.warning("dead-lettering %s: %s", where(letter.record), letter.reason)
        if dead:
            send_all(self.producer, [d.to_message(self.settings.topic_dlq) for d in dead])
        self.dead_letters += len(dead)


def index(args: argparse.Namespace) -> int:
    settings = get_settings()
    ensure_topics(settings)
    engine = make_engine(settings)
    target = ensure_index(engine, settings.index_alias)
    if args.into:
        if not engine.index_exists(args.into):
            raise PolicyRadarError(
                f"--into {args.into}: no such index (create it with 'policyradar indices next')"
            )
        target = args.into
    producer = make_producer(settings, client_id="policyradar-indexer")
    writer = BulkWriter(engine, target, max_retries=settings.bulk_max_retries, refresh=settings.index_refresh)
    recorder = None if args.into else MatchRecorder(engine, settings.index_alias)
    handler = IndexBatch(writer, producer, settings, recorder)
    print(
        f"indexing {settings.topic_enriched} -> {settings.index_alias} ({target}) "
        f"on {settings.engine} at {settings.search_url}{', until idle' if args.until_idle else ''}"
    )
    try:
        count = run_stage(
            settings,
            settings.topic_enriched,
            settings.group_indexer,
            handler,
            producer,
            until_idle=args.until_idle,
        )
    finally:
        engine.close()
    print(f"indexed {count} records, {handler.dead_letters} dead-lettered to {settings.topic_dlq}")
    return 0
