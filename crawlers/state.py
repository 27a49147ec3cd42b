"""What the crawler remembers about each page, so an unchanged page is not emitted again.

The state lives in a compacted Kafka topic keyed by document id (``policyradar.crawlstate.v1``),
so any crawler process can pick up any source. A state record is written only after the raw record
it describes was acknowledged: a crash in between re-emits the page, which is harmless downstream.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

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
