"""``bench/bench_percolation.py --small`` runs against the real engine, finds every match the
brute-force count expects, prints the table and the scheduler's requests per tick, and leaves no
index behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.engine import make_engine

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_percolation.py"


def test_the_small_percolation_bench_loses_no_match_and_deletes_its_indices(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    alias = re.search(r"^index alias (\S+) ", result.stdout, re.M).group(1)
    rows = [line.strip("| ").split(" | ") for line in result.stdout.splitlines() if re.match(r"\| \d", line)]
    assert [row[0] for row in rows] == ["0", "50", "300"], result.stdout
    recorded, expected, lost, extra = zip(*(row[-4:] for row in rows), strict=True)
    assert recorded == expected and set(lost) == {"0"} and set(extra) == {"0"}
    assert int(recorded[-1].replace(",", "")) > 0  # the alerts do match documents
    assert "zero matches lost at every size: met" in result.stdout
    assert re.search(r"tick 1: \d+ requests", result.stdout), result.stdout
    engine = make_engine(stack)
    try:
        assert engine.list_indices(f"{alias}*") == []
    finally:
        engine.close()
