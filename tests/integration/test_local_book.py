"""The indexer's in-memory book of local alerts on the real engine: every save, edit, pause and removal
reaches a long-lived recorder's next batch."""

from __future__ import annotations

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder
from tests.integration.test_match_sets import indexed

pytestmark = pytest.mark.integration


def matched(recorder: MatchRecorder, doc: dict) -> set[str]:
    return {key for key, _ in recorder.matching_alerts([doc])}


def test_a_long_lived_recorder_follows_every_change_to_the_alerts(settings, engine):
    store = AlertStore(engine, settings.index_alias)
    recorder = MatchRecorder(engine, settings.index_alias)
    doc = indexed(
        settings, engine, 1, "Shanghai will offer up to 5 million yuan in subsidies for computing power."
    )
    assert matched(recorder, doc) == set()

    subsidies = store.save(Alert(name="subsidies", owner="o", q="subsidies"))
    shanghai = store.save(Alert(name="shanghai", owner="o", conditions={"places": ["Shanghai"]}))
    assert matched(recorder, doc) == {subsidies.id, shanghai.id}  # created after the recorder started
    assert len(recorder.local_book) == 2

    store.save(Alert(name="subsidies", owner="o", q="vouchers"))  # edited: no longer matches
    store.set_paused(shanghai, True)
    assert matched(recorder, doc) == set()

    store.set_paused(shanghai, False)
    assert matched(recorder, doc) == {shanghai.id}

    assert store.remove("o", "shanghai")
    assert matched(recorder, doc) == set()
    assert len(recorder.local_book) == 1  # only the edited alert is held
