"""Logging for every Policy Radar process: readable text by default, or one JSON object per line
(``POLICYRADAR_LOG_FORMAT=json``) for log collectors.

Each line carries the stage that wrote it; a call can add where it applies the fields in ``CONTEXT_FIELDS``
through ``extra=`` (``log.warning("...", extra=record_context(message))``)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

CONTEXT_FIELDS = ("source_id", "doc_id", "topic", "partition", "offset", "alert_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The clients log every refused request and transient metadata gap; the stages log outages once.
NOISY_LOGGERS = ("kafka", "opensearch", "elastic_transport", "elasticsearch")

_stage = {"name": "cli"}


def set_stage(name: str) -> None:
    """Name the part this process runs (``process``, ``index``, ...) for every later log line."""
    _stage["name"] = name


class StageFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.stage = _stage["name"]
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, stage, message, the context
    fields the call gave, and the exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "stage": getattr(record, "stage", _stage["name"]),
            "message": record.getMessage(),
        }
        entry.update({f: getattr(record, f) for f in CONTEXT_FIELDS if getattr(record, f, None) is not None})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ClosedConnectionReadFilter(logging.Filter):
    """kafka-python 3.0's reader can wake on a connection the client has just closed itself (it
    closes connections idle for 9 minutes), find no socket and log the failed read at ERROR with a
    traceback. Nothing failed: the read task ends and the next request opens a connection. Such a
    record (its transport already closed) becomes one WARNING line without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        transport = record.args[0] if isinstance(record.args, tuple) and record.args else None
        closed = getattr(transport, "_closed", False) is True
        if record.levelno >= logging.ERROR and closed and "Error receiving network data" in str(record.msg):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.msg} (a connection the client had closed; nothing lost)"
            record.exc_info = record.exc_text = None
        return True


KAFKA_TRANSPORT_LOGGER = "kafka.net.transport"


def configure_logging(log_format: str = "text", *, verbose: bool = False) -> None:
    """Install one root handler on stderr in ``log_format`` ("text" or "json")."""
    handler = logging.StreamHandler()
    handler.addFilter(StageFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.NOTSET if verbose else logging.ERROR)
    transport = logging.getLogger(KAFKA_TRANSPORT_LOGGER)
    for old_filter in [f for f in transport.filters if isinstance(f, ClosedConnectionReadFilter)]:
        transport.removeFilter(old_filter)
    transport.addFilter(ClosedConnectionReadFilter())


def record_context(record: Any) -> dict[str, Any]:
    """``extra=`` fields for a log line about a Kafka record: its topic, partition, offset and key."""
    key = getattr(record, "key", None)
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    return {
        "topic": getattr(record, "topic", None),
        "partition": getattr(record, "partition", None),
        "offset": getattr(record, "offset", None),
        "doc_id": key,
    }
