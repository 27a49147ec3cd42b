"""`policyradar scheduler` as a real process, reaching the real engine through a TCP forwarder on this
machine that the test takes down and brings back: the engine is away at start and again mid-run
(the shared engine itself is never touched). The process waits, warns once per outage, delivers
when the engine is back, and exits only on SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, new_webhook_secret
from tests.fixtures.receivers import webhook_receiver

pytestmark = pytest.mark.integration
POLICYRADAR = Path(sys.executable).with_name("policyradar")


class Forwarder:
    """Forwards 127.0.0.1:<port> to the engine while up; down, it refuses and cuts connections."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()  # down() and a connection being set up never interleave

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            if self.listener:
                _close(self.listener)  # shutdown first: it wakes the thread blocked in accept()
                self.listener = None
            for sock in self.open:
                _close(sock)
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: the forwarder is down
            with self.lock:  # a connection accepted as the forwarder goes down must not outlive it
                if self.listener is not listener:
                    _close(client)
                    return
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _close(client)
                    continue
                upstream.settimeout(None)
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _close(source)
    _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def wait_until(
    condition: Callable[[], bool], seconds: float, what: str, context: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{context()}"
        time.sleep(0.2)


def test_the_scheduler_waits_for_the_engine_rides_out_an_outage_and_stops_on_sigterm(
    settings, engine, tmp_path
):
    host, port = settings.search_url.removeprefix("http://").rstrip("/").split(":")
    forwarder = Forwarder((host, int(port)))
    stderr_path = tmp_path / "scheduler.err"
    with webhook_receiver() as (url, hook):
        alert = Alert(
            name="outage", owner="ops", every="instant", webhook_url=url, webhook_secret=new_webhook_secret()
        )
        AlertStore(engine, settings.index_alias).save(alert)
        recorder = MatchRecorder(engine, settings.index_alias)
        # Recorded as the indexer records an instant alert's matches (instant=True): the scheduler finds
        # them by that flag once the alert's first fire has cleared its due date.
        recorder.record([(alert.id, {"id": "before-start", "title": "Notice one"}, True)])

        def ledger_and_log() -> str:
            engine.refresh(recorder.names["digests"])
            hits = engine.search(recorder.names["digests"], {"query": {"match_all": {}}, "size": 20})
            digests = [hit["_source"] for hit in hits["hits"]["hits"]]
            return f"ledger: {digests}\nscheduler log:\n{stderr_path.read_text()}"

        def sent_digests() -> int:
            engine.refresh(recorder.names["digests"])
            return engine.count(recorder.names["digests"], {"term": {"status": "sent"}})

        env = {
            **os.environ,
            "POLICYRADAR_SEARCH_URL": f"http://127.0.0.1:{forwarder.port}",
            "POLICYRADAR_INDEX_ALIAS": settings.index_alias,
            "POLICYRADAR_DIGEST_TICK_SECONDS": "0.5",
            "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps(["127.0.0.1"]),
        }
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(
                [str(POLICYRADAR), "scheduler"], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        try:
            # The engine is "not up yet": the process says so once and waits.
            wait_until(lambda: "waiting for it to come back" in stderr_path.read_text(), 60, "the warning")
            time.sleep(2)
            assert process.poll() is None and hook.deliveries == []
            forwarder.up()
            wait_until(
                lambda: sent_digests() == 1, 30, "the first digest, delivered and marked sent", ledger_and_log
            )
            assert len(hook.deliveries) == 1

            forwarder.down()  # the engine goes away mid-run
            recorder.record([(alert.id, {"id": "during-outage", "title": "Notice two"}, True)])
            time.sleep(3)
            assert process.poll() is None and len(hook.deliveries) == 1
            forwarder.up()
            # The retry after the outage waits out its back-off (2 s, 4 s, ... while the engine was away).
            wait_until(lambda: len(hook.deliveries) >= 2, 120, "the digest after the outage", ledger_and_log)
            assert process.poll() is None
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                out, _ = process.communicate(timeout=30)
            finally:
                process.kill()
                forwarder.down()
    assert process.returncode == 0
    assert "digest scheduler" in out and "running" in out
    items = [[i["id"] for i in json.loads(body)["items"]] for _, body in hook.deliveries]
    assert items == [["before-start"], ["during-outage"]]
    log = stderr_path.read_text()
    assert log.count("waiting for it to come back") == 2 and log.count("recovered after") == 2, log
    assert "Traceback" not in log, log
