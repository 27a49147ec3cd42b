"""Deadlines in digests and reminders on the real engine, a real SMTP server and a real webhook receiver,
with the digest service's clock moved by hand (no sleeping): the digest's "Closing within 14 days"
section; one reminder per item per alert, N days before its deadline at the alert's time of day,
none after the deadline, none again after a restart, and a crash between sending and marking resends
the same reminder once."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert, index_names
from indexer.alerts.reminders import REMINDER
from indexer.alerts.store import AlertStore, MatchRecorder, match_id, match_summaries
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.versions.step import VersionStep
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import EnrichedRecord, Entities, Issuer, PolicyFacts
from tests.fixtures.receivers import smtp_server, webhook_receiver
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINES = {
    "far": date(2030, 3, 20),  # 19 days after the first digest: not closing yet; reminded from 03-17 08:00
    "soon": date(2030, 3, 3),  # inside its reminder window when first delivered: the digest reminds
    "missed": date(2030, 3, 5),  # its window opens 03-02 08:00, but no scheduler runs until after it
    "none": None,
}


class Clock:
    """The digest service's clock, set by hand on Shanghai's wall clock."""

    def __init__(self) -> None:
        self.now = self.at(1, 9)

    @staticmethod
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2030, 3, day, hour, minute, tzinfo=SHANGHAI)

    def set(self, day: int, hour: int, minute: int = 0) -> None:
        self.now = self.at(day, hour, minute)

    def __call__(self) -> datetime:
        return self.now


def record(n: int, name: str) -> EnrichedRecord:
    raw = make_raw(n, title=f"{name} notice on computing subsidies")
    facts = PolicyFacts(
        doc_type="notice",
        issuers=[Issuer(text="工信部", start=0, end=3, canonical="MIIT")],
        deadline=DEADLINES[name],
    )
    fields = raw.model_dump(exclude={"schema_version"})
    return EnrichedRecord(
        **fields, detected_language="en", entities=Entities(), facts=facts, extractor_version="test"
    )


@pytest.fixture
def world(settings, engine):
    """Four documents (one per deadline above), indexed and percolated against an instant alert that
    reminds 3 days ahead; returns (settings, engine, alert, {name: match id}, clock)."""
    settings = settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)})
    alias = settings.index_alias
    ensure_index(engine, alias)
    recorder = MatchRecorder(engine, alias)
    records = {name: record(n, name) for n, name in enumerate(DEADLINES, start=1)}
    docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records.values()]
    assert BulkWriter(engine, alias, refresh="wait_for").write(docs) == []

    def subscribe(**delivery) -> tuple[Alert, dict[str, str]]:
        alert = Alert(name="grants", owner="analyst", every="instant", remind_days=3, **delivery)
        AlertStore(engine, alias).save(alert)
        assert recorder.percolate([d.source for d in docs]) == len(docs)
        return alert, {name: match_id(alert.id, r.id) for name, r in records.items()}

    return settings, engine, subscribe, Clock()


def service(settings, engine, clock: Clock, **hooks) -> DigestService:
    return DigestService(engine, settings.index_alias, settings, clock=clock, **hooks)


def test_the_digest_lists_what_closes_within_14_days_first(world):
    settings, engine, subscribe, clock = world
    with smtp_server() as (port, inbox):
        settings = settings.model_copy(update={"smtp_port": port})
        subscribe(email=["analyst@example.com"])
        assert len(service(settings, engine, clock).run_due()) == 1
        text = inbox.messages[0].get_body(("plain",)).get_content()
        lines = text.splitlines()
        start = lines.index("== Closing within 14 days (through 2030-03-15) ==")
        section = lines[start + 1 : lines.index("", start)]
        assert section == [
            "* 2030-03-03 (closes in 2 days): soon notice on computing subsidies",
            "  http://127.0.0.1:8765/test/2.html",
            "* 2030-03-05 (closes in 4 days): missed notice on computing subsidies",
            "  http://127.0.0.1:8765/test/3.html",
        ]
        assert "  notice · by MIIT · apply until 2030-03-20" in lines  # the far one, in its group
        html = inbox.messages[0].get_body(("html",)).get_content()
        assert "Closing within 14 days</h2>" in html


def test_one_reminder_per_item_n_days_before_its_deadline_across_restarts(world):
    settings, engine, subscribe, clock = world
    with webhook_receiver() as (url, hook):
        alert, matches = subscribe(webhook_url=url)
        digests = service(settings, engine, clock)
        assert len(digests.run_due()) == 1  # the digest of all four, on 03-01
        first = json.loads(hook.deliveries[0][1])
        assert first["type"] == "policyradar.digest" and len(first["items"]) == 4
        ledger = digests.names["matches"]
        # "soon" closes on 03-03: inside its window already, so the digest was its reminder.
        assert engine.get_doc(ledger, matches["soon"])["_source"]["reminder_id"] == first["message_id"]

        clock.set(17, 7, 59)  # "missed" closed on 03-05 while no scheduler ran; "far" not due yet
        assert digests.run_due() == []
        clock.set(17, 8, 0)
        sent = digests.run_due()
        assert len(sent) == 1 and sent[0].startswith("rem_")
        reminder = json.loads(hook.deliveries[1][1])
        assert reminder["type"] == "policyradar.reminder" and reminder["message_id"] == sent[0]
        assert [i["title"] for i in reminder["items"]] == ["far notice on computing subsidies"]
        assert reminder["items"][0]["deadline"] == "2030-03-20"
        stored = engine.get_doc(digests.names["digests"], sent[0])["_source"]
        assert (stored["kind"], stored["status"], stored["match_ids"]) == (REMINDER, "sent", [matches["far"]])
        far = engine.get_doc(ledger, matches["far"])["_source"]
        assert far["reminder_id"] == sent[0] and far["message_id"] == first["message_id"]  # digest kept

        # A restarted scheduler, later that day and up to the deadline, sends nothing more.
        for day, hour in ((17, 8), (18, 9), (20, 23)):
            clock.set(day, hour)
            assert service(settings, engine, clock).run_due() == []
        assert len(hook.deliveries) == 2
        assert "reminder_id" not in engine.get_doc(ledger, matches["missed"])["_source"]
        assert digests.preview(alert)[1] == 0  # reminders never show up as a pending digest


class Crash(Exception):
    """Stands for the process dying between sending a reminder and marking it."""


def test_a_crash_after_sending_a_reminder_resends_the_same_reminder_once(world):
    settings, engine, subscribe, clock = world
    with webhook_receiver() as (url, hook):
        subscribe(webhook_url=url)
        assert len(service(settings, engine, clock).run_due()) == 1
        clock.set(18, 10)

        def crash(message_id: str) -> None:
            if message_id.startswith("rem_"):
                raise Crash(message_id)

        with pytest.raises(Crash):
            service(settings, engine, clock, after_send=crash).run_due()
        clock.set(19, 10)  # back a day later: the pending reminder goes out again, under its id
        resent = service(settings, engine, clock).run_due()
        ids = [headers["webhook-id"] for headers, _ in hook.deliveries]
        assert len(ids) == 3 and ids[1] == ids[2] == resent[0] and len(resent) == 1
        assert service(settings, engine, clock).run_due() == [] and len(hook.deliveries) == 3


def amended(n: int, name: str, deadline: date) -> EnrichedRecord:
    """A later version of the notice ``record(n, name)`` whose text and deadline changed."""
    first = record(n, name)
    text = f"{first.text} The application period is extended to {deadline.isoformat()}."
    raw = make_raw(n, title=first.title, text=text)
    facts = first.facts.model_copy(update={"deadline": deadline})
    fields = raw.model_dump(exclude={"schema_version"})
    return EnrichedRecord(
        **fields, detected_language="en", entities=Entities(), facts=facts, extractor_version="test"
    )


def index_amendments(settings, engine, records: list[EnrichedRecord]) -> None:
    """What the indexer does with a batch of new versions: the versions step, then the write."""
    docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    VersionStep.for_alias(engine, settings.index_alias, settings)(records, docs)
    assert BulkWriter(engine, settings.index_alias, refresh="wait_for").write(docs) == []


def test_an_amended_deadline_reaches_the_matches_and_a_later_one_is_reminded_again(world):
    settings, engine, subscribe, clock = world
    with webhook_receiver() as (url, hook):
        _, matches = subscribe(webhook_url=url)
        digests = service(settings, engine, clock)
        assert len(digests.run_due()) == 1  # 03-01: the digest of all four ("soon" reminded by it)
        clock.set(17, 8)
        assert len(digests.run_due()) == 1  # the reminder of "far" (closing 03-20)
        ledger = digests.names["matches"]
        soon_reminder = engine.get_doc(ledger, matches["soon"])["_source"]["reminder_id"]

        # "far" is extended to 03-31; "soon" is brought forward a day (its reminder came even earlier).
        index_amendments(
            settings, engine, [amended(1, "far", date(2030, 3, 31)), amended(2, "soon", date(2030, 3, 2))]
        )
        far = engine.get_doc(ledger, matches["far"])["_source"]
        [far_summary] = match_summaries(engine, index_names(settings.index_alias), [far])
        assert (far["deadline"], far_summary["deadline"], far.get("reminder_id")) == (
            "2030-03-31",
            "2030-03-31",
            None,
        )
        soon = engine.get_doc(ledger, matches["soon"])["_source"]
        assert (soon["deadline"], soon["reminder_id"]) == ("2030-03-02", soon_reminder)

        clock.set(27, 23)  # the new window opens on 03-28 at 08:00
        assert digests.run_due() == []
        clock.set(28, 8)
        sent = digests.run_due()
        assert len(sent) == 1 and len(hook.deliveries) == 3
        reminder = json.loads(hook.deliveries[2][1])
        assert [(i["title"], i["deadline"]) for i in reminder["items"]] == [
            ("far notice on computing subsidies", "2030-03-31")
        ]
        assert service(settings, engine, clock).run_due() == []  # once, as for any reminder
