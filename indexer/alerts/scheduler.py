"""The digest scheduler's loop: it rides out search-engine outages and stops only when told to.

Starting waits for the engine; each tick takes (or renews) the lease and sends what is due. A tick
that fails because the engine is away is logged once per outage and retried with backoff; any other
failure of a tick is logged and the next tick tries again. A lost lease ends the tick at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from indexer.alerts.digest import DigestService
from indexer.alerts.lease import Lease, LeaseLost, new_owner
from indexer.engine import Engine, EngineError
from policyradar.retry import Outage, is_dependency_failure
from policyradar.settings import Settings

log = logging.getLogger("policyradar.digest")


class Stop(Protocol):
    def __call__(self) -> bool: ...

    def wait(self, seconds: float) -> bool: ...


def lease_bound_service(engine: Engine, settings: Settings) -> DigestService:
    """A digest service whose deliveries and ledger writes are fenced by a new scheduler lease."""
    service = DigestService(engine, settings.index_alias, settings)
    service.lease = Lease(
        engine,
        service.names["locks"],
        new_owner(),
        settings.scheduler_lease_seconds,
        floor=service.highest_fence,
    )
    return service


@dataclass
class DigestScheduler:
    build: Callable[[], DigestService]  # may fail while the engine is away: retried
    tick_seconds: float
    stop: Stop
    outage: Outage = field(init=False)
    service: DigestService | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.outage = Outage("digest scheduler", self.stop.wait)

    @property
    def owner(self) -> str:
        lease = self.service.lease if self.service else None
        return lease.owner if lease else "(not started)"

    def start(self) -> bool:
        """Build the service, waiting for the engine if it is not up; False if stopped first."""
        while not self.stop():
            try:
                self.service = self.build()
            except Exception as exc:
                if not is_dependency_failure(exc):
                    raise  # bad settings: no wait cures them
                if self.outage.failed(exc):
                    return False
                continue
            self.outage.succeeded()
            return True
        return False

    def readiness(self) -> str | None:
        """Why the scheduler is not ready (for ``/readyz``), or None."""
        if self.service is None:
            return "waiting for the search engine to start"
        if self.outage.ongoing:
            return "the search engine is unreachable; digests wait"
        return None

    def tick(self) -> list[str]:
        """One round: the message ids sent (none when another scheduler holds the lease)."""
        assert self.service is not None and self.service.lease is not None, "start() first"
        try:
            sent = self.service.run_due() if self.service.lease.acquire() else []
        except LeaseLost as exc:
            log.warning("%s; sending nothing more until it is ours again", exc)
            return []
        except Exception as exc:
            if is_dependency_failure(exc):
                self.outage.failed(exc)  # warns once per outage and waits with backoff
            else:
                log.exception("digest tick failed; retrying at the next tick")
            return []
        self.outage.succeeded()
        return sent

    def run(self) -> None:
        """Tick until stopped, then let the lease go."""
        while not self.stop():
            self.tick()
            self.stop.wait(self.tick_seconds)
        self.release()

    def release(self) -> None:
        if self.service is None or self.service.lease is None:
            return
        try:
            self.service.lease.release()
        except EngineError as exc:
            log.warning("could not release the digest lease (%s); it expires by itself", exc)
