"""``bench/bench_clusters.py --small`` runs against the real engine in seconds, prints the cost table
with the targets, and leaves no index behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.engine import make_engine

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_clusters.py"


def test_the_small_clustering_bench_prints_its_table_and_deletes_its_indices(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small", "--refresh", "false"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    alias = re.search(r"^index alias (\S+) ", result.stdout, re.M).group(1)
    rows = [line.split(" | ") for line in result.stdout.splitlines() if re.match(r"\| \d", line)]
    assert [row[:2] for row in rows] == [["| 100", "false"], ["| 200", "false"]], result.stdout
    assert all(float(row[2]) > 0 and float(row[3]) > 0 and float(row[6]) > 0 for row in rows)
    assert "refresh false, by the handlers' difference: extra at 200 = " in result.stdout
    assert "refresh false, by the steps: extra at 200 = " in result.stdout
    engine = make_engine(stack)
    try:
        assert engine.list_indices(f"{alias}*") == []
    finally:
        engine.close()
