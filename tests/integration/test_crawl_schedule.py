"""``policyradar crawl --schedule`` picks up added, changed and removed source files without a
restart, never runs two crawls of one source at once, keeps the other sources going when a file
breaks, and tells the operator (by real email) when a source turns broken and when it recovers."""

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

from tests.fixtures.receivers import smtp_server
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
            "POLICYRADAR_TOPIC_CRAWL_RUNS": settings.topic_crawl_runs,
            "POLICYRADAR_TOPIC_SOURCE_HEALTH": settings.topic_source_health,
        }
        (folder / "alpha.yaml").write_text(SPEC.format(id="alpha", base=base, every="2s"))
        with log.open("w") as sink:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "launcher",
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


def scheduler_env(base: str, settings, **extra: str) -> dict[str, str]:
    port = base.rsplit(":", 1)[1]
    return {
        **os.environ,
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{port}"]),
        "POLICYRADAR_TOPIC_RAW": settings.topic_raw,
        "POLICYRADAR_TOPIC_DLQ": settings.topic_dlq,
        "POLICYRADAR_TOPIC_CRAWL_STATE": settings.topic_crawl_state,
        "POLICYRADAR_TOPIC_ENRICHED": settings.topic_enriched,
        "POLICYRADAR_TOPIC_CRAWL_RUNS": settings.topic_crawl_runs,
        "POLICYRADAR_TOPIC_SOURCE_HEALTH": settings.topic_source_health,
        **extra,
    }


SCHEDULER = [sys.executable, "-m", "launcher", "crawl", "--schedule"]


def start_scheduler(folder: Path, log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("w") as sink:
        return subprocess.Popen(
            [*SCHEDULER, "--sources-dir", str(folder), "--reload-seconds", "1"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0


BREAKAGES = [
    ("every: 2s", "cron: '61 * * * *'", "schedule.cron"),
    ("every: 2s", "every: 2s\n  timezone: Asia/Atlantis", "schedule.timezone"),
    ('"ul.news li a::attr(href)"', '"ul.news li a::attr(href"', "entry_points.0.link_selector"),
]


def test_a_file_that_breaks_while_running_never_stops_the_other_sources(tmp_path, settings):
    folder = tmp_path / "sources"
    folder.mkdir()
    log = tmp_path / "scheduler.log"
    with serve_fixture_site() as (base, _site):
        good_alpha = SPEC.format(id="alpha", base=base, every="2s")
        (folder / "first.yaml").write_text(good_alpha)  # file name and source id differ on purpose
        (folder / "beta.yaml").write_text(SPEC.format(id="beta", base=base, every="2s"))
        (folder / "gamma.yaml").write_text(
            SPEC.format(id="gamma", base=base, every="2s").replace("every: 2s", "cron: 'x'")
        )
        proc = start_scheduler(folder, log, scheduler_env(base, settings))
        try:
            text = wait_for(log, r"crawl of alpha finished \(exit 0\)")
            assert "gamma.yaml: field 'schedule.cron'" in text and "skipped: it never loaded" in text
            for old, new, field in BREAKAGES:
                (folder / "first.yaml").write_text(good_alpha.replace(old, new))
                text = wait_for(log, re.escape(f"first.yaml: field '{field}'"))
                assert "keeping source alpha on its last good schedule" in text
                beta_runs = len(re.findall(r"crawl of beta finished \(exit 0\)", text))
                wait_for(log, r"crawl of beta finished \(exit 0\)", count=beta_runs + 2)
                assert proc.poll() is None
            (folder / "first.yaml").write_text(good_alpha)
            text = wait_for(log, r"crawl of alpha finished \(exit 0\)", count=2)
        finally:
            stop(proc)
    assert "source alpha removed" not in text and "source beta removed" not in text
    assert "Traceback" not in text


SELECTED = """\
id: redesigned
name: a bureau that redesigns its site
publisher_kind: government
jurisdiction: CN
language: en
entry_points:
  - kind: listing
    url: {base}/redesign/list.html
    link_selector: "ul.news li a::attr(href)"
selectors:
  title: "h1.headline"
  date: "p.dateline"
  body: "div.story"
schedule:
  every: 2s
"""


def sources_health(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "launcher", "sources", "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_for_mail(inbox, count: int, timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(inbox.messages) < count:
        time.sleep(0.3)
    subjects = [str(message["Subject"]) for message in inbox.messages]
    assert len(subjects) >= count, subjects
    return subjects


def crawls_after(log: Path, count: int = 2) -> None:
    """Let ``count`` more crawls of the source finish."""
    done = len(re.findall(r"crawl of redesigned finished", log.read_text()))
    wait_for(log, r"crawl of redesigned finished", count=done + count)


def test_a_redesigned_site_is_flagged_and_the_operator_told_once_per_change(tmp_path, settings):
    folder = tmp_path / "sources"
    folder.mkdir()
    log = tmp_path / "scheduler.log"
    with serve_fixture_site() as (base, site), smtp_server() as (smtp_port, inbox):
        (folder / "redesigned.yaml").write_text(SELECTED.format(base=base))
        env = scheduler_env(
            base,
            settings,
            POLICYRADAR_SOURCES_DIR=str(folder),
            POLICYRADAR_SMTP_PORT=str(smtp_port),
            POLICYRADAR_OPERATOR_EMAIL="operator@example.com",
        )
        proc = start_scheduler(folder, log, env)
        try:
            crawls_after(log, 2)
            healthy = sources_health(env)
            assert healthy.returncode == 0, healthy.stdout + healthy.stderr
            phases = [
                ("selectors", "title selector matched nothing"),
                ("empty", "yielded no links"),
                ("error", "failed: HTTP 500"),
            ]
            for n, (redesign, reason) in enumerate(phases):
                site.redesign = redesign
                subjects = wait_for_mail(inbox, 2 * n + 1)
                assert subjects[-1] == "[Policy Radar] source redesigned is broken"
                assert reason in inbox.messages[-1].get_content()
                crawls_after(log, 2)
                flagged = sources_health(env)
                assert flagged.returncode == 1 and "FLAGGED redesigned: " in flagged.stderr
                assert reason in flagged.stderr and "1 source(s) flagged" in flagged.stderr
                site.redesign = None
                subjects = wait_for_mail(inbox, 2 * n + 2)
                assert subjects[-1] == "[Policy Radar] source redesigned recovered"
                crawls_after(log, 2)
                assert sources_health(env).returncode == 0
        finally:
            stop(proc)
    # Only transitions were told: broken and recovered once each per redesign, whatever the runs.
    assert len(inbox.messages) == 2 * len(phases)
    assert all(message["To"] == "operator@example.com" for message in inbox.messages)
