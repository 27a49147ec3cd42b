"""A lease in the search engine so that only one digest scheduler acts at a time.

The lease document is taken with ``op_type=create`` or, when expired or already ours, replaced with
optimistic concurrency (``if_seq_no``/``if_primary_term``): of two schedulers, one wins each round.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from indexer.engine import Engine, status_of

LEASE_ID = "digest-scheduler"


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, engine: Engine, index: str, owner: str, seconds: float) -> None:
        self.engine = engine
        self.index = index
        self.owner = owner
        self.seconds = seconds

    def acquire(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; False when another live scheduler holds it."""
        now = now or datetime.now(UTC)
        body = {"owner": self.owner, "expires_at": (now + timedelta(seconds=self.seconds)).isoformat()}
        current = self.engine.get_doc(self.index, LEASE_ID)
        try:
            if current is None:
                self.engine.index_doc(self.index, LEASE_ID, body, op_type="create", refresh="wait_for")
                return True
            holder = current["_source"]
            if holder["owner"] != self.owner and datetime.fromisoformat(holder["expires_at"]) > now:
                return False
            self.engine.index_doc(
                self.index,
                LEASE_ID,
                body,
                if_seq_no=current["_seq_no"],
                if_primary_term=current["_primary_term"],
                refresh="wait_for",
            )
            return True
        except Exception as exc:
            if status_of(exc) == 409:
                return False  # another scheduler won this round
            raise

    def release(self) -> None:
        current = self.engine.get_doc(self.index, LEASE_ID)
        if current and current["_source"]["owner"] == self.owner:
            self.engine.delete_doc(self.index, LEASE_ID, refresh="wait_for")
