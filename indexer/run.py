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
from indexer.clusters.assign import RepostClusters
from indexer.clusters.origin import publisher_names
from indexer.engine import Engine, open_engine
from indexer.index_versions import ensure_index
from indexer.mapping import IndexLayout, document_from_record
from indexer.versions.step import RecordedVersions, VersionStep
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.errors import ConfigError, SchemaError
from policyradar.kafka_io import DeadLetter, run_stage, send_all, where
from policyradar.logs import record_context
from policyradar.metrics import DOCUMENTS_INDEXED, PERCOLATION_SECONDS, RECORDS_DEAD_LETTERED
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
        versions: VersionStep | RecordedVersions | None = None,
        clusters: RepostClusters | None = None,
    ) -> None:
        self.writer = writer
        self.recorder = recorder
        self.clusters = clusters
        self.versions = versions
        self.producer = producer
        self.settings = settings
        self.dead_letters = 0

    def __call__(self, batch: list[ConsumerRecord]) -> None:
        latest: dict[str, tuple[ConsumerRecord, EnrichedRecord]] = {}
        dead: list[DeadLetter] = []
        parsed: list[EnrichedRecord] = []
        for message in batch:
            try:
                record = parse_record(EnrichedRecord, message.value)
            except SchemaError as exc:
                dead.append(DeadLetter(STAGE, f"invalid enriched record: {exc}", message))
                continue
            latest[record.id] = (message, record)  # a later version in the same batch wins
            parsed.append(record)
        docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for _, r in latest.values()]
        if self.versions is not None:  # versions first: a crash before the write loses none
            self.versions(parsed, docs)
        if self.clusters is not None:  # cluster ids are part of what is written
            self.clusters.assign(docs)
        refused = set()
        for rejected in self.writer.write(docs):
            refused.add(rejected.id)
            message = latest[rejected.id][0]
            dead.append(
                DeadLetter(STAGE, f"engine refused it ({rejected.status}): {rejected.reason}", message)
            )
        if self.clusters is not None:  # copies written at the same moment by another indexer
            unwritten = refused | self.writer.superseded  # the index holds no such version
            self.clusters.settle([d for d in docs if d.id not in unwritten])
        if self.recorder is not None:
            # Matches are recorded before the batch is committed: a crash replays them harmlessly.
            with PERCOLATION_SECONDS.time():
                self.recorder.percolate([d.source for d in docs if d.id not in refused])
        DOCUMENTS_INDEXED.inc(len(docs) - len(refused))
        for letter in dead:
            log.warning(
                "dead-lettering %s: %s",
                where(letter.record),
                letter.reason,
                extra=record_context(letter.record),
            )
        if dead:
            send_all(self.producer, [d.to_message(self.settings.topic_dlq) for d in dead])
            RECORDS_DEAD_LETTERED.labels(stage="index").inc(len(dead))
        self.dead_letters += len(dead)


def index(args: argparse.Namespace) -> int:
    settings = get_settings()
    current: list[IndexBatch] = []  # the handler in use: built again after each outage
    with open_engine(settings) as engine:

        def build_handler(producer: KafkaProducer) -> IndexBatch:
            """A handler for a new producer that keeps the last one's counts and repost clusters
            (its copy of the index's bands is not read again)."""
            previous = current.pop() if current else None
            clusters = previous.clusters if previous is not None else None
            handler = _index_batch(engine, producer, settings, into=args.into, clusters=clusters)
            handler.dead_letters = previous.dead_letters if previous is not None else 0
            current.append(handler)
            return handler

        print(
            f"indexing {settings.topic_enriched} -> {args.into or settings.index_alias} "
            f"on {settings.engine} at {settings.search_url}{', until idle' if args.until_idle else ''}"
        )
        count = run_stage(
            settings,
            settings.topic_enriched,
            settings.group_indexer,
            build_handler,
            client_id="policyradar-indexer",
            until_idle=args.until_idle,
            stage="index",
            batch_size=settings.index_batch_size,
        )
    dead_letters = current[0].dead_letters if current else 0
    print(f"indexed {count} records, {dead_letters} dead-lettered to {settings.topic_dlq}")
    return 0


def _index_batch(
    engine: Engine,
    producer: KafkaProducer,
    settings: Settings,
    into: str | None,
    clusters: RepostClusters | None = None,
) -> IndexBatch:
    """The batch handler, after making sure its index exists (this runs again after an outage).

    Live indexing writes through the alias, never a concrete index resolved at start: after
    ``reprocess`` swaps the alias, new announcements go to the new version at once. ``--into``
    (used by ``reprocess``) writes one named index and records no alert matches and no versions; its
    documents keep the version counts and links the live index knew.
    """
    ensure_index(engine, settings.index_alias, layout=IndexLayout.from_settings(settings))
    if into and not engine.index_exists(into):
        raise ConfigError(f"--into {into}: no such index (create it with 'policyradar indices next')")
    writer = BulkWriter(
        engine,
        into or settings.index_alias,
        max_retries=settings.bulk_max_retries,
        refresh=settings.index_refresh,
    )
    recorder = None if into else MatchRecorder(engine, settings.index_alias, replicas=settings.index_replicas)
    versions = (
        RecordedVersions(engine, settings.index_alias)
        if into
        else VersionStep.for_alias(engine, settings.index_alias, settings)
    )
    clusters = clusters or RepostClusters(
        engine,
        into or settings.index_alias,
        publisher_names(settings.sources_dir),
        refresh=settings.index_refresh,
    )
    return IndexBatch(writer, producer, settings, recorder, versions, clusters=clusters)
