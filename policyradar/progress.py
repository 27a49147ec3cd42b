"""How a stage shows how far it has got: a live bar on a terminal, plain lines anywhere else.

An ``--until-idle`` run on a terminal shows a ``rich`` progress bar: records handled out of handled
plus lag, the lag left, the rate and the time taken. Anywhere else (CI, log files, pipes to another
process) and for runs that never end, a plain line every two seconds, so logs stay readable:
``  [#########---------------------] 120/400 records (30%)``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Protocol, TextIO

from rich import progress as rich_progress
from rich.console import Console
from rich.text import Text

Say = Callable[[str], None]


class ProgressReport(Protocol):
    """Told how many records are handled and how many are left; shows it its own way."""

    interval: float  # seconds between updates (each one asks Kafka for the lag)

    def update(self, handled: int, lag: int) -> None: ...

    def finish(self, handled: int) -> None: ...

    def __enter__(self) -> ProgressReport: ...

    def __exit__(self, *exc_info: object) -> None: ...


def progress_report(say: Say | None, until_idle: bool, stdout: TextIO | None = None) -> ProgressReport:
    """Lines through ``say`` when one is given; otherwise a live bar for an ``until_idle`` run whose
    ``stdout`` (``sys.stdout`` by default) is a terminal, else lines printed to it."""
    if say is None:
        out = stdout or sys.stdout
        if until_idle and out.isatty():
            return LiveProgressBar(Console(file=out))
        return ProgressLines(functools.partial(print, file=out))
    return ProgressLines(say)


def progress_line(done: int, remaining: int, width: int = 30) -> str:
    """``  [#########---------------------] 120/400 records (30%)``."""
    total = done + remaining
    filled = int(width * done / total) if total else width
    percent = int(100 * done / total) if total else 100
    return f"  [{'#' * filled}{'-' * (width - filled)}] {done}/{total} records ({percent}%)"


class ProgressLines:
    """One plain line per update, through ``say``."""

    interval = 2.0

    def __init__(self, say: Say) -> None:
        self.say = say

    def update(self, handled: int, lag: int) -> None:
        self.say(progress_line(handled, lag))

    def finish(self, handled: int) -> None:
        self.say(progress_line(handled, 0))

    def __enter__(self) -> ProgressLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


class RateColumn(rich_progress.ProgressColumn):
    """``42 records/s`` (rich's own speed column counts bytes)."""

    def render(self, task: rich_progress.Task) -> Text:
        return Text(f"{task.speed or 0:,.0f} records/s")


class LiveProgressBar:
    """A ``rich`` bar on ``console``, shown from the first update until the run ends."""

    interval = 0.5

    def __init__(self, console: Console) -> None:
        self._bar = rich_progress.Progress(
            rich_progress.TextColumn("  records"),
            rich_progress.BarColumn(),
            rich_progress.MofNCompleteColumn(),
            rich_progress.TextColumn("lag {task.fields[lag]}"),
            RateColumn(),
            rich_progress.TimeElapsedColumn(),
            console=console,
        )
        self._task: rich_progress.TaskID | None = None

    def update(self, handled: int, lag: int) -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task("records", total=None, lag=lag)
        self._bar.update(self._task, completed=handled, total=handled + lag, lag=lag)

    def finish(self, handled: int) -> None:
        self.update(handled, 0)

    def __enter__(self) -> LiveProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._bar.stop()
