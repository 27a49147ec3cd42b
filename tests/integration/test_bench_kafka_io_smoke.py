"""``bench/bench_kafka_io.py --small`` produces and reads real records on the real broker with both
CRC implementations, prints its table, and deletes its topic."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_kafka_io.py"


def test_the_small_kafka_io_bench_prints_both_implementations_and_deletes_its_topic(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    topic = re.search(r"^topic (\S+) ", result.stdout, re.M).group(1)
    rows = {
        m.group(1): m.groups()[1:]
        for m in re.finditer(r"^\| (pure Python|crc32c) \| ([\d.]+) \| ([\d.]+) \|$", result.stdout, re.M)
    }
    assert set(rows) == {"pure Python", "crc32c"}, result.stdout
    assert all(float(value) > 0 for values in rows.values() for value in values)
    assert re.search(r"pure Python / crc32c: produce [\d.]+x, read [\d.]+x", result.stdout)
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    try:
        assert topic not in admin.list_topics()
    finally:
        admin.close()
