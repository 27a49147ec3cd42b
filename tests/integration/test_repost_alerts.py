"""Reposts in alerts on the real engine (issue 11): a notice reaches each subscription once. Copies
matched together fold into one digest item with the others listed under it; a repost matched after its
notice was delivered is set aside (never sent, kept with the match it is a copy of), also by a
restarted scheduler. The clock is a fake; documents carry ``cluster_id`` and ``is_original`` set by hand
(the indexer computes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, match_id
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.rates import rates_to_cny
from policyradar.schemas import EnrichedRecord, Entities, PolicyFacts
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
CLUSTER_FIELDS = {"cluster_id": {"type": "keyword"}, "is_original": {"type": "boolean"}}
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def copy_of(n: int, source: str, cluster: str | None, original: bool = False) -> dict:
    raw = make_raw(n).model_copy(update={"source_id": source, "url": f"https://{source}.example/{n}"})
    record = EnrichedRecord(
        **raw.model_dump(exclude={"schema_version"}),
        detected_language="en",
        entities=Entities(),
        facts=PolicyFacts(),
        extractor_version="test",
    )
    doc = document_from_record(record) | {"is_original": original}
    if cluster is not None:
        doc["cluster_id"] = cluster
    return doc


class Outbox:
    """Stands for SMTP: keeps each digest's message id, text and item count."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []

    def __call__(self, settings, alert, message_id, text, html, count, **_) -> None:
        self.sent.append((message_id, text, count))


@pytest.fixture
def world(settings, engine):
    """A daily alert on "subsidies" made three days ago, and ``index(*docs)``, which indexes and
    percolates documents the way the indexer does."""
    alias = settings.index_alias
    ensure_index(engine, alias)
    rates = rates_to_cny(settings.fx_rates)
    store = AlertStore(engine, alias, rates)
    for index in [*engine.alias_targets(alias), store.names["alerts"]]:
        engine.add_fields(index, CLUSTER_FIELDS)
    alert = Alert(name="subsidies", owner="analyst", q="subsidies", email=["a@example.com"], created_at=START)
    store.save(alert)
    recorder = MatchRecorder(engine, alias, rates=rates)
    writer = BulkWriter(engine, alias, refresh="wait_for")

    def index(*docs: dict) -> None:
        bulk = [BulkDoc(d["id"], version_of(datetime.fromisoformat(d["fetched_at"])), d) for d in docs]
        assert writer.write(bulk) == []
        recorder.percolate(list(docs))

    return settings, engine, alert, index


def digests(settings, engine, outbox: Outbox, day: int) -> list[str]:
    """Run the scheduler's work as of ``day`` days after START, 09:00 in Shanghai (after the 08:00 fire)."""
    now = START + timedelta(days=day, hours=12)
    service = DigestService(engine, settings.index_alias, settings, email=outbox, clock=lambda: now)
    return service.run_due(now)


def test_a_notice_is_delivered_once_across_two_digests_and_restarts(world):
    settings, engine, alert, index = world
    bureau = copy_of(1, "bureau", "notice-a", original=True)
    portal = copy_of(2, "portal", "notice-a")
    other = copy_of(3, "bureau", "notice-b")
    index(portal, bureau, other)
    outbox = Outbox()
    assert len(digests(settings, engine, outbox, day=1)) == 1
    [(_, text, count)] = outbox.sent
    assert count == 2 and text.count(bureau["url"]) == 1
    assert "also published by 1 source:" in text and portal["url"] in text

    # The next day a district site reposts the notice, and a new notice appears.
    district = copy_of(4, "district", "notice-a")
    fresh = copy_of(5, "news", "notice-c")
    index(district, fresh)
    assert len(digests(settings, engine, outbox, day=2)) == 1
    _, text, count = outbox.sent[1]
    assert count == 1 and fresh["url"] in text and district["url"] not in text
    kept = engine.get_doc(f"{settings.index_alias}-alert-matches", match_id(alert.id, district["id"]))
    assert kept["_source"]["covered_by"] in {match_id(alert.id, d["id"]) for d in (bureau, portal)}

    # Another repost later, and a restarted scheduler (a new service) the same day: nothing is sent.
    index(copy_of(6, "association", "notice-a"))
    assert digests(settings, engine, outbox, day=2) == [] and len(outbox.sent) == 2
    assert digests(settings, engine, outbox, day=3) == [] and len(outbox.sent) == 2
    _, shown = DigestService(engine, settings.index_alias, settings).preview(alert)
    assert shown == 0


def test_a_repost_of_a_document_indexed_without_a_cluster_is_not_sent_again(world):
    settings, engine, _, index = world
    first = copy_of(1, "bureau", None)  # indexed before documents had clusters: its own
    index(first)
    outbox = Outbox()
    assert len(digests(settings, engine, outbox, day=1)) == 1
    index(copy_of(2, "portal", first["id"]))  # its cluster is the first member's id
    assert digests(settings, engine, outbox, day=2) == [] and len(outbox.sent) == 1
