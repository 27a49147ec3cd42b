"""An indexer's copy of the bands: the first read pages through the whole index (with progress), skips
documents without a sketch, and starts again from nothing when an outage cuts it short."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from indexer.clusters import known as known_module
from indexer.clusters.known import KnownDocuments
from indexer.clusters.sketch import sketch_text
from indexer.engine import EngineUnavailable

TEXTS = [
    f"关于第{n}批人工智能产业项目补贴资金拨付的通知\n各区：现将第{n}批补贴资金下达，请按规定拨付。"
    for n in range(7)
]


def fields(doc_id: str, text: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"id": [doc_id], "detected_language": ["zh"]}
    if text is not None:
        stored = sketch_text(text, "zh").to_fields()["repost_sketch"]
        found["repost_sketch.signature"] = [stored["signature"].rstrip("=")]
        found["repost_sketch.size"] = [stored["size"]]
    return found


class PagedIndex:
    """Answers searches page by page (``search_after`` = the position reached); a document without a
    sketch is d3. Fails once at the page given by ``fail_at``."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.docs = [fields(f"d{n}", None if n == 3 else text) for n, text in enumerate(TEXTS)]
        self.fail_at = fail_at
        self.searches = 0
        self.target = "announcements-v1"

    def alias_targets(self, alias: str) -> list[str]:
        return [self.target]

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.searches += 1
        if self.searches == self.fail_at:
            raise EngineUnavailable("opensearch: ConnectionError: refused")
        start = (body.get("search_after") or [0])[0]
        page = self.docs[start : start + body["size"]]
        return {"hits": {"hits": [{"fields": f, "sort": [start + n + 1]} for n, f in enumerate(page)]}}


def test_the_first_read_pages_through_every_sketched_document_and_logs_its_progress(monkeypatch, caplog):
    monkeypatch.setattr(known_module, "READ_PAGE", 2)
    monkeypatch.setattr(known_module, "PROGRESS_EVERY", 3)
    engine = PagedIndex()
    known = KnownDocuments(engine, "announcements", "me", timedelta(minutes=5))  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="indexer.clusters.known"):
        known.sync(datetime.now(UTC))
    assert len(known) == 6 and "d3" not in known.bands
    assert engine.searches == 4  # pages of 2, the last one short
    assert "read the bands of 3 documents so far" in caplog.text
    assert "read the bands of 6 indexed document(s)" in caplog.text


def test_a_first_read_cut_short_by_an_outage_starts_again_from_nothing(monkeypatch):
    monkeypatch.setattr(known_module, "READ_PAGE", 2)
    engine = PagedIndex(fail_at=3)
    known = KnownDocuments(engine, "announcements", "me", timedelta(minutes=5))  # type: ignore[arg-type]
    with pytest.raises(EngineUnavailable):
        known.sync(datetime.now(UTC))
    known.sync(datetime.now(UTC))
    assert len(known) == 6
    assert known.bands._used == 6  # no row kept from the read that failed


def test_the_bands_are_read_again_when_reprocess_swaps_the_index_behind_the_alias(monkeypatch, caplog):
    monkeypatch.setattr(known_module, "ALIAS_CHECK_SECONDS", 0.0)
    engine = PagedIndex()
    known = KnownDocuments(engine, "announcements", "me", timedelta(minutes=5))  # type: ignore[arg-type]
    known.sync(datetime.now(UTC))
    known.sync(datetime.now(UTC) + timedelta(minutes=10))  # only others' new writes: none here
    read_once = engine.searches
    engine.target = "announcements-v2"
    engine.docs = engine.docs[:2]
    with caplog.at_level(logging.INFO, logger="indexer.clusters.known"):
        known.sync(datetime.now(UTC) + timedelta(minutes=20))
    assert engine.searches == read_once + 1
    assert len(known) == 2 and "d5" not in known.bands  # what v1 held is gone
    assert "now points at announcements-v2" in caplog.text
