"""Thousands of alerts on the real engine: nothing is capped silently. Every alert can fire, every
match is recorded, every alert is listed, and every waiting item is delivered exactly once."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from indexer.alerts.digest import MAX_ITEMS, DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore, MatchRecorder, new_webhook_secret
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from launcher.cli import main
from policyradar.settings import get_settings
from processors.enrich import enrich
from tests.fixtures.receivers import webhook_receiver
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
ALERTS = 5_000
BROAD = 1_200  # alerts that all match one document: more than a page of percolator hits
OWNER = "scale"


def many_alerts(webhook: str) -> list[Alert]:
    """BROAD alerts on 'semiconductor', then alerts on words no document has, then one last alert
    (the last in id order too) on a word only one document has, the only one that is delivered."""
    alerts = [
        Alert(name=f"a-{n:04d}", owner=OWNER, q="semiconductor" if n < BROAD else f"absent{n}")
        for n in range(ALERTS - 1)
    ]
    last = Alert(
        name=f"a-{ALERTS - 1:04d}",
        owner=OWNER,
        q="quantumfoundry",
        every="instant",
        webhook_url=webhook,
        webhook_secret=new_webhook_secret(),
    )
    return [*alerts, last]


@pytest.fixture
def scale(settings, engine):
    ensure_index(engine, settings.index_alias)
    writer = BulkWriter(engine, settings.index_alias, refresh="wait_for")

    def index(*texts: tuple[int, str, str]) -> list[dict]:
        records = [enrich(make_raw(n, title=title, text=text)) for n, title, text in texts]
        docs = [BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r)) for r in records]
        writer.write(docs)
        return [doc.source for doc in docs]

    settings = settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)})
    return settings, engine, index


def matches_of(engine, recorder: MatchRecorder, doc_id: str) -> list[str]:
    body = {"query": {"term": {"doc_id": doc_id}}, "size": 10_000, "_source": ["alert_id"]}
    hits = engine.search(recorder.names["matches"], body)["hits"]["hits"]
    return [hit["_source"]["alert_id"] for hit in hits]


def test_the_last_of_5000_alerts_fires_and_its_digest_is_delivered(scale):
    settings, engine, index = scale
    with webhook_receiver() as (url, hook):
        alerts = many_alerts(url)
        AlertStore(engine, settings.index_alias).save_many(alerts)
        broad, doc = index(
            (1, "Semiconductor support notice", "Jiangsu backs semiconductor makers with subsidies."),
            (2, "Quantumfoundry pilot notice", "Shanghai funds a quantumfoundry pilot line."),
        )
        recorder = MatchRecorder(engine, settings.index_alias)
        # One batch whose percolation hits more alerts than a page holds, the last alert among them.
        assert recorder.percolate([broad, doc]) == BROAD + 1
        assert recorder.take_in(everything=True) == BROAD + 1
        assert matches_of(engine, recorder, doc["id"]) == [alerts[-1].id]
        digests = DigestService(engine, settings.index_alias, settings)
        sent = digests.run_due()
        assert len(sent) == 1 and len(hook.deliveries) == 1
        payload = json.loads(hook.deliveries[0][1])
        assert payload["alert"] == alerts[-1].name and [i["id"] for i in payload["items"]] == [doc["id"]]
        assert digests.run_due() == [] and len(hook.deliveries) == 1


def test_a_document_matching_1200_alerts_records_every_match(scale):
    settings, engine, index = scale
    alerts = many_alerts("https://hooks.example.com/unused")
    AlertStore(engine, settings.index_alias).save_many(alerts)
    doc, other = index(
        (3, "Semiconductor support notice", "Jiangsu backs semiconductor makers with subsidies."),
        (4, "Quantumfoundry pilot notice", "Shanghai funds a quantumfoundry pilot line."),
    )
    recorder = MatchRecorder(engine, settings.index_alias)
    expected = {alert.id for alert in alerts[:BROAD]}
    pairs = recorder.matching_alerts([doc, other])
    assert {alert for alert, slot in pairs if slot == 0} == expected
    assert [alert for alert, slot in pairs if slot == 1] == [alerts[-1].id]
    assert recorder.percolate([doc, other]) == BROAD + 1
    assert recorder.take_in(everything=True) == BROAD + 1
    recorded = matches_of(engine, recorder, doc["id"])
    assert len(recorded) == BROAD and set(recorded) == expected
    assert recorder.percolate([doc, other]) == 0  # a replay records nothing new
    assert recorder.take_in(everything=True) == 0


def test_alerts_list_returns_all_5000(scale, monkeypatch, capsys):
    settings, engine, _ = scale
    alerts = many_alerts("https://hooks.example.com/unused")
    AlertStore(engine, settings.index_alias).save_many(alerts)
    AlertStore(engine, settings.index_alias).save(Alert(name="someone-elses", owner="other"))
    listed = AlertStore(engine, settings.index_alias).list(OWNER)
    assert [alert.id for alert in listed] == [alert.id for alert in alerts]
    monkeypatch.setenv("POLICYRADAR_INDEX_ALIAS", settings.index_alias)
    monkeypatch.setenv("POLICYRADAR_SEARCH_URL", settings.search_url)
    get_settings.cache_clear()  # the command reads the settings above, not ones cached earlier
    try:
        assert main(["alerts", "list", "--user", OWNER, "--json"]) == 0
    finally:
        get_settings.cache_clear()
    shown = json.loads(capsys.readouterr().out)
    assert len(shown) == ALERTS and shown[-1]["name"] == alerts[-1].name


def test_backfill_reads_every_page_of_past_documents(scale):
    settings, engine, index = scale
    docs = index(
        *((n, f"Notice {n} on chip subsidies", f"Up to {n} million yuan for chip makers.") for n in range(12))
    )
    alert = Alert(name="chips", owner=OWNER, q="chip")
    AlertStore(engine, settings.index_alias).save(alert)
    recorder = MatchRecorder(engine, settings.index_alias, page_size=5)  # three pages
    assert recorder.backfill(alert, settings.index_alias, days=7) == len(docs)
    assert sorted(matches_of(engine, recorder, d["id"])[0] for d in docs) == [alert.id] * len(docs)


def test_more_waiting_items_than_one_digest_holds_go_out_as_several_each_item_once(scale):
    settings, engine, _ = scale
    waiting = 2 * MAX_ITEMS + 100
    with webhook_receiver() as (url, hook):
        alert = Alert(
            name="busy", owner=OWNER, every="instant", webhook_url=url, webhook_secret=new_webhook_secret()
        )
        digests = DigestService(engine, settings.index_alias, settings)
        digests.store.save(alert)
        docs = [
            {"id": f"doc-{n:05d}", "title": f"Notice {n}", "url": f"https://example.com/{n}"}
            for n in range(waiting)
        ]
        assert digests.recorder.record((alert.id, doc) for doc in docs) == waiting
        sent = digests.run_due()
        assert len(sent) == 3 == len(set(sent)) and webhook_ids(hook) == sent
        sizes = [len(json.loads(body)["items"]) for _, body in hook.deliveries]
        assert sizes == [MAX_ITEMS, MAX_ITEMS, 100]
        delivered = Counter(i["id"] for _, body in hook.deliveries for i in json.loads(body)["items"])
        assert set(delivered) == {doc["id"] for doc in docs} and set(delivered.values()) == {1}
        assert digests.run_due() == [] and len(hook.deliveries) == 3


def webhook_ids(hook) -> list[str]:
    return [headers["webhook-id"] for headers, _ in hook.deliveries]
