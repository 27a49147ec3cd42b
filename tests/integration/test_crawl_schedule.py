"""``policyradar crawl --schedule`` picks up added, changed and removed source files without a
restart and never runs two crawls of one source at once."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.site_server import serve_fixture_site

pytestmark = pytest.mark.integration

SPEC = """\
id: {id}
name: scheduled {id}
publisher_kind: government
jurisdiction: CN
language: en
entry_points:
  - kind: listing
    url: {base}/en/list.html
    link_selector: "ul.news li a::attr(href)"
schedule:
  every: {every}
"""


def wait_for(log: Path, pattern: str, count: int = 1, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if len(re.findall(pattern, text)) >= count:
            return text
        time.sleep(0.3)
    raise AssertionError(f"{pattern!r} seen fewer than {count} times in:\n{log.read_text()[-3000:]}")


def test_schedule_follows_the_sources_folder(tmp_path, settings):
    folder = tmp_path / "sources"
    folder.mkdir()
    log = tmp_path / "scheduler.log"
    with serve_fixture_site() as (base, _site):
        port = base.rsplit(":", 1)[1]
        env = {
            **os.environ,
            "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{port}"]),
            "POLICYRADAR_TOPIC_RAW": settings.topic_raw,
            "POLICYRADAR_TOPIC_DLQ": settings.topic_dlq,
            "POLICYRADAR_TOPIC_CRAWL_STATE": settings.topic_crawl_state,
            "POLICYRADAR_TOPIC_ENRICHED": settings.topic_enriched,
        }
        (folder / "alpha.yaml").write_text(SPEC.format(id="alpha", base=base, every="2s"))
        with log.open("w") as sink:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "policyradar",
                    "crawl",
                    "--schedule",
                    "--sources-dir",
                    str(folder),
                    "--reload-seconds",
                    "1",
                ],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(log, r"crawl of alpha finished \(exit 0\)", count=2)
            (folder / "beta.yaml").write_text(SPEC.format(id="beta", base=base, every="1h"))
            wait_for(log, r"source beta scheduled")
            wait_for(log, r"crawl of beta finished \(exit 0\)")
            (folder / "alpha.yaml").write_text(SPEC.format(id="alpha", base=base, every="3s"))
            wait_for(log, r"source alpha changed")
            (folder / "alpha.yaml").unlink()
            text = wait_for(log, r"source alpha removed")
            removed_at = len(text)
            time.sleep(6)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
    text = log.read_text()
    assert "crawl of alpha started" not in text[removed_at:]
    # Starts and ends of one source's crawls alternate: never two at once.
    events = re.findall(r"crawl of alpha (started|finished)", text)
    assert all(a != b for a, b in itertools.pairwise(events)), events
