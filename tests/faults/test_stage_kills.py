"""Stages killed with SIGKILL in the middle of the stream: nothing lost, nothing twice."""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import committed_offsets, indexed_versions, produce_records, wait_until
from tests.faults.records import workload

pytestmark = pytest.mark.faults
RECORDS = 1000


def test_processor_killed_mid_stream(scenario):
    work = workload(RECORDS, prefix="kill-processor")
    produce_records(scenario.settings, work.records)
    scenario.stages.start("process", "process", extra_env={"POLICYRADAR_BATCH_SIZE": "16"})
    scenario.stages.start("index", "index")
    group = scenario.settings.group_processor
    wait_until(
        lambda: committed_offsets(scenario.settings, group) >= 100, 180, "the processor's first commits"
    )
    scenario.stages.kill("process")
    assert committed_offsets(scenario.settings, group) < len(work.records), "killed too late to matter"
    scenario.stages.start("process-again", "process")
    scenario.settle(work, healed_at=time.monotonic())
    scenario.stages.assert_alive("process-again", "index")


def test_indexer_killed_between_bulk_ack_and_commit(scenario):
    work = workload(RECORDS, prefix="kill-indexer")
    produce_records(scenario.settings, work.records)
    scenario.stages.start("process", "process")
    scenario.stages.start("index", "index", extra_env={"POLICYRADAR_INDEX_BATCH_SIZE": "32"})
    group = scenario.settings.group_indexer

    def written_but_not_committed() -> bool:
        indexed = len(indexed_versions(scenario.engine, scenario.settings.index_alias))
        return indexed >= 64 and indexed > committed_offsets(scenario.settings, group)

    # Acknowledged by the engine, not yet committed to Kafka: the window a crash must survive.
    wait_until(written_but_not_committed, 240, "a batch written but not yet committed", every=0.05)
    scenario.stages.kill("index")
    scenario.stages.start("index-again", "index")
    scenario.settle(work, healed_at=time.monotonic())
    scenario.stages.assert_alive("process", "index-again")


def test_one_of_two_processors_killed_rebalances(scenario):
    work = workload(RECORDS, prefix="rebalance")
    produce_records(scenario.settings, work.records)
    small = {"POLICYRADAR_BATCH_SIZE": "16"}
    scenario.stages.start("process-a", "process", extra_env=small)
    scenario.stages.start("process-b", "process", extra_env=small)
    scenario.stages.start("index", "index")
    group = scenario.settings.group_processor
    wait_until(lambda: committed_offsets(scenario.settings, group) >= 150, 180, "both processors at work")
    scenario.stages.kill("process-a")
    healed = time.monotonic()  # the survivor takes the partitions over after the session timeout
    scenario.settle(work, healed_at=healed)
    scenario.stages.assert_alive("process-b", "index")
