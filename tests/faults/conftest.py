"""Fixtures of the fault suite: a scenario on the real local stack, and the ledger it leaves.

Each scenario gets topics, consumer groups and an index alias of its own, an alert subscribed to
the watched source with a real webhook receiver, and stage processes it may kill. Whatever the
fault, a scenario ends with ``Scenario.settle``: wait until the index holds the newest version of
every produced announcement, send the digest, count, and assert exact figures. The ledger lines
are printed at the end of the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.engine import Engine, make_engine
from launcher.stack import stack_up
from policyradar.kafka_io import ensure_topics
from policyradar.settings import Settings
from tests.faults.harness import (
    SETTLE_SECONDS,
    Ledger,
    Stages,
    delivered_items,
    dlq_keys,
    environment,
    indexed_versions,
    matched_docs,
    recorded_matches,
    subscribe,
    wait_until,
)
from tests.faults.records import Workload
from tests.fixtures.isolation import isolated_overrides, settings_with
from tests.fixtures.receivers import Hook, webhook_receiver

LEDGER: list[Ledger] = []


@pytest.fixture(scope="session")
def stack() -> Settings:
    settings = Settings()
    stack_up(settings, say=lambda _line: None)
    return settings


@dataclass
class Scenario:
    name: str
    settings: Settings
    env: dict[str, str]
    engine: Engine
    stages: Stages
    alert: Alert
    hook: Hook
    started: float = field(default_factory=time.monotonic)

    def settle(self, work: Workload, *, poison_keys: set[str] = frozenset(), healed_at: float) -> Ledger:
        """Wait until the index holds the newest version of every record of ``work``, then count."""
        expected = {doc_id: record.content_hash for doc_id, record in work.newest.items()}
        produced = len(work.records) + len(poison_keys)
        return self._settle(expected, work.watched_ids, produced, poison_keys, healed_at)

    def settle_ids(self, ids: set[str], *, healed_at: float) -> Ledger:
        """Like ``settle`` for documents whose versions the test cannot know (crawled pages)."""
        return self._settle(dict.fromkeys(ids), ids, len(ids), set(), healed_at)

    def _settle(
        self,
        expected: dict[str, str | None],
        watched: set[str],
        produced: int,
        poison_keys: set[str],
        healed_at: float,
    ) -> Ledger:
        def in_version(found: dict[str, str], doc_id: str) -> bool:
            return doc_id in found and expected[doc_id] in (None, found[doc_id])

        def caught_up() -> bool:
            found = indexed_versions(self.engine, self.settings.index_alias)
            matched = matched_docs(self.engine, self.settings, self.alert)
            return all(in_version(found, doc_id) for doc_id in expected) and matched >= watched

        wait_until(caught_up, SETTLE_SECONDS, f"{self.name}: every record indexed and matched", every=1.0)
        recovery = time.monotonic() - healed_at
        found = indexed_versions(self.engine, self.settings.index_alias)
        self.digest_service().recorder.take_in(everything=True)  # the scheduler's part
        matches = recorded_matches(self.engine, self.settings, self.alert)
        self.send_digest()
        delivered = delivered_items(self.hook.deliveries)
        dead = dlq_keys(self.settings)
        ledger = Ledger(
            scenario=self.name,
            produced=produced,
            indexed=len(found),
            lost=len(set(expected) - set(found)),
            duplicates=(len(matches) - len(set(matches))) + sum(n - 1 for n in delivered.values() if n > 1),
            stale=sum(1 for doc_id in expected if doc_id in found and not in_version(found, doc_id)),
            dlq=len(dead),
            matches=len(set(matches)),
            delivered=len(delivered),
            recovery_seconds=recovery,
        )
        LEDGER.append(ledger)
        print(ledger.line())
        assert set(found) == set(expected), "the index must hold exactly the produced announcements"
        assert ledger.lost == 0 and ledger.stale == 0 and ledger.duplicates == 0, ledger.line()
        assert sorted(dead) == sorted(poison_keys), "only poison records may reach the DLQ"
        assert set(matches) == watched, "every watched record is matched once, nothing else"
        assert set(delivered) == watched, "the digest delivers every match once"
        return ledger

    def digest_service(self) -> DigestService:
        settings = self.settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)})
        return DigestService(self.engine, self.settings.index_alias, settings)

    def send_digest(self) -> None:
        """Deliver what the alert has matched, the way the scheduler would."""
        service = self.digest_service()
        service.recorder.take_in(everything=True)
        while service.fire(self.alert, datetime.now(UTC)):
            pass  # a digest carries a bounded number of items: fire until nothing is left


@pytest.fixture
def scenario(request, stack: Settings, tmp_path) -> Iterator[Scenario]:
    overrides = isolated_overrides("fault")
    settings = settings_with(overrides, base=stack)
    ensure_topics(settings)
    env = environment(overrides, POLICYRADAR_POLL_TIMEOUT_MS="500")
    engine = make_engine(settings)
    stages = Stages(env, tmp_path)
    with webhook_receiver() as (url, hook):
        alert = subscribe(engine, settings, url)
        yield Scenario(request.node.name.removeprefix("test_"), settings, env, engine, stages, alert, hook)
        stages.stop_all()
    stack_up(stack, say=lambda _line: None)  # a scenario that stopped a service has brought it back
    for index in engine.list_indices(f"{settings.index_alias}-*"):
        engine.delete_index(index)
    engine.close()


def pytest_terminal_summary(terminalreporter) -> None:
    if LEDGER:
        terminalreporter.section("fault ledger")
        for ledger in LEDGER:
            terminalreporter.write_line(ledger.line())
