"""Stage progress: plain lines through ``say`` or into pipes, a live ``rich`` bar on a terminal."""

from __future__ import annotations

import io
import time

from kafka import TopicPartition
from rich.console import Console

from policyradar.kafka_io import Progress, consume
from policyradar.progress import LiveProgressBar, ProgressLines, progress_line, progress_report
from tests.unit.kafka_fakes import consumer_record

PARTITION = TopicPartition("in", 0)


class FakeConsumer:
    """Hands out the given batches one poll at a time from one partition holding them all."""

    def __init__(self, *batch_sizes: int) -> None:
        self.batches = list(batch_sizes)
        self.end = sum(batch_sizes)
        self.read = 0
        self.commits = 0

    def poll(self, timeout_ms: int) -> dict:
        if not self.batches:
            return {}
        size = self.batches.pop(0)
        records = [consumer_record(b"{}", offset=self.read + i) for i in range(size)]
        self.read += size
        return {PARTITION: records}

    def commit(self) -> None:
        self.commits += 1

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {PARTITION: self.end}

    def position(self, partition: TopicPartition) -> int:
        return self.read


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_line_shows_the_bar_the_counts_and_the_percentage():
    assert progress_line(120, 280) == f"  [{'#' * 9}{'-' * 21}] 120/400 records (30%)"
    assert progress_line(0, 0) == f"  [{'#' * 30}] 0/0 records (100%)"


def test_consume_says_the_lag_when_a_report_is_due_and_a_last_line_when_idle():
    lines: list[str] = []
    overdue = Progress(last_report=time.monotonic() - 10)
    handled = consume(
        FakeConsumer(3, 2), len, until_idle=True, timeout_ms=1, say=lines.append, progress=overdue
    )
    assert handled == 5
    assert lines == [progress_line(3, 2), progress_line(5, 0)]


def test_consume_says_nothing_when_there_was_nothing_to_do():
    lines: list[str] = []
    assert consume(FakeConsumer(), len, until_idle=True, timeout_ms=1, say=lines.append) == 0
    assert lines == []


def test_without_say_a_pipe_gets_plain_lines_and_a_terminal_a_live_bar_for_until_idle_runs():
    pipe, terminal = io.StringIO(), Terminal()
    assert isinstance(progress_report(None, until_idle=True, stdout=pipe), ProgressLines)
    assert isinstance(progress_report(None, until_idle=True, stdout=terminal), LiveProgressBar)
    assert isinstance(progress_report(None, until_idle=False, stdout=terminal), ProgressLines)
    assert isinstance(progress_report(print, until_idle=True, stdout=terminal), ProgressLines)
    with progress_report(None, until_idle=True, stdout=pipe) as report:
        report.finish(4)
    assert pipe.getvalue() == progress_line(4, 0) + "\n"


def test_consume_without_say_prints_plain_lines_when_stdout_is_not_a_terminal(capsys):
    assert consume(FakeConsumer(4), len, until_idle=True, timeout_ms=1) == 4
    assert capsys.readouterr().out == progress_line(4, 0) + "\n"


def test_the_live_bar_shows_records_handled_of_the_total_the_lag_and_the_rate():
    screen = io.StringIO()
    with LiveProgressBar(Console(file=screen, force_terminal=True, width=120)) as bar:
        bar.update(120, 280)
        bar.finish(400)
    shown = screen.getvalue()
    assert "400/400" in shown and "lag 0" in shown and "records/s" in shown


def test_the_live_bar_draws_nothing_until_the_first_update():
    screen = io.StringIO()
    with LiveProgressBar(Console(file=screen, force_terminal=True, width=120)):
        pass
    assert screen.getvalue() == ""
