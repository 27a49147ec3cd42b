"""The indexer's versions step, run on a batch before it is written: store the versions of documents
whose content changed, note each document's ``version_count`` and ``revises``, and queue the
amendments for alerts that asked for them (``on_change``), and carry moved deadlines into the alerts'
matches (``alerts/deadlines.py``)."""

from __future__ import annotations

from typing import Any

from indexer.alerts.amendments import AmendmentRecorder
from indexer.alerts.deadlines import DeadlineFollower
from indexer.engine import Engine
from indexer.mapping import document_from_record
from indexer.versions.drafts import DraftLinker
from indexer.versions.links import RevisionLinker
from indexer.versions.store import VersionKeeper, version_counts
from indexer.writer import BulkDoc
from policyradar.schemas import EnrichedRecord
from policyradar.settings import Settings


class VersionStep:
    def __init__(
        self,
        keeper: VersionKeeper,
        linker: RevisionLinker,
        amendments: AmendmentRecorder,
        drafts: DraftLinker | None = None,
        deadlines: DeadlineFollower | None = None,
    ) -> None:
        self.keeper = keeper
        self.linker = linker
        self.amendments = amendments
        self.drafts = drafts
        self.deadlines = deadlines

    @classmethod
    def for_alias(cls, engine: Engine, alias: str, settings: Settings) -> VersionStep:
        replicas = settings.index_replicas
        return cls(
            # Versions are read by people (history) and by late versions, never by the next batch's
            # decisions: they need not wait for a refresh (the live write does).
            VersionKeeper(engine, alias, replicas=replicas, refresh="false"),
            RevisionLinker(engine, alias),
            AmendmentRecorder(engine, alias, replicas=replicas),
            DraftLinker(engine, alias),
            DeadlineFollower(engine, alias, replicas=replicas),
        )

    def __call__(self, records: list[EnrichedRecord], docs: list[BulkDoc]) -> None:
        """``records``: every valid record of the batch in arrival order; ``docs``: what will be
        written (the latest record of each id), whose sources this step completes."""
        self.linker.link([doc.source for doc in docs])
        if self.drafts is not None:
            self.drafts.link([doc.source for doc in docs])
        amended = self.keeper.keep(_batch_documents(records, docs))
        self.amendments.record(amended)
        if self.deadlines is not None:
            self.deadlines.follow(amended)


class RecordedVersions:
    """The versions step of ``reprocess`` (``index --into``): the documents written into the next
    index keep what the live one knew of them (how many versions, what they revise, their drafts)
    without storing versions or queueing amendments again."""

    def __init__(self, engine: Engine, alias: str) -> None:
        self.engine = engine
        self.alias = alias
        self.linker = RevisionLinker(engine, alias)
        self.drafts = DraftLinker(engine, alias)

    def __call__(self, records: list[EnrichedRecord], docs: list[BulkDoc]) -> None:
        sources = [doc.source for doc in docs]
        self.linker.link(sources)
        self.drafts.link(sources)
        counts = version_counts(self.engine, self.alias, [doc.id for doc in docs])
        for doc in docs:
            doc.source["version_count"] = counts.get(doc.id, 1)


def _batch_documents(records: list[EnrichedRecord], docs: list[BulkDoc]) -> list[dict[str, Any]]:
    """The document of every record: the one about to be written for the latest record of an id."""
    sources = {doc.id: doc.source for doc in docs}
    last = {record.id: n for n, record in enumerate(records)}
    return [
        sources[record.id] if last[record.id] == n and record.id in sources else document_from_record(record)
        for n, record in enumerate(records)
    ]
