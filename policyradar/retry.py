"""Waiting out a dependency that went away: capped exponential backoff with jitter, logged once.

A stage that loses Kafka or the search engine must neither exit nor flood its log: the first
failure of an outage is a warning, the waits grow to a cap, a reminder is logged now and then, and
the first success afterwards says how long the outage lasted.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka.errors import KafkaConfigurationError, KafkaError

from policyradar.errors import DependencyUnavailable

log = logging.getLogger("policyradar.retry")


def is_dependency_failure(exc: BaseException) -> bool:
    """True for failures that waiting can cure: Kafka or the search engine away or overloaded.

    Bad settings (a malformed bootstrap address, refused credentials) are not among them: no wait
    cures those, so the stage should stop and say so.
    """
    if isinstance(exc, KafkaConfigurationError):
        return False
    return isinstance(exc, KafkaError | DependencyUnavailable | ConnectionError | TimeoutError)


@dataclass
class Backoff:
    """Delays of ``initial * 2**n`` seconds, capped, each scaled by a random factor in [0.5, 1]."""

    initial: float = 0.5
    cap: float = 30.0
    attempts: int = 0
    rand: Callable[[], float] = random.random

    def next_delay(self) -> float:
        delay = min(self.cap, self.initial * 2**self.attempts)
        self.attempts += 1
        return delay * (0.5 + 0.5 * self.rand())

    def reset(self) -> None:
        self.attempts = 0


@dataclass
class Outage:
    """Tracks one dependency outage of a stage: logs its start once, reminds, reports recovery."""

    stage: str
    wait: Callable[[float], bool]  # sleeps up to N seconds; True when the process should stop
    backoff: Backoff = field(default_factory=Backoff)
    remind_every: float = 60.0
    clock: Callable[[], float] = time.monotonic
    started: float | None = None
    last_reminder: float = 0.0

    def failed(self, exc: BaseException) -> bool:
        """Log the failure (once per outage), wait before the next attempt; True if asked to stop."""
        now = self.clock()
        if self.started is None:
            self.started = self.last_reminder = now
            log.warning(
                "%s: %s; waiting for it to come back (retrying with backoff)", self.stage, _short(exc)
            )
        elif now - self.last_reminder >= self.remind_every:
            self.last_reminder = now
            log.warning("%s: still waiting after %.0f s: %s", self.stage, now - self.started, _short(exc))
        return self.wait(self.backoff.next_delay())

    def succeeded(self) -> None:
        """Call after work went through: ends the outage, if one was under way."""
        if self.started is not None:
            log.warning("%s: recovered after %.1f s; resuming", self.stage, self.clock() - self.started)
            self.started = None
        self.backoff.reset()

    @property
    def ongoing(self) -> bool:
        return self.started is not None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__
