"""A real Prometheus server scrapes the running stages: PromQL through its HTTP API returns the records
the processor consumed and the indexer's lag, and the stages answer /healthz and /readyz."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyradar.kafka_io import make_producer, send_all
from policyradar.schemas import dump_record
from policyradar.settings import Settings
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
RECORDS = 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, ValueError, KeyError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds:.0f}s waiting for {what}")


def stage_environment(settings: Settings, port: int) -> dict[str, str]:
    isolated = {
        "POLICYRADAR_TOPIC_RAW": settings.topic_raw,
        "POLICYRADAR_TOPIC_ENRICHED": settings.topic_enriched,
        "POLICYRADAR_TOPIC_DLQ": settings.topic_dlq,
        "POLICYRADAR_GROUP_PROCESSOR": settings.group_processor,
        "POLICYRADAR_GROUP_INDEXER": settings.group_indexer,
        "POLICYRADAR_INDEX_ALIAS": settings.index_alias,
        "POLICYRADAR_POLL_TIMEOUT_MS": "500",
        "POLICYRADAR_METRICS_PORT": str(port),
    }
    return {**os.environ, **isolated}


@pytest.fixture
def stages(settings: Settings, engine) -> Iterator[dict[str, int]]:
    """``process`` and ``index`` running until stopped, each with a metrics port of its own."""
    ports = {"process": free_port(), "index": free_port()}
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "launcher", stage],
            env=stage_environment(settings, port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for stage, port in ports.items()
    ]
    try:
        yield ports
    finally:
        for process in running:
            process.terminate()
        for process in running:
            process.wait(timeout=60)


@pytest.fixture
def prometheus(tmp_path: Path, stages: dict[str, int]) -> Iterator[str]:
    """Debian's Prometheus server scraping both stages every second; yields its base URL."""
    port = free_port()
    config = tmp_path / "prometheus.yml"
    jobs = [
        {"job_name": stage, "static_configs": [{"targets": [f"127.0.0.1:{stage_port}"]}]}
        for stage, stage_port in stages.items()
    ]
    config.write_text(json.dumps({"global": {"scrape_interval": "1s"}, "scrape_configs": jobs}))
    command = [
        PROMETHEUS,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "prometheus.log").open("w") as log:
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_for(lambda: get(f"{url}/-/ready")[0] == 200, 60, "Prometheus to be ready")
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def promql(base: str, query: str) -> list[dict]:
    status, body = get(f"{base}/api/v1/query?{urllib.parse.urlencode({'query': query})}")
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def test_prometheus_reads_the_processors_records_and_the_indexers_lag(settings, stages, prometheus, engine):
    for stage, port in stages.items():
        wait_for(lambda p=port: get(f"http://127.0.0.1:{p}/healthz")[0] == 200, 120, f"{stage} /healthz")
    producer = make_producer(settings, client_id="test")
    send_all(
        producer,
        [(settings.topic_raw, r.id, dump_record(r)) for n in range(1, RECORDS + 1) for r in [make_raw(n)]],
    )
    producer.close()

    consumed = 'sum(policyradar_records_consumed_total{job="process", stage="process"})'
    wait_for(
        lambda: [r for r in promql(prometheus, consumed) if float(r["value"][1]) == RECORDS],
        180,
        f"Prometheus to count {RECORDS} records consumed by the processor",
    )
    indexed = 'policyradar_documents_indexed_total{job="index"}'
    wait_for(
        lambda: [r for r in promql(prometheus, indexed) if float(r["value"][1]) == RECORDS],
        180,
        f"Prometheus to count {RECORDS} documents indexed",
    )
    lag = 'sum by (topic) (policyradar_consumer_lag_records{job="index", stage="index"})'
    caught_up = wait_for(
        lambda: [r for r in promql(prometheus, lag) if r["value"][1] == "0"],
        60,
        "the indexer's lag, read after it indexed everything, to be 0 in Prometheus",
    )
    assert caught_up[0]["metric"]["topic"] == settings.topic_enriched
    for query in (consumed, indexed, lag):  # shown with -s: what an operator's PromQL returns
        answers = [(r["metric"], r["value"][1]) for r in promql(prometheus, query)]
        print(f"PromQL {query} -> {answers}")
    for stage, port in stages.items():
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert (status, body) == (200, "ready\n"), f"{stage}: {body}"
