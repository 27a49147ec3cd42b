"""Graceful stop on SIGTERM/SIGINT: the running loop finishes its batch, commits, then exits."""

from __future__ import annotations

import signal
import threading


class StopFlag:
    """Set by SIGTERM or SIGINT; long-running loops check it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __call__(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early on a stop signal; True when the process should stop."""
        return self._event.wait(seconds)

    def install(self) -> StopFlag:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self._event.set())
        return self
