"""``reprocess`` while announcements keep arriving: the live indexer writes through the alias, so
whatever arrives before, during or after the swap is searchable in the new index version (records
produced after the swap reach only the live stages: an indexer bound to the old index loses them)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from indexer.engine import make_engine
from indexer.mapping import MAPPING_VERSION
from launcher.stack import stack_up
from policyradar.kafka_io import ensure_topics
from policyradar.settings import Settings
from tests.faults.harness import Stages, environment, indexed_versions, produce_records, wait_until
from tests.faults.records import make_record
from tests.fixtures.isolation import isolated_overrides, settings_with

pytestmark = pytest.mark.e2e
BEFORE, DURING, AFTER = 60, 120, 40


def test_records_arriving_during_reprocess_are_all_searchable_afterwards(tmp_path):
    stack_up(Settings(), say=lambda _line: None)
    overrides = isolated_overrides("reprocess")
    settings = settings_with(overrides)
    ensure_topics(settings)
    env = environment(overrides, POLICYRADAR_POLL_TIMEOUT_MS="500", POLICYRADAR_NLP_PROFILE="rules")
    engine = make_engine(settings)
    stages = Stages(env, tmp_path)
    records = [make_record(n, prefix="reprocess") for n in range(1, BEFORE + DURING + AFTER + 1)]
    ids = {r.id for r in records}
    try:
        produce_records(settings, records[:BEFORE])
        stages.start("process", "process")
        stages.start("index", "index")
        wait_until(
            lambda: len(indexed_versions(engine, settings.index_alias)) == BEFORE, 300, "the first records"
        )

        def trickle() -> None:
            for record in records[BEFORE : BEFORE + DURING]:
                produce_records(settings, [record])
                time.sleep(0.1)

        producer = threading.Thread(target=trickle)
        producer.start()
        result = subprocess.run(
            [sys.executable, "-m", "launcher", "reprocess"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        producer.join()
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        next_version = f"{settings.index_alias}-v{MAPPING_VERSION + 1}"
        assert engine.alias_targets(settings.index_alias) == [next_version]
        produce_records(
            settings, records[BEFORE + DURING :]
        )  # after the swap: only the live stages see these
        wait_until(lambda: set(indexed_versions(engine, settings.index_alias)) == ids, 300, "every record")
        stages.assert_alive("process", "index")
    finally:
        stages.stop_all()
        for index in engine.list_indices(f"{settings.index_alias}-*"):
            engine.delete_index(index)
        engine.close()
