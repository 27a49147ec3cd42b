"""Faults in the services themselves: kill the stack's Kafka broker or OpenSearch node, bring it
back with the stack's own start-up code, and a throttling proxy that answers 429 to bulk writes."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from launcher.stack import stack_up
from launcher.stack.process import is_alive, read_pid
from launcher.stack.services import stack_services
from policyradar.settings import Settings
from tests.fixtures.http import QuietHandler, serving


def kill_service(settings: Settings, name: str) -> None:
    """SIGKILL the stack's ``name`` service (kafka or opensearch) and wait until it is gone."""
    service = next(s for s in stack_services(settings) if s.name == name)
    pid = read_pid(service.pid_file)
    assert pid is not None, f"{name} was not started by the stack (no live pid in {service.pid_file})"
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while is_alive(pid):
        assert time.monotonic() < deadline, f"{name} (pid {pid}) survived SIGKILL"
        time.sleep(0.1)


def restart_stack(settings: Settings) -> None:
    """Start whatever the stack lacks and wait until it is ready (the stack's own code)."""
    stack_up(settings, say=lambda _line: None)


@contextmanager
def throttling_proxy(upstream: str, every: int = 3) -> Iterator[tuple[str, dict[str, int]]]:
    """A proxy in front of the engine that answers 429 to every ``every``-th bulk request."""
    target = urlsplit(upstream)
    counts = {"bulk": 0, "throttled": 0}
    lock = threading.Lock()

    class Proxy(QuietHandler):
        protocol_version = "HTTP/1.1"

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.split("?")[0].endswith("/_bulk") and self._throttle():
                return self._answer(429, b'{"error":{"type":"es_rejected_execution_exception"},"status":429}')
            upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream_conn.request(self.command, self.path, body=body or None, headers=headers)
            response = upstream_conn.getresponse()
            self._answer(response.status, response.read(), response.getheader("Content-Type"))
            upstream_conn.close()

        def _throttle(self) -> bool:
            with lock:
                counts["bulk"] += 1
                if counts["bulk"] % every:
                    return False
                counts["throttled"] += 1
                return True

        def _answer(self, status: int, payload: bytes, content_type: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

    with serving(Proxy) as base:
        yield base, counts
