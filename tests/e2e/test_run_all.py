"""``policyradar run`` brings up every part, a record flows through it, and SIGTERM stops them all."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from launcher.stack import stack_up
from launcher.stack.process import is_alive
from policyradar.kafka_io import ensure_topics, make_producer, send_all
from policyradar.schemas import dump_record
from policyradar.settings import Settings
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_serves_processes_and_stops_cleanly(tmp_path):
    stack_up(Settings(), say=lambda _line: None)
    port = free_port()
    overrides = {
        **isolated_overrides("run"),
        "POLICYRADAR_API_PORT": str(port),
        "POLICYRADAR_SOURCES_DIR": str(tmp_path),
    }
    settings = settings_with(overrides)
    ensure_topics(settings)
    log = tmp_path / "run.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "launcher", "run"],
            env={**os.environ, **overrides},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    record = make_raw(1)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ok(f"{base}/api/search"), "the web page to answer")
        producer = make_producer(settings, client_id="test")
        send_all(producer, [(settings.topic_raw, record.id, dump_record(record))])
        producer.close()
        wait_until(
            lambda: httpx.get(f"{base}/api/search", params={"q": "computing subsidies"}).json()["total"] == 1,
            "the record to be searchable",
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=90)
    output = log.read_text()
    pids = [int(pid) for pid in re.findall(r"started \(pid (\d+)\)", output)]
    assert code == 0 and len(pids) == 5, output[-3000:]
    time.sleep(1)
    assert not [pid for pid in pids if is_alive(pid)]


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (httpx.HTTPError, KeyError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")
