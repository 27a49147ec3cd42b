"""``bench/bench_search.py --small`` loads its documents through the bulk writer and the raw helper,
indexes every one, measures searches through the API's code path, prints its table with the targets,
and leaves no index behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.engine import make_engine

pytestmark = pytest.mark.integration
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_search.py"


def test_the_small_search_bench_indexes_every_document_and_deletes_its_indices(stack):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--small"], capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    alias = re.search(r"^index alias (\S+) ", out, re.M).group(1)
    assert re.search(r"^\| rejected \(writer / raw\) \| 0 / 0 \|", out, re.M), out
    assert re.search(r"^\| searches measured \| 40 \(", out, re.M), out
    assert re.search(r"^\| search p95 \| \d+ ms \| <= 200 ms \| (met|missed) \|", out, re.M), out
    assert re.search(r"^\| writer / raw \| \d+\.\d\d \| >= 0\.9 \|", out, re.M), out
    assert re.search(r"^\| store size per document \| \d+\.\d KiB", out, re.M), out
    assert "every document indexed: met (3,000 of 3,000)" in out
    engine = make_engine(stack)
    try:
        assert engine.list_indices(f"{alias}*") == []
    finally:
        engine.close()
