"""Percolation narrowed by the alerts' filters and a scheduler that finds due alerts without listing
them all, on the real engine."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, alert_body
from indexer.engine import Engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


class CountingEngine:
    """The engine with every call counted."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._engine, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted if callable(target) else target


def indexed(settings, engine, *texts: tuple[int, str]) -> list[dict]:
    ensure_index(engine, settings.index_alias)
    records = [enrich(make_raw(n, text=text)) for n, text in texts]
    docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write(docs)
    return [doc.source for doc in docs]


def test_narrowed_percolation_finds_what_running_every_query_finds_across_pages(settings, engine):
    shanghai, beijing = indexed(
        settings,
        engine,
        (1, "Shanghai will offer up to 5 million yuan in subsidies to Huawei."),
        (2, "Beijing will offer up to 20 million yuan in subsidies to iFlytek."),
    )
    alerts = [
        Alert(name="any-subsidy", owner="o", q="subsidies"),
        Alert(name="shanghai", owner="o", q="subsidies", conditions={"places": ["Shanghai"]}),
        Alert(name="hefei", owner="o", q="subsidies", conditions={"places": ["Hefei"]}),
        Alert(name="big", owner="o", conditions={"min_amount": 10_000_000}),
        Alert(name="huge", owner="o", conditions={"min_amount": 50_000_000}),
        Alert(name="open", owner="o", conditions={"open_only": True}),
        *(Alert(name=f"beijing-{n}", owner="o", conditions={"places": ["Beijing"]}) for n in range(5)),
    ]
    AlertStore(engine, settings.index_alias, {"CNY": 1.0}).save_many(alerts)
    narrowed = MatchRecorder(engine, settings.index_alias, percolate_page=2)  # several pages
    everything = MatchRecorder(engine, settings.index_alias, narrow=False)
    percolated = MatchRecorder(engine, settings.index_alias, local=False)  # none decided in Python
    found = sorted(narrowed.matching_alerts([shanghai, beijing]))
    assert found == sorted(everything.matching_alerts([shanghai, beijing]))
    assert found == sorted(percolated.matching_alerts([shanghai, beijing]))
    assert ("o/shanghai", 0) in found and ("o/big", 1) in found and ("o/beijing-4", 1) in found
    assert not {key for key, _ in found} & {"o/hefei", "o/huge", "o/open"}


def test_an_alert_stored_before_narrowing_still_matches_and_is_upgraded(settings, engine):
    [doc] = indexed(settings, engine, (3, "Hefei backs chip makers with subsidies."))
    alert = Alert(name="old", owner="o", q="chip", every="instant")
    store = AlertStore(engine, settings.index_alias)
    old = {
        k: v
        for k, v in alert_body(alert, {}).items()
        if k not in ("narrow", "local", "next_due", "next_reminder")
    }
    engine.index_doc(store.names["alerts"], alert.id, old, refresh="wait_for")
    assert MatchRecorder(engine, settings.index_alias).matching_alerts([doc]) == [(alert.id, 0)]
    assert store.upgrade() == 1 and store.upgrade() == 0
    stored = engine.get_doc(store.names["alerts"], alert.id)["_source"]
    assert stored["narrow"]["places"] == ["*"] and stored["next_due"].startswith("1970")


def quiet_tick_requests(settings, engine, alerts: int) -> Counter[str]:
    """Requests of one tick with ``alerts`` daily alerts stored, none of them due."""
    store = AlertStore(engine, settings.index_alias)
    store.save_many([Alert(name=f"d-{n:05d}", owner="o", every="daily") for n in range(alerts)])
    counting = CountingEngine(engine)
    service = DigestService(counting, settings.index_alias, settings)  # type: ignore[arg-type]
    counting.calls.clear()
    assert service.run_due(datetime.now(UTC)) == []
    return counting.calls


def test_a_quiet_tick_costs_the_same_requests_with_10_or_3000_alerts(settings, engine):
    few = quiet_tick_requests(settings, engine, 10)
    many = quiet_tick_requests(settings, engine, 3000)  # 2,990 more
    assert few == many and sum(many.values()) <= 10, many


def test_a_fired_daily_alert_is_next_due_the_following_day(settings, engine):
    [doc] = indexed(settings, engine, (4, "Wuxi funds a quantumfoundry pilot line."))
    alert = Alert(name="daily", owner="o", q="quantumfoundry", every="daily", at="08:00", timezone="UTC")
    service = DigestService(engine, settings.index_alias, settings)
    service.store.save(alert)
    assert service.recorder.percolate([doc]) == 1
    stored = engine.get_doc(service.names["alerts"], alert.id)["_source"]
    first = datetime.fromisoformat(stored["next_due"])
    assert service.run_due(first - timedelta(minutes=1)) == []  # not due yet: nothing looked at
    assert len(service.run_due(first)) == 1
    stored = engine.get_doc(service.names["alerts"], alert.id)["_source"]
    assert datetime.fromisoformat(stored["next_due"]) == first + timedelta(days=1)
    assert service.run_due(first + timedelta(hours=1)) == []
