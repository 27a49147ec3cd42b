"""The health server answers /metrics, /healthz and /readyz, and never dies of a busy port or a probe."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from policyradar.metrics import RECORDS_CONSUMED, HealthServer, serve_metrics


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server():
    state = {"reason": None}
    started = HealthServer("127.0.0.1", 0, lambda: state["reason"]).start()
    yield started, state
    started.stop()


def test_metrics_are_served_in_the_prometheus_text_format(server):
    started, _ = server
    RECORDS_CONSUMED.labels(stage="unit-test").inc(3)
    status, body = get(started.port, "/metrics")
    assert status == 200
    assert 'policyradar_records_consumed_total{stage="unit-test"} 3.0' in body


def test_liveness_is_ok_and_readiness_gives_the_reason_it_is_not_ready(server):
    started, state = server
    assert get(started.port, "/healthz") == (200, "ok\n")
    assert get(started.port, "/readyz") == (200, "ready\n")
    state["reason"] = "Kafka is unreachable"
    assert get(started.port, "/readyz") == (503, "not ready: Kafka is unreachable\n")
    assert get(started.port, "/nothing")[0] == 404


def test_a_readiness_check_that_raises_is_reported_not_ready():
    def broken() -> str | None:
        raise RuntimeError("engine client closed")

    started = HealthServer("127.0.0.1", 0, broken).start()
    try:
        status, body = get(started.port, "/readyz")
    finally:
        started.stop()
    assert status == 503 and "RuntimeError: engine client closed" in body


def test_a_busy_port_moves_the_server_to_a_free_one():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    busy = holder.getsockname()[1]
    try:
        started = serve_metrics("127.0.0.1", busy)
        assert started is not None and started.port != busy
        assert get(started.port, "/healthz")[0] == 200
        started.stop()
    finally:
        holder.close()


def test_a_negative_port_turns_the_server_off():
    assert serve_metrics("127.0.0.1", -1) is None
