"""Integration fixtures: the real local stack (started if needed) and per-test topic/index names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from indexer.engine import Engine, make_engine
from launcher.stack import stack_up
from policyradar.ids import content_hash, document_id
from policyradar.kafka_io import ensure_topics
from policyradar.schemas import RawRecord
from policyradar.settings import Settings
from tests.fixtures.isolation import delete_isolated_topics, isolated_overrides, settings_with


@pytest.fixture(scope="session")
def stack() -> Settings:
    """The local stack, started (idempotently) by the project's own code, never mocked."""
    settings = Settings()
    stack_up(settings, say=lambda _line: None)
    return settings


@pytest.fixture
def settings(stack: Settings) -> Iterator[Settings]:
    """Settings with topics, consumer groups and an index alias unique to this test."""
    isolated = settings_with(isolated_overrides("test"), base=stack).model_copy(
        update={"poll_timeout_ms": 500}
    )
    ensure_topics(isolated)
    yield isolated
    delete_isolated_topics(isolated)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    for index in engine.list_indices(f"{settings.index_alias}-*"):
        engine.delete_index(index)
    engine.close()


def make_raw(n: int, *, language: str = "en", text: str | None = None, title: str | None = None) -> RawRecord:
    url = f"http://127.0.0.1:8765/test/{n}.html"
    title = title or f"Notice {n} on computing subsidies"
    text = text or f"Shanghai will offer up to {n} million yuan in subsidies to Huawei and iFlytek."
    return RawRecord(
        id=document_id(url),
        url=url,
        source_id="test",
        source_kind="government",
        jurisdiction="CN",
        language=language,
        title=title,
        published_at=datetime(2024, 3, n % 28 + 1),
        fetched_at=datetime.now(UTC),
        text=text,
        content_hash=content_hash(title, text),
    )
