"""``policyradar status``: the verdict, the rendering and the section arithmetic, on fake data."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError
from kafka.structs import OffsetAndMetadata, OffsetAndTimestamp
from rich.console import Console

from indexer.alerts.model import Alert
from launcher import status
from launcher.cli import build_parser, resolve
from launcher.status_model import (
    DeadLetterSection,
    DigestSection,
    IndexSection,
    LagSection,
    PartitionLag,
    ServiceCheck,
    ServicesSection,
    SourcesSection,
    StageLag,
    StatusReport,
)
from tests.unit.kafka_fakes import consumer_record

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MAX_LAG = 100


def healthy_report() -> StatusReport:
    lag = [PartitionLag(0, 10, 12, 2), PartitionLag(1, None, 5, 5)]
    return StatusReport(
        checked_at=NOW.isoformat(),
        services=ServicesSection(
            kafka=ServiceCheck("kafka", "127.0.0.1:9092", True, "12 topics"),
            engine=ServiceCheck("opensearch", "http://127.0.0.1:9200", True, "opensearch 2.19.1"),
            local_stack=[
                {"name": "kafka", "address": "127.0.0.1:9092", "state": "ready", "pid": 42, "log": "k.log"}
            ],
        ),
        lag=LagSection(
            [
                StageLag("processor", "pr-processor", "pr.raw", lag),
                StageLag("indexer", "pr-indexer", "pr.enriched", []),
            ]
        ),
        dead_letters=DeadLetterSection(
            "pr.dlq",
            total=3,
            last_day=0,
            newest=[
                {
                    "stage": "processor",
                    "reason": "invalid raw record: [bold]title[/bold] missing",
                    "topic": "pr.raw",
                    "partition": 1,
                    "offset": 7,
                    "failed_at": "2026-02-01T10:00:00+00:00",
                }
            ],
        ),
        sources=SourcesSection(sources=5, enabled=3, never_crawled=1),
        digests=DigestSection(
            alerts=2,
            upcoming=[
                {"alert_id": "u/a", "every": "daily", "at": "2026-03-03T08:00:00+00:00", "overdue": False}
            ],
            last_sent=[
                {
                    "message_id": "msg_1",
                    "alert_id": "u/b",
                    "items": 4,
                    "sent_at": "2026-03-02T08:00:01+00:00",
                    "attempts": 0,
                    "next_attempt_at": None,
                }
            ],
        ),
        index=IndexSection("pr-announcements", documents=1234, indices=["pr-announcements-v1"]),
    )


def rendered(report: StatusReport) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    status.render(report, status.problems(report, MAX_LAG), console)
    return console.file.getvalue()


# Verdict ------------------------------------------------------------------------------------------
def test_a_healthy_report_needs_no_human():
    assert status.problems(healthy_report(), MAX_LAG) == []


def test_lag_above_the_threshold_names_the_stage_group_and_topic():
    report = healthy_report()
    report.lag.stages[1].partitions = [PartitionLag(0, 0, 101, 101)]
    assert status.problems(report, MAX_LAG) == [
        "indexer lag is 101 records (group pr-indexer on pr.enriched), above 100"
    ]
    report.lag.stages[1].partitions = [PartitionLag(0, 0, 100, 100)]
    assert status.problems(report, MAX_LAG) == []


def test_dead_letters_of_the_last_day_need_a_human_and_older_ones_do_not():
    report = healthy_report()
    assert report.dead_letters.total == 3 and status.problems(report, MAX_LAG) == []
    report.dead_letters.last_day = 2
    assert status.problems(report, MAX_LAG) == ["2 dead letter(s) written to pr.dlq in the last 24 hours"]


def test_a_flagged_source_is_named_with_its_flags():
    report = healthy_report()
    report.sources.flagged = [
        {"source_id": "gov-x", "flags": ["entry point a failed: HTTP 500", "went silent"]}
    ]
    assert status.problems(report, MAX_LAG) == [
        "source gov-x is flagged: entry point a failed: HTTP 500; went silent"
    ]


def test_a_digest_with_failed_attempts_is_named_with_its_alert():
    report = healthy_report()
    report.digests.failing = [
        {"message_id": "msg_9", "alert_id": "u/c", "items": 1, "attempts": 3, "next_attempt_at": None}
    ]
    assert status.problems(report, MAX_LAG) == ["digest msg_9 of alert u/c failed 3 attempt(s)"]


def test_an_unreachable_service_is_one_problem_not_one_per_section_it_takes_down():
    report = healthy_report()
    down = "Kafka is unreachable (Unable to bootstrap)"
    report.services.kafka = replace(report.services.kafka, reachable=False, detail="Unable to bootstrap")
    report.lag = LagSection(unavailable=down)
    report.dead_letters = DeadLetterSection("pr.dlq", unavailable=down)
    report.sources = SourcesSection(unavailable=down)
    assert status.problems(report, MAX_LAG) == ["kafka at 127.0.0.1:9092 is unreachable: Unable to bootstrap"]


def test_a_section_that_fails_while_its_service_answers_is_a_problem():
    report = healthy_report()
    report.sources = SourcesSection(unavailable="sources/x.yaml: field 'entries' is required")
    assert status.problems(report, MAX_LAG) == [
        "sources could not be checked: sources/x.yaml: field 'entries' is required"
    ]


# Rendering and output ------------------------------------------------------------------------------
def test_the_screen_shows_every_section_and_says_all_well():
    text = rendered(healthy_report())
    for expected in (
        "Services",
        "opensearch 2.19.1",
        "local kafka",
        "Lag per stage",
        "0: 2  1: 5 (never committed)",
        "no topic yet",
        "Dead letters in pr.dlq",
        "3 kept, 0 written in the last 24 hours",
        "pr.raw[1]@7",
        "5 in all, 3 enabled, 0 flagged, 1 never crawled",
        "no enabled source is flagged",
        "next due, of 2 alert(s)",
        "2026-03-03T08:00:00+00:00",
        "msg_1",
        "pr-announcements-v1",
        "1234",
        "all well",
    ):
        assert expected in text, expected


def test_record_text_on_the_screen_is_never_read_as_markup():
    assert "[bold]title[/bold] missing" in rendered(healthy_report())


def test_an_unavailable_section_shows_its_reason_and_the_others_still_render():
    report = healthy_report()
    report.index = IndexSection("pr-announcements", unavailable="opensearch is unreachable (refused)")
    text = rendered(report)
    assert "Index: unavailable: opensearch is unreachable (refused)" in text
    assert "Dead letters in pr.dlq" in text and "needs attention: 1 problem(s)" in text


def test_json_output_carries_the_same_data_the_totals_and_the_verdict():
    report = healthy_report()
    report.dead_letters.last_day = 1
    out, err = io.StringIO(), io.StringIO()
    assert status.report_status(report, MAX_LAG, as_json=True, out=out, err=err) == 1
    data = json.loads(out.getvalue())
    assert data["lag"]["stages"][0]["total"] == 7
    assert data["dead_letters"]["newest"][0]["offset"] == 7
    assert data["index"]["documents"] == 1234
    assert data["ok"] is False and data["problems"] == [
        "1 dead letter(s) written to pr.dlq in the last 24 hours"
    ]
    assert err.getvalue() == "policyradar status: 1 dead letter(s) written to pr.dlq in the last 24 hours\n"


def test_a_healthy_report_exits_0_and_writes_nothing_to_stderr():
    out, err = io.StringIO(), io.StringIO()
    assert status.report_status(healthy_report(), MAX_LAG, as_json=False, out=out, err=err) == 0
    assert "all well" in out.getvalue() and err.getvalue() == ""


def test_the_status_subcommand_takes_json_and_resolves_to_its_handler():
    args = build_parser().parse_args(["status", "--json"])
    assert args.json is True and resolve(args.handler) is status.status_command


# Sections on fake clients ---------------------------------------------------------------------------
class FakeAdmin:
    def __init__(self, committed: dict[str, dict[TopicPartition, OffsetAndMetadata]]) -> None:
        self.committed = committed

    def list_group_offsets(
        self, specs: dict[str, None]
    ) -> dict[str, dict[TopicPartition, OffsetAndMetadata]]:
        return {group: self.committed.get(group, {}) for group in specs}


class FakeConsumer:
    """A group-less consumer over fixed partitions: offsets, timestamps and records per partition."""

    def __init__(self, topic: str, begins: list[int], records: dict[int, list[tuple[bytes, int]]]) -> None:
        self.topic = topic
        self.begins = begins
        self.records = records  # partition -> [(value, timestamp ms)], the first at offset begins[p]
        self.positions: dict[TopicPartition, int] = {}

    def _end(self, tp: TopicPartition) -> int:
        return self.begins[tp.partition] + len(self.records.get(tp.partition, []))

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return set(range(len(self.begins))) if topic == self.topic else set()

    def beginning_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.begins[tp.partition] for tp in tps}

    def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self._end(tp) for tp in tps}

    def offsets_for_times(
        self, times: dict[TopicPartition, int]
    ) -> dict[TopicPartition, OffsetAndTimestamp | None]:
        found = {}
        for tp, since in times.items():
            hits = [
                (self.begins[tp.partition] + i, ts)
                for i, (_, ts) in enumerate(self.records.get(tp.partition, []))
                if ts >= since
            ]
            found[tp] = OffsetAndTimestamp(hits[0][0], hits[0][1], -1) if hits else None
        return found

    def assign(self, tps: list[TopicPartition]) -> None:
        self.positions = dict.fromkeys(tps, 0)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list]:
        polled = {}
        for tp, offset in self.positions.items():
            values = self.records[tp.partition][offset - self.begins[tp.partition] :]
            polled[tp] = [
                replace_partition(consumer_record(value, tp.topic, offset + i), tp.partition, ts)
                for i, (value, ts) in enumerate(values)
            ]
            self.positions[tp] = self._end(tp)
        return polled


def replace_partition(record, partition: int, timestamp: int):
    return record._replace(partition=partition, timestamp=timestamp)


def test_partition_lag_counts_from_the_commit_or_from_the_beginning_when_never_committed():
    lags = status.partition_lags({0: 5, 1: 5, 2: 0}, {0: 20, 1: 20, 2: 0}, {0: 18, 1: -1})
    assert lags == [PartitionLag(0, 18, 20, 2), PartitionLag(1, None, 20, 15), PartitionLag(2, None, 0, 0)]


def test_stage_lag_reads_only_the_groups_commits_on_its_own_topic():
    consumer = FakeConsumer("pr.raw", [0, 3], {0: [(b"x", 0)] * 4, 1: [(b"x", 0)] * 2})
    admin = FakeAdmin(
        {
            "pr-processor": {
                TopicPartition("pr.raw", 0): OffsetAndMetadata(1, "", -1),
                TopicPartition("other", 1): OffsetAndMetadata(0, "", -1),
            }
        }
    )
    lag = status.stage_lag(admin, consumer, "processor", "pr.raw", "pr-processor")
    assert [(p.partition, p.committed, p.lag) for p in lag.partitions] == [(0, 1, 3), (1, None, 2)]
    assert lag.total == 5
    assert status.stage_lag(admin, consumer, "indexer", "missing", "g").partitions == []


def letter(reason: str, failed_at: str) -> bytes:
    body = {"stage": "indexer", "reason": reason, "topic": "pr.enriched", "partition": 0, "offset": 1}
    return json.dumps({**body, "failed_at": failed_at}).encode()


def test_dead_letters_are_counted_per_day_and_the_newest_five_read_across_partitions():
    old = int((NOW - timedelta(days=3)).timestamp() * 1000)
    recent = int((NOW - timedelta(hours=1)).timestamp() * 1000)
    records = {
        0: [(letter(f"old {i}", "2026-02-27"), old + i) for i in range(6)],
        1: [(letter("new a", "2026-03-02a"), recent), (b"not json", recent + 1)],
    }
    consumer = FakeConsumer("pr.dlq", [10, 0], records)
    section = status.dead_letter_section(consumer, "pr.dlq", NOW)
    assert (section.total, section.last_day) == (8, 2)
    reasons = [entry["reason"] for entry in section.newest]
    assert reasons == ["(not a dead letter written by Policy Radar)", "new a", "old 5", "old 4", "old 3"]
    assert section.newest[2]["dlq_partition"] == 0 and section.newest[2]["dlq_offset"] == 15


def test_an_empty_dead_letter_topic_reads_nothing():
    section = status.dead_letter_section(FakeConsumer("pr.dlq", [4], {}), "pr.dlq", NOW)
    assert (section.total, section.last_day, section.newest) == (0, 0, [])


def alert(name: str, every: str, **fields) -> Alert:
    return Alert(name=name, owner="u", every=every, timezone="UTC", **fields)


def test_next_fire_is_the_coming_schedule_time_or_an_overdue_one_and_none_for_instant():
    fresh = alert("daily", "daily", at="08:00", created_at=NOW - timedelta(hours=1))
    assert status.next_fire(fresh, NOW) == (datetime(2026, 3, 3, 8, 0, tzinfo=UTC), False)
    missed = alert("missed", "daily", at="08:00", created_at=NOW - timedelta(days=2))
    assert status.next_fire(missed, NOW) == (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), True)
    assert status.next_fire(alert("now", "instant"), NOW) == (None, False)


def test_upcoming_digests_are_the_soonest_first_and_capped():
    alerts = [
        alert("weekly", "weekly", at="09:00", created_at=NOW),
        alert("hourly", "0 * * * *", created_at=NOW),
        alert("instant", "instant", created_at=NOW),
        alert("daily", "daily", at="13:30", created_at=NOW),
    ]
    later = NOW + timedelta(minutes=5)
    assert [(d["alert_id"], d["at"]) for d in status.upcoming_digests(alerts, later, count=2)] == [
        ("u/hourly", "2026-03-02T13:00:00+00:00"),
        ("u/daily", "2026-03-02T13:30:00+00:00"),
    ]
    everything = status.upcoming_digests(alerts, later)
    assert [d["alert_id"] for d in everything] == ["u/hourly", "u/daily", "u/weekly"]
    assert everything[-1]["at"] == "2026-03-09T09:00:00+00:00" and not everything[-1]["overdue"]


def test_a_section_whose_client_fails_is_unavailable_with_the_reason_and_a_bug_is_not_hidden():
    def kafka_gone() -> LagSection:
        raise KafkaTimeoutError("Unable to bootstrap from 127.0.0.1:1")

    section = status._guarded(None, kafka_gone, lambda why: LagSection(unavailable=why))
    assert section.unavailable == "KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:1"
    skipped = status._guarded("Kafka is unreachable (x)", kafka_gone, lambda why: LagSection(unavailable=why))
    assert skipped.unavailable == "Kafka is unreachable (x)"

    def bug() -> LagSection:
        raise KeyError("partition")

    with pytest.raises(KeyError):
        status._guarded(None, bug, lambda why: LagSection(unavailable=why))
