"""``bench/bench_health_read.py --small`` writes summaries to the real broker, assesses every source
from them beside a bare read of the topic, writes a health checkpoint, assesses again from it and the
runs written since (the same answer), prints the table, and deletes its topics."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_health_read.py"


def test_the_small_health_read_bench_assesses_every_source_and_deletes_its_topic(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    topic = re.search(r"^topic (\S+) ", result.stdout, re.M).group(1)
    assert "2,000 summaries of 100 sources written" in result.stdout
    assert re.search(
        r"^\| `read_health` \(read, parse, fold, assess\) \| [\d.]+ \| [\d,]+ \|$", result.stdout, re.M
    )
    assert re.search(
        r"^\| `current_health` \(checkpoint \+ 50 runs since\) \| [\d.]+ \| [\d,]+ \|$", result.stdout, re.M
    )
    assert "checkpoint: 101 entries" in result.stdout  # one per source and the marker
    assert "100 of 100 sources assessed with runs" in result.stdout
    assert "the checkpointed health equals the whole topic's for every source" in result.stdout
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    try:
        left = set(admin.list_topics())
        assert topic not in left and topic.replace(".crawlruns", ".sourcehealth") not in left
    finally:
        admin.close()
