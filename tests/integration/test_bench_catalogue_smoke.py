"""``bench/bench_catalogue.py --small`` runs the long-lived crawler on 200 simulated sources (10
hosts on 127.1.0.x): a clean stop, no host asked sooner than its delay, every changed page emitted
exactly once, checks done for most sources; and it leaves no topic behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_catalogue.py"


def test_the_small_catalogue_bench_is_polite_and_emits_each_changed_page_once(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=900, check=False
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    run = re.search(r"^catalogue bench (\w+):", out, re.M).group(1)
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", out, re.M))
    assert rows["politeness violations"] == "0"
    emitted, expected = map(int, rows["changed pages emitted / expected"].split(" / "))
    assert emitted == expected > 0  # listings did change, and each change came out once
    assert rows["emitted twice / not expected"] == "0 / 0"
    checks = int(re.search(r"^checks: ([\d,]+) finished", out, re.M).group(1).replace(",", ""))
    assert checks >= 200  # 200 sources every 40 s for 90 s: most are checked twice
    assert "crawler exit code after SIGTERM: 0" in out
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap, client_id="bench-catalogue-test")
    try:
        assert not [topic for topic in admin.list_topics() if run in topic]
    finally:
        admin.close()
