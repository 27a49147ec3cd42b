"""Reading a health checkpoint back (the topic stood in for by a list of messages): the freshest
marker of the window asked for is used with its writer's entries; a checkpoint that cannot stand in
for the runs topic (unreadable, an entry too large to write, ahead of the topic) is not used."""

import json
import random
from types import SimpleNamespace

import pytest

import crawlers.health_checkpoint as checkpoint_module
from crawlers.health import HealthBook, SourceRecord
from crawlers.health_checkpoint import (
    PositionedBook,
    checkpoint_messages,
    load_checkpoint,
    writer_name,
)
from crawlers.health_state import record_state
from crawlers.run_feed import FeedRun
from policyradar.settings import Settings
from tests.unit.crawlers.test_health_tally import random_history

SETTINGS = Settings()


def entry(source_id: str, runs: int, upto: dict[int, int], seed: int = 1) -> tuple[str, dict]:
    record = SourceRecord(source_id, 14)
    for run in random_history(random.Random(seed), source_id, runs, 24 * 20):
        record.fold(run)
    return source_id, {"upto": {str(p): o for p, o in upto.items()}, "state": record_state(record)}


def marker(positions: dict[int, int]) -> tuple[str, dict]:
    return "@", {"positions": {str(p): o for p, o in positions.items()}, "written_at": "then"}


def on_topic(monkeypatch, messages, ends=None):
    """``messages``: (writer, days, (source or "@", value)) in topic order; a bytes value as is."""
    records = [
        SimpleNamespace(
            key=f"{writer}|{days}|{name}".encode(),
            value=value if isinstance(value, bytes | None) else json.dumps(value).encode(),
            offset=n,
        )
        for n, (writer, days, (name, value)) in enumerate(messages)
    ]
    monkeypatch.setattr(checkpoint_module, "read_topic", lambda _settings, _topic: iter(records))
    monkeypatch.setattr(checkpoint_module, "runs_topic_ends", lambda _settings: ends or {0: 1000, 1: 1000})


def test_the_freshest_marker_of_the_window_is_used_with_its_own_writers_entries(monkeypatch):
    on_topic(
        monkeypatch,
        [
            ("crawl-0of2", 14, entry("a", 5, {0: 40})),
            ("crawl-0of2", 14, marker({0: 40, 1: 10})),
            ("crawl-0of1", 14, entry("a", 9, {0: 90})),
            ("crawl-0of1", 14, entry("b", 2, {0: 90})),
            ("crawl-0of1", 14, marker({0: 90, 1: 30})),
            ("crawl-0of1", 7, marker({0: 500, 1: 500})),  # another window
            ("crawl-0of1", 14, ("c", None)),  # a tombstone
        ],
    )
    checkpoint = load_checkpoint(SETTINGS, 14)
    assert checkpoint is not None and checkpoint.writer == "crawl-0of1"
    positioned = checkpoint.positioned
    assert positioned.positions == {0: 90, 1: 30} and sorted(positioned.book.records) == ["a", "b"]
    assert positioned.book.records["a"].runs == 9 and positioned.folded_below["a"] == {0: 90}
    # A shorter window is told from the shortest longer one; a longer one, or an exact ask, is not.
    shorter = load_checkpoint(SETTINGS, 10)
    assert shorter is not None and shorter.positioned.book.days == 14 and shorter.writer == "crawl-0of1"
    assert load_checkpoint(SETTINGS, 7).positioned.positions == {0: 500, 1: 500}
    assert load_checkpoint(SETTINGS, 10, exact=True) is None
    assert load_checkpoint(SETTINGS, 30) is None


@pytest.mark.parametrize(
    "spoiled",
    [
        b"not json",
        json.dumps({"upto": {"0": "x"}, "state": {}}).encode(),
        json.dumps({"upto": {"0": 1}, "state": "text"}).encode(),
        json.dumps({"state": {}}).encode(),
    ],
)
def test_an_unreadable_entry_makes_its_writers_checkpoint_unused(monkeypatch, caplog, spoiled):
    on_topic(monkeypatch, [("crawl-0of1", 14, ("a", spoiled)), ("crawl-0of1", 14, marker({0: 5}))])
    assert load_checkpoint(SETTINGS, 14) is None
    assert "'crawl-0of1|14|a' (offset 0) unreadable" in caplog.text


def test_a_state_of_another_version_or_a_marker_ahead_of_the_runs_topic_is_not_used(monkeypatch, caplog):
    name, value = entry("a", 3, {0: 5})
    value["state"]["v"] = 99
    on_topic(monkeypatch, [("crawl-0of1", 14, (name, value)), ("crawl-0of1", 14, marker({0: 5}))])
    assert load_checkpoint(SETTINGS, 14) is None
    assert "state version 99" in caplog.text
    fine = [("crawl-0of1", 14, entry("a", 3, {0: 5})), ("crawl-0of1", 14, marker({0: 5}))]
    on_topic(monkeypatch, fine, ends={0: 2})
    assert load_checkpoint(SETTINGS, 14) is None
    assert "past the runs topic's end" in caplog.text


def test_an_entry_too_large_for_a_message_is_written_as_oversized_and_not_used(monkeypatch, caplog):
    positioned = PositionedBook(HealthBook(14), positions={0: 12})
    positioned.book.fold(random_history(random.Random(2), "busy", 400, 24 * 10))
    positioned.book.fold(random_history(random.Random(3), "calm", 2, 24 * 10))
    small = SETTINGS.model_copy(update={"kafka_max_message_bytes": 4096})
    messages = checkpoint_messages(small, "crawl-0of1", positioned, ["busy", "calm", "unknown"])
    values = {key.rsplit("|", 1)[1]: json.loads(value) for _topic, key, value in messages}
    assert values["busy"] == {"upto": {"0": 12}, "oversized": True} and "state" in values["calm"]
    assert "the record of source busy is" in caplog.text and "unknown" not in values
    on_topic(monkeypatch, [("crawl-0of1", 14, (k, v)) for k, v in values.items()] + [
        ("crawl-0of1", 14, marker({0: 12}))
    ])  # fmt: skip
    assert load_checkpoint(SETTINGS, 14) is None
    assert "the entry of 'busy' was too large to write" in caplog.text


def test_only_the_crawler_of_shard_zero_writes_checkpoints():
    assert writer_name((0, 3)) == "crawl-0of3" and writer_name((1, 3)) is None


class ChunkFeed:
    """Stands for the runs topic: hands out its chunks once, then moves its positions on."""

    def __init__(self, _settings, positions=None):
        self.positions = dict(positions or {})

    def chunks(self, _size):
        rng = random.Random(8)
        for n in range(5):
            yield [FeedRun(0, 7 * n + k, run) for k, run in enumerate(random_history(rng, "a", 7, 48))]
        self.positions = {0: 35}

    def close(self):
        pass


def test_a_long_read_of_the_runs_topic_tells_its_progress(monkeypatch):
    monkeypatch.setattr(checkpoint_module, "load_checkpoint", lambda _settings, _days: None)
    monkeypatch.setattr(checkpoint_module, "RunFeed", ChunkFeed)
    monkeypatch.setattr(checkpoint_module, "PROGRESS_RUNS", 10)
    told: list[int] = []
    positioned = checkpoint_module.positioned_book(SETTINGS, 14, told.append)
    assert told == [14, 21, 35] and positioned.positions == {0: 35}
    assert positioned.book.records["a"].runs == 35
