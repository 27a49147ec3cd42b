"""``bench/bench_soak.py --small`` runs ``policyradar run`` under a short feed, loses no record
(the raw topic's records are all indexed or dead letters), samples every part, prints its tables,
and deletes its topics and indices."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from indexer.engine import make_engine

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_soak.py"
PARTS = ("crawler", "indexer", "processor", "scheduler", "web")


def test_the_small_soak_balances_its_ledger_and_cleans_up(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=900, check=False
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    alias = re.search(r"^index alias (\S+) ", out, re.M).group(1)
    fed = int(re.search(r"^fed (\d+) articles", out, re.M).group(1))
    assert fed >= 100  # 2 a second for a minute and a half
    produced = int(
        re.search(r"^\| produced \(distinct raw ids: [\d,]+ fed.*\| ([\d,]+) \|$", out, re.M)[1].replace(
            ",", ""
        )
    )
    indexed = int(re.search(r"^\| indexed \| ([\d,]+) \|$", out, re.M)[1].replace(",", ""))
    assert produced >= fed and indexed == produced, out
    assert re.search(r"^\| lost \| 0 \|$", out, re.M), out
    assert "none lost: met" in out
    for part in PARTS:
        assert re.search(rf"^\| RSS {part} \(after warm-up -> end\) \| \d+ -> \d+ MiB", out, re.M), out
    assert re.search(r"^\| consumer lag after warm-up, max \| \d+\.\d s", out, re.M), out
    engine = make_engine(stack)
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    try:
        assert engine.list_indices(f"{alias}*") == []
        prefix = alias.removesuffix("-announcements")
        left = [t for t in admin.list_topics() if t.startswith(prefix)]
        for _ in range(30):  # the broker deletes topics in the background
            if not left:
                break
            time.sleep(1)
            left = [t for t in admin.list_topics() if t.startswith(prefix)]
        assert left == []
    finally:
        engine.close()
        admin.close()
