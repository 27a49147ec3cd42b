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
