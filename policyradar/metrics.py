"""Prometheus metrics of every long-running part, and the small HTTP server that serves them with the
health endpoints: ``/metrics``, ``/healthz`` (the process is alive) and ``/readyz`` (it can do its work).

The metrics are module-level objects in the default registry, named by Prometheus conventions
(``policyradar_`` prefix, base units, ``_total`` on counters). Each part labels what it counts with its
stage name, so one dashboard covers every copy."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger("policyradar.metrics")

# Records through the Kafka stages.
RECORDS_CONSUMED = Counter("policyradar_records_consumed", "Records read from a topic", ["stage"])
RECORDS_PRODUCED = Counter("policyradar_records_produced", "Records written to a topic", ["stage"])
RECORDS_DEAD_LETTERED = Counter(
    "policyradar_records_dead_lettered", "Records sent to the dead-letter topic", ["stage"]
)
CONSUMER_LAG = Gauge(
    "policyradar_consumer_lag_records",
    "Records not yet read, per assigned partition",
    ["stage", "topic", "partition"],
)
BATCH_SECONDS = Histogram(
    "policyradar_batch_duration_seconds",
    "Time to handle one polled batch, commit included",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
# The indexer.
DOCUMENTS_INDEXED = Counter(
    "policyradar_documents_indexed", "Documents written to the index (replays of a version included)"
)
BULK_FAILURES = Counter("policyradar_bulk_failures", "Bulk items or requests that failed, by kind", ["kind"])
PERCOLATION_SECONDS = Histogram(
    "policyradar_percolation_duration_seconds",
    "Time to match one indexed batch against the stored alerts",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPOST_DOCUMENTS_KNOWN = Gauge(
    "policyradar_repost_documents_known",
    "Indexed documents whose repost band hashes this indexer holds in memory (about 1.4 KB each)",
)
# The crawler.
CRAWL_RUNS = Counter("policyradar_crawl_runs", "Crawl runs by source and outcome", ["source", "outcome"])
PAGES = Counter(
    "policyradar_pages", "Pages by source and result (fetched, unchanged, quarantined)", ["source", "result"]
)
SOURCE_LAST_SUCCESS = Gauge(
    "policyradar_source_last_success_timestamp_seconds",
    "Unix time of each source's last successful run (seconds since: time() minus this)",
    ["source"],
)
# Alerts and digests.
DIGESTS = Counter("policyradar_digests", "Digests by outcome (sent, failed)", ["outcome"])
DIGESTS_PENDING = Gauge(
    "policyradar_digests_pending", "Alerts with matches not yet sent or a digest waiting to be retried"
)
ALERTS_STORED = Gauge("policyradar_alerts_stored", "Alerts stored")
MATCHES_TAKEN_IN = Counter(
    "policyradar_alert_matches_taken_in", "Alert matches the scheduler created from the indexer's match sets"
)
# The API.
HTTP_REQUESTS = Counter(
    "policyradar_http_requests",
    "API and web page requests by route template and status class",
    ["route", "status"],
)

Readiness = Callable[[], str | None]  # None when ready, else the reason it is not


def always_ready() -> str | None:
    return None


class HealthServer:
    """``/metrics``, ``/healthz`` and ``/readyz`` on one port, served from a daemon thread."""

    def __init__(self, host: str, port: int, readiness: Readiness = always_ready) -> None:
        self.readiness = readiness
        self._server = _bind(host, port, self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = server.answer(self.path.split("?", 1)[0])
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # scrapes every few seconds would flood the stage's log

        return Handler

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a GET of ``path``."""
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest()
        if path == "/healthz":
            return 200, "text/plain; charset=utf-8", b"ok\n"
        if path == "/readyz":
            reason = _safe_readiness(self.readiness)
            if reason is None:
                return 200, "text/plain; charset=utf-8", b"ready\n"
            return 503, "text/plain; charset=utf-8", f"not ready: {reason}\n".encode()
        return 404, "text/plain; charset=utf-8", b"not found: try /metrics, /healthz or /readyz\n"


def _safe_readiness(readiness: Readiness) -> str | None:
    try:
        return readiness()
    except Exception as exc:  # a probe that fails is an answer ("not ready"), never a crash
        return f"readiness check failed: {type(exc).__name__}: {exc}"


def _bind(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Listen on ``port``; when another copy on this machine holds it, on a free port instead (logged),
    so a second copy of a stage still runs and still exposes its metrics."""
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            raise
    server = ThreadingHTTPServer((host, 0), handler)
    log.warning("metrics port %d is in use; serving metrics on %s:%d", port, host, server.server_address[1])
    return server


def serve_metrics(host: str, port: int, readiness: Readiness = always_ready) -> HealthServer | None:
    """Start the health server unless ``port`` is negative (metrics turned off)."""
    if port < 0:
        return None
    server = HealthServer(host, port, readiness).start()
    log.info("metrics and health on http://%s:%d/metrics", host, server.port)
    return server
