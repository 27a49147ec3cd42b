"""What the crawler remembers about each page, so an unchanged page is not emitted again.

The state lives in a compacted Kafka topic keyed by document id (``policyradar.crawlstate.v1``),
so any crawler process can pick up any source. A state record is written only after the raw record
it describes was acknowledged: a crash in between re-emits the page, which is harmless downstream.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import NamedTuple

from policyradar.kafka_io import read_topic
from policyradar.settings import Settings


@dataclass(frozen=True)
class PageState:
    url: str
    source_id: str
    content_hash: str
    etag: str | None = None
    last_modified: str | None = None

    def to_message(self, topic: str, doc_id: str) -> tuple[str, str, bytes]:
        return topic, doc_id, json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")


def load_state(settings: Settings, source_ids: set[str]) -> dict[str, PageState]:
    """The latest state of every page of ``source_ids``, read from the start of the state topic."""
    states: dict[str, PageState] = {}
    for record in read_topic(settings, settings.topic_crawl_state):
        _apply(states, record.key, record.value, source_ids)
    return states


def _apply(
    states: dict[str, PageState], key: bytes | None, value: bytes | None, source_ids: set[str]
) -> None:
    if key is None:
        return
    doc_id = key.decode("utf-8", "replace")
    if value is None:  # a tombstone: the page was forgotten
        states.pop(doc_id, None)
        return
    try:
        state = PageState(**json.loads(value))
    except (ValueError, TypeError):
        return  # an unreadable state only costs one re-emission
    if state.source_id in source_ids:
        states[doc_id] = state


class Known(NamedTuple):
    """What the long-lived crawler keeps per page: enough for the conditional GET and the change test."""

    content_hash: str
    etag: str | None
    last_modified: str | None


class StateStore:
    """The crawl state of every page of one crawler shard, in memory.

    Built once from the compacted state topic when the crawler starts (only the pages of sources
    that ``belongs`` accepts, so a source added to the shard later finds its pages), then kept
    current by the crawler itself as each page's record is acknowledged: it is never re-read."""

    def __init__(self) -> None:
        self._pages: dict[str, Known] = {}

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, doc_id: str) -> Known | None:
        return self._pages.get(doc_id)

    def put(self, doc_id: str, state: PageState) -> None:
        self._pages[doc_id] = Known(state.content_hash, state.etag, state.last_modified)

    def forget(self, doc_id: str) -> None:
        self._pages.pop(doc_id, None)

    def apply(self, key: bytes | None, value: bytes | None, belongs: Callable[[str], bool]) -> None:
        """One record of the state topic (a tombstone forgets the page)."""
        if key is None:
            return
        doc_id = key.decode("utf-8", "replace")
        if value is None:
            self.forget(doc_id)
            return
        try:
            state = PageState(**json.loads(value))
        except (ValueError, TypeError):
            return  # an unreadable state only costs one re-emission
        if belongs(state.source_id):
            self.put(doc_id, state)

    def load(self, settings: Settings, belongs: Callable[[str], bool]) -> int:
        """Read the whole state topic once; the number of pages kept."""
        for record in read_topic(settings, settings.topic_crawl_state):
            self.apply(record.key, record.value, belongs)
        return len(self._pages)
