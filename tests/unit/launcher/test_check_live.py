"""``sources check --live`` with its child crawls stood in for: a source whose crawl does not finish
within ``--timeout`` is reported and the check goes on to the next source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from launcher import preview
from launcher.cli import build_parser
from policyradar.errors import PolicyRadarError


def fake_children(hanging: set[str], partial: set[str], seen: list[tuple[str, float | None]]):
    """``_policyradar`` as the check calls it: ``sources list``, then one dry-run crawl per source.
    A hanging source times out; a partial one writes an item, and half of another, before it does."""

    def run(*args: str, capture: bool = False, env=None, timeout: float | None = None):
        if args[:2] == ("sources", "list"):
            rows = [{"id": name} for name in ("fine", "hangs", "slow-but-found")]
            return subprocess.CompletedProcess(args, 0, json.dumps(rows), "")
        source_id, out = args[args.index("--source") + 1], Path(args[args.index("--dry-run") + 1])
        seen.append((source_id, timeout))
        if source_id in hanging | partial:
            if source_id in partial:
                item = json.dumps({"title": "关于申报算力补贴的通知"})
                out.write_text(item + "\n" + item[:12], encoding="utf-8")  # stopped mid-line
            raise PolicyRadarError(f"'policyradar crawl' did not finish within {timeout:.0f} s")
        out.write_text(json.dumps({"title": "Notice"}) + "\n", encoding="utf-8")
        return subprocess.CompletedProcess(args, 0, "", "")

    return run


def test_a_source_that_does_not_finish_in_time_fails_and_the_check_goes_on(monkeypatch, capsys):
    seen: list[tuple[str, float | None]] = []
    monkeypatch.setattr(preview, "_policyradar", fake_children({"hangs"}, {"slow-but-found"}, seen))
    args = build_parser().parse_args(["sources", "check", "--live", "--timeout", "20"])
    assert preview.check_live_command(args) == 1
    out = capsys.readouterr().out
    assert [line.split()[:2] for line in out.splitlines()[:3]] == [
        ["ok", "fine"],
        ["FAILED", "hangs"],
        ["ok", "slow-but-found"],
    ]
    assert "('policyradar crawl' did not finish within 20 s)" in out
    assert "2 of 3 sources extract items" in out
    assert {timeout for _, timeout in seen} == {20.0}


@pytest.mark.parametrize("bad", ["0", "-5", "soon", "inf", "nan"])
def test_the_time_limit_must_be_a_positive_number_of_seconds(bad, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sources", "check", "--live", "--timeout", bad])
    assert "positive number of seconds" in capsys.readouterr().err


def test_the_time_limit_defaults_to_five_minutes():
    assert build_parser().parse_args(["sources", "check", "--live"]).timeout == 300.0
