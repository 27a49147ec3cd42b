"""Kafka and the search engine go away and come back: the stages wait, re-join and resume."""

from __future__ import annotations

import time

import pytest

from tests.faults.harness import committed_offsets, indexed_versions, produce_records, wait_until
from tests.faults.records import workload
from tests.faults.services import kill_service, restart_stack, throttling_proxy

pytestmark = pytest.mark.faults
RECORDS = 1000


def test_kafka_broker_killed_and_restarted(scenario):
    work = workload(RECORDS, prefix="kafka-restart")
    produce_records(scenario.settings, work.records)
    scenario.stages.start("process", "process", extra_env={"POLICYRADAR_BATCH_SIZE": "16"})
    scenario.stages.start("index", "index")
    wait_until(
        lambda: committed_offsets(scenario.settings, scenario.settings.group_processor) >= 100,
        180,
        "the processor's first commits",
    )
    kill_service(scenario.settings, "kafka")
    time.sleep(20)
    scenario.stages.assert_alive("process", "index")
    restart_stack(scenario.settings)
    ledger = scenario.settle(work, healed_at=time.monotonic())
    scenario.stages.assert_alive("process", "index")
    assert ledger.produced == len(work.records)


def test_search_engine_killed_and_restarted(scenario):
    work = workload(RECORDS, prefix="engine-restart")
    produce_records(scenario.settings, work.records)
    scenario.stages.start("process", "process")
    scenario.stages.start("index", "index", extra_env={"POLICYRADAR_INDEX_BATCH_SIZE": "16"})
    wait_until(
        lambda: len(indexed_versions(scenario.engine, scenario.settings.index_alias)) >= 100,
        180,
        "the first documents indexed",
    )
    kill_service(scenario.settings, "opensearch")
    time.sleep(40)
    scenario.stages.assert_alive("process", "index")
    restart_stack(scenario.settings)
    scenario.settle(work, healed_at=time.monotonic())
    scenario.stages.assert_alive("process", "index")
    assert "waiting for it to come back" in scenario.stages.log("index")


def test_engine_throttles_a_third_of_bulk_requests(scenario):
    work = workload(RECORDS, prefix="throttled")
    produce_records(scenario.settings, work.records)
    with throttling_proxy(scenario.settings.search_url, every=3) as (proxy_url, counts):
        scenario.stages.start("process", "process")
        scenario.stages.start("index", "index", extra_env={"POLICYRADAR_SEARCH_URL": proxy_url})
        scenario.settle(work, healed_at=time.monotonic())
        scenario.stages.assert_alive("process", "index")
    assert counts["throttled"] >= 5 and counts["throttled"] * 3 <= counts["bulk"] + 3
