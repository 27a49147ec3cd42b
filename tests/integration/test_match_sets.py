"""Match sets on the real engine: the indexer records one set per document, the scheduler's share
turns sets into matches once, and an amended deadline reaches the match whichever way it comes."""

from __future__ import annotations

import pytest

from indexer.alerts.materialize import mark_taken, pending_sets, write_matches
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, match_id
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration


def indexed(settings, engine, n: int, text: str) -> dict:
    ensure_index(engine, settings.index_alias)
    record = enrich(make_raw(n, text=text))
    doc = BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record))
    BulkWriter(engine, settings.index_alias, refresh="wait_for").write([doc])
    return doc.source


def with_deadline(doc: dict, deadline: str) -> dict:
    return {**doc, "deadline": deadline, "facts": {**doc["facts"], "deadline": deadline}}


@pytest.fixture
def world(settings, engine):
    store = AlertStore(engine, settings.index_alias)
    alerts = [
        Alert(name="daily", owner="o", q="subsidies", every="daily"),
        Alert(name="instant", owner="o", q="subsidies", every="instant"),
        Alert(name="beijing", owner="o", q="subsidies", conditions={"places": ["Beijing"]}),
    ]
    store.save_many(alerts)
    return store, MatchRecorder(engine, settings.index_alias), alerts


def test_one_set_per_document_becomes_one_match_per_alert_once(settings, engine, world):
    _, recorder, alerts = world
    doc = indexed(settings, engine, 1, "Shanghai will offer up to 5 million yuan in subsidies.")
    assert recorder.percolate([doc]) == 2  # daily and instant; not beijing
    assert engine.count(recorder.names["match_sets"]) == 1
    assert engine.count(recorder.names["matches"]) == 0  # the scheduler's part, not done yet
    assert recorder.percolate([doc]) == 0  # a replayed batch records nothing new
    assert recorder.take_in() == 2 and recorder.take_in() == 0
    daily = engine.get_doc(recorder.names["matches"], match_id(alerts[0].id, doc["id"]))["_source"]
    instant = engine.get_doc(recorder.names["matches"], match_id(alerts[1].id, doc["id"]))["_source"]
    assert daily["instant"] is False and instant["instant"] is True
    assert daily["doc_ref"] and daily["cluster_id"] == doc["id"] and daily["message_id"] is None
    [stored] = engine.search(recorder.names["match_sets"], {"query": {"match_all": {}}})["hits"]["hits"]
    assert stored["_source"]["pending"] is False and daily["matched_at"] == stored["_source"]["matched_at"]


def test_sets_taken_in_again_after_a_crash_change_nothing(settings, engine, world):
    _, recorder, _ = world
    doc = indexed(settings, engine, 2, "Hefei will offer up to 3 million yuan in subsidies.")
    recorder.percolate([doc])
    sets = pending_sets(engine, recorder.names["match_sets"], 10)
    assert write_matches(engine, recorder.names["matches"], sets, paused=set()) == 2
    # The scheduler died here, before marking the set taken in: the next one takes it in again.
    assert recorder.take_in() == 0 and engine.count(recorder.names["matches"]) == 2
    assert pending_sets(engine, recorder.names["match_sets"], 10) == []
    mark_taken(engine, recorder.names["match_sets"], sets)  # a late mark is harmless too


def test_a_later_versions_deadline_reaches_a_match_made_from_an_earlier_set(settings, engine, world):
    _, recorder, alerts = world
    first = indexed(settings, engine, 3, "Wuhan will offer subsidies.")
    recorder.percolate([with_deadline(first, "2025-05-31")])
    recorder.percolate([with_deadline(first, "2025-06-15")])  # a new version moved it
    assert engine.count(recorder.names["match_sets"]) == 2
    assert recorder.take_in() == 2  # both sets, oldest first: the second finds the matches made
    match = engine.get_doc(recorder.names["matches"], match_id(alerts[0].id, first["id"]))["_source"]
    assert match["deadline"] == "2025-06-15"
    # A set older than the deadline a match carries (taken in again after a crash) changes nothing.
    [older, _] = sorted(
        engine.search(recorder.names["match_sets"], {"query": {"match_all": {}}})["hits"]["hits"],
        key=lambda hit: hit["_source"]["matched_at"],
    )
    write_matches(engine, recorder.names["matches"], [older], paused=set())
    match = engine.get_doc(recorder.names["matches"], match_id(alerts[0].id, first["id"]))["_source"]
    assert match["deadline"] == "2025-06-15"


def test_an_instant_alert_paused_before_its_set_is_taken_in_gets_a_match_that_is_not_instant(
    settings, engine, world
):
    store, recorder, alerts = world
    doc = indexed(settings, engine, 4, "Nanjing will offer subsidies.")
    recorder.percolate([doc])
    store.set_paused(alerts[1], True)
    assert recorder.take_in() == 2
    match = engine.get_doc(recorder.names["matches"], match_id(alerts[1].id, doc["id"]))["_source"]
    assert match["instant"] is False


def test_a_preview_takes_in_no_more_than_a_tick_does(settings, engine, world, monkeypatch):
    """A preview never takes in a whole backlog (which, behind a stopped scheduler, can be millions of
    matches): one tick's share, the rest left pending for the scheduler."""
    from indexer.alerts import materialize
    from indexer.alerts.digest import DigestService

    _, recorder, alerts = world
    docs = [
        indexed(settings, engine, n, f"Notice {n}: the city offers subsidies to {n} firms.") for n in range(3)
    ]
    assert recorder.percolate(docs) == 6  # daily and instant, three documents: three sets of two
    monkeypatch.setattr(materialize, "TICK_MATCHES", 2)  # a tick's share: one set
    _, items = DigestService(engine, settings.index_alias, settings).preview(alerts[0])
    assert items == 1 and len(pending_sets(engine, recorder.names["match_sets"], 10)) == 2
    assert recorder.take_in(everything=True) == 4  # the two sets left, two matches each
