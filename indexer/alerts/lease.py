"""A lease in the search engine so that only one digest scheduler acts at a time, with a fencing token.

The lease document is taken with ``op_type=create`` or, when expired or already ours, replaced with
optimistic concurrency (``if_seq_no``/``if_primary_term``): of two schedulers, one wins each round.

Each time the lease changes hands its ``token`` grows by one (a renewal by the holder keeps it). The
holder checks the lease right before it delivers a digest or writes the ledger, and the ledger's
digest documents carry the token of the last writer and refuse a write with an older one: a holder
that paused past its expiry and lost the lease finds out and stops instead of sending again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.engine import Engine, EngineConflict
from policyradar.errors import PolicyRadarError

LEASE_ID = "digest-scheduler"


class LeaseLost(PolicyRadarError):
    """This scheduler no longer holds the lease (it expired, or another scheduler took it)."""


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """``acquire()`` each tick; ``check()`` before each delivery and ledger write; ``token`` fences."""

    def __init__(
        self,
        engine: Engine,
        index: str,
        owner: str,
        seconds: float,
        clock: Callable[[], datetime] = _utc_now,
        floor: Callable[[], int] = lambda: 0,
    ) -> None:
        """``floor``: the highest token the ledger has seen, so that a lease document created anew
        (first start, or the lock index was recreated) still starts above every older token."""
        self.engine = engine
        self.index = index
        self.owner = owner
        self.seconds = seconds
        self.clock = clock
        self.floor = floor
        self.token: int | None = None

    def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; False when another live scheduler holds it."""
        now = now or self.clock()
        current = self.engine.get_doc(self.index, LEASE_ID)
        try:
            if current is None:
                token = self.floor() + 1
                self._write(token, now, op_type="create")
            else:
                holder = current["_source"]
                if holder["owner"] != self.owner and _expiry(holder) > now:
                    self.token = None
                    return False
                token = self._next_token(holder)
                self._write(token, now, current=current)
        except EngineConflict:
            self.token = None
            return False  # another scheduler won this round
        self.token = token
        return True

    def check(self, now: datetime | None = None) -> int:
        """The token, if this scheduler still holds the lease; renews it when half of it has run
        out. Raises LeaseLost when the lease expired or changed hands since ``acquire``."""
        now = now or self.clock()
        current = self.engine.get_doc(self.index, LEASE_ID)
        holder = current["_source"] if current else None
        if self.token is None or holder is None:
            raise self._lost("it is not held")
        if holder["owner"] != self.owner or holder.get("token") != self.token:
            raise self._lost(f"{holder['owner']} holds it with token {holder.get('token')}")
        remaining = (_expiry(holder) - now).total_seconds()
        if remaining <= 0:
            raise self._lost(f"it expired {-remaining:.0f} s ago")
        if remaining < self.seconds / 2:
            try:
                self._write(self.token, now, current=current)
            except EngineConflict:
                raise self._lost("another scheduler wrote it meanwhile") from None
        return self.token

    def release(self) -> None:
        """Let the lease expire now (the document stays, so the token keeps growing)."""
        current = self.engine.get_doc(self.index, LEASE_ID)
        if current and current["_source"]["owner"] == self.owner:
            token = current["_source"].get("token") or 0
            with contextlib.suppress(EngineConflict):  # someone took it meanwhile: nothing to release
                self._write(token, self.clock(), current=current, seconds=0)
        self.token = None

    def _next_token(self, holder: dict[str, Any]) -> int:
        held = holder.get("token")
        if holder["owner"] == self.owner and held is not None and held == self.token:
            return held  # a renewal: nobody else held it in between
        return max(int(held or 0), self.floor()) + 1

    def _write(
        self,
        token: int,
        now: datetime,
        current: dict[str, Any] | None = None,
        op_type: str | None = None,
        seconds: float | None = None,
    ) -> None:
        expires = now + timedelta(seconds=self.seconds if seconds is None else seconds)
        body = {"owner": self.owner, "expires_at": expires.isoformat(), "token": token}
        self.engine.index_doc(
            self.index,
            LEASE_ID,
            body,
            op_type=op_type,
            if_seq_no=current["_seq_no"] if current else None,
            if_primary_term=current["_primary_term"] if current else None,
            refresh="wait_for",
        )

    def _lost(self, why: str) -> LeaseLost:
        token, self.token = self.token, None
        return LeaseLost(f"digest scheduler {self.owner} lost the lease (token {token}): {why}")


def _expiry(holder: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(holder["expires_at"])
