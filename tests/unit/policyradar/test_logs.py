"""Log lines: text for people by default, one JSON object per line with context when asked."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from policyradar.logs import configure_logging, record_context, set_stage


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    set_stage("cli")


def test_json_lines_carry_the_stage_the_record_and_the_exception(restore_logging, capsys):
    configure_logging("json")
    set_stage("process")
    message = SimpleNamespace(topic="policyradar.raw.v1", partition=2, offset=41, key=b"abc123")
    try:
        raise ValueError("bad record")
    except ValueError:
        logging.getLogger("policyradar.process").exception(
            "dead-lettering %s", "raw/2@41", extra=record_context(message)
        )
    line = capsys.readouterr().err.strip()
    entry = json.loads(line)
    assert entry["stage"] == "process" and entry["level"] == "ERROR"
    assert entry["message"] == "dead-lettering raw/2@41"
    assert (entry["topic"], entry["partition"], entry["offset"], entry["doc_id"]) == (
        "policyradar.raw.v1",
        2,
        41,
        "abc123",
    )
    assert "ValueError: bad record" in entry["exception"]
    assert "\n" not in line


def test_text_stays_the_default_and_fields_without_a_value_are_left_out(restore_logging, capsys):
    configure_logging()
    logging.getLogger("policyradar.index").warning("engine away", extra={"source_id": None})
    line = capsys.readouterr().err.strip()
    assert line.endswith("WARNING policyradar.index: engine away")
    configure_logging("json")
    logging.getLogger("policyradar.index").warning("engine away", extra={"source_id": None})
    assert "source_id" not in json.loads(capsys.readouterr().err)


def test_chinese_text_is_written_as_is(restore_logging, capsys):
    configure_logging("json")
    logging.getLogger("policyradar.crawl").warning("来源 %s 无响应", "beijing-kjw", extra={"source_id": "bj"})
    entry = json.loads(capsys.readouterr().err)
    assert entry["message"] == "来源 beijing-kjw 无响应" and entry["source_id"] == "bj"


class Transport:
    """Stands in for kafka-python's transport: its state and its repr in the log line."""

    def __init__(self, closed: bool, sock: object | None) -> None:
        self._closed, self._sock = closed, sock

    def __str__(self) -> str:
        return "<KafkaTCPTransport [none] (closed)>" if self._closed else "<KafkaTCPTransport [b:9092]>"


def read_failure(transport: Transport) -> None:
    try:
        transport._sock.recv(4096)  # type: ignore[union-attr]
    except Exception:
        logging.getLogger("kafka.net.transport").exception(
            "%s: Error receiving network data closing socket", transport
        )


def test_a_failed_read_on_a_connection_the_client_closed_is_a_warning_without_traceback(
    restore_logging, capsys
):
    configure_logging("json")
    read_failure(Transport(closed=True, sock=None))
    entry = json.loads(capsys.readouterr().err)
    assert entry["level"] == "WARNING" and "exception" not in entry
    assert entry["message"].startswith("<KafkaTCPTransport [none] (closed)>: Error receiving network data")


def test_a_failed_read_on_an_open_connection_stays_an_error(restore_logging, capsys):
    configure_logging("json")
    configure_logging("json")  # configured twice: still one filter, one line
    read_failure(Transport(closed=False, sock=SimpleNamespace()))
    [line] = capsys.readouterr().err.strip().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "AttributeError" in entry["exception"]
