"""The digest scheduler killed after a digest was sent and before it was marked sent: the next
scheduler resends that same digest (same message id, same items) and then marks it; the
subscriber, deduplicating by message id, holds every match exactly once."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.store import AlertStore
from tests.faults.harness import SETTLE_SECONDS, matched_docs, produce_records, wait_until
from tests.faults.records import workload
from tests.fixtures.receivers import webhook_receiver

pytestmark = pytest.mark.faults
RECORDS = 1000


def test_scheduler_killed_between_send_and_mark(scenario):
    work = workload(RECORDS, prefix="scheduler")
    produce_records(scenario.settings, work.records)
    scenario.stages.start("process", "process")
    scenario.stages.start("index", "index")
    wait_until(
        lambda: matched_docs(scenario.engine, scenario.settings, scenario.alert) >= work.watched_ids,
        SETTLE_SECONDS,
        "every watched record matched",
        every=1.0,
    )
    env = {
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps(["127.0.0.1"]),
        "POLICYRADAR_DIGEST_TICK_SECONDS": "1",
    }

    def kill_scheduler_after_first_delivery(count: int) -> None:
        if count == 1:  # acknowledged, so the scheduler goes on to mark it sent: kill it before
            os.kill(scenario.stages.procs["scheduler"].pid, signal.SIGKILL)

    with webhook_receiver(after_delivery=kill_scheduler_after_first_delivery) as (url, hook):
        scenario.alert = AlertStore(scenario.engine, scenario.settings.index_alias).save(
            scenario.alert.model_copy(update={"webhook_url": url})
        )
        scenario.hook = hook
        scenario.stages.start("scheduler", "scheduler", extra_env=env)
        wait_until(lambda: scenario.stages.procs["scheduler"].poll() is not None, 120, "the scheduler killed")
        assert scenario.stages.procs["scheduler"].returncode == -signal.SIGKILL
        scenario.stages.start("scheduler-again", "scheduler", extra_env=env)
        healed = time.monotonic()
        wait_until(lambda: len(hook.deliveries) >= 2, 120, "the pending digest resent")
        ledger = DigestService(scenario.engine, scenario.settings.index_alias, scenario.settings)
        wait_until(lambda: ledger.pending(scenario.alert) is None, 60, "the resent digest marked sent")
        scenario.stages.procs["scheduler-again"].send_signal(signal.SIGTERM)
        assert scenario.stages.procs["scheduler-again"].wait(timeout=60) == 0
        first_id, second_id = (headers["webhook-id"] for headers, _ in hook.deliveries[:2])
        assert first_id == second_id, "the resent digest keeps its message id"
        scenario.settle(work, healed_at=healed)
    scenario.stages.assert_alive("process", "index")
