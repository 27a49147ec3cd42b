"""Match sets (the indexer's record of a percolation) and how the scheduler turns them into matches."""

from __future__ import annotations

import hashlib
from typing import Any

from indexer.alerts.match_sets import OrderedAlerts, set_alerts, set_body, set_id
from indexer.alerts.materialize import _within, match_body, write_matches

SUMMARY = {"id": "doc-1", "deadline": "2025-06-30", "cluster_id": "doc-0"}
NOW = "2025-05-01T08:00:00+00:00"


def test_set_id_names_the_summary_and_depends_only_on_which_alerts():
    one = set_body(SUMMARY, "doc-1:abc", [("b", False), ("a", True)], NOW)["set_id"]
    assert one.startswith("doc-1:abc|") and one == set_id("doc-1:abc", ["a", "b"])
    assert one == set_body(SUMMARY, "doc-1:abc", [("a", False), ("b", True)], NOW)["set_id"]  # instant aside
    assert one != set_id("doc-1:abc", ["a"])
    assert one != set_id("doc-1:abd", ["a", "b"])
    # the same id as sets written before alert ids were packed, so a replay across the upgrade is one set
    assert one == "doc-1:abc|" + hashlib.sha256(b"a\nb").hexdigest()[:16]


def test_set_body_lists_alerts_and_instant_ones_and_what_matches_take():
    body = set_body(SUMMARY, "doc-1:abc", [("z", False), ("a", True), ("a", True)], NOW)
    assert body["pending"] is True and body["doc_id"] == "doc-1" and body["matched_at"] == NOW
    assert body["match"] == {
        "doc_ref": "doc-1:abc",
        "deadline": "2025-06-30",
        "cluster_id": "doc-0",
        "alerts": "a\nz",
        "instant": "a",
    }
    assert set_alerts(body["match"]) == ["a", "z"] and set_alerts(body["match"], "instant") == ["a"]
    assert body["set_id"] == set_id("doc-1:abc", ["a", "z"])


def test_alert_ids_stay_a_list_when_one_holds_a_line_break_and_old_lists_are_read():
    body = set_body(SUMMARY, "doc-1:abc", [("o\nx/a", False), ("b", True)], NOW)
    assert body["match"]["alerts"] == ["b", "o\nx/a"] and set_alerts(body["match"]) == ["b", "o\nx/a"]
    assert set_alerts({"alerts": ["a", "b"], "instant": []}, "instant") == []
    assert set_alerts(set_body(SUMMARY, "doc-1:abc", [("a", False)], NOW)["match"], "instant") == []


def test_a_match_takes_the_sets_time_deadline_cluster_and_summary():
    source = set_body(SUMMARY, "doc-1:abc", [("a", True)], NOW)
    assert match_body(source, "a", True) == {
        "alert_id": "a",
        "doc_id": "doc-1",
        "matched_at": NOW,
        "message_id": None,
        "deadline": "2025-06-30",
        "cluster_id": "doc-0",
        "instant": True,
        "doc_ref": "doc-1:abc",
    }


class FakeEngine:
    """Creates what is new; answers 409 for ids it holds; records every request."""

    def __init__(self, existing: set[str]) -> None:
        self.existing = existing
        self.requests: list[list[dict[str, Any]]] = []
        self.refreshed: list[str] = []

    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        self.requests.append(operations)
        items = []
        for action in operations[::2]:
            [(kind, meta)] = action.items()
            if kind == "create" and meta["_id"] in self.existing:
                items.append({kind: {"_id": meta["_id"], "status": 409, "error": {"type": "conflict"}}})
            else:
                self.existing.add(meta["_id"])
                items.append({kind: {"_id": meta["_id"], "status": 201, "result": "created"}})
        return {"items": items}

    def refresh(self, index: str) -> None:
        self.refreshed.append(index)


def test_existing_matches_take_a_newer_sets_deadline_and_paused_alerts_are_not_instant():
    source = set_body(SUMMARY, "doc-1:abc", [("a", True), ("b", True), ("c", False)], NOW)
    engine = FakeEngine(existing={"b|doc-1"})
    created = write_matches(engine, "matches", [{"_id": source["set_id"], "_source": source}], paused={"a"})  # type: ignore[arg-type]
    assert created == 2
    creates, follows = engine.requests
    assert [op["instant"] for op in creates[1::2]] == [False, True, False]  # a is paused now
    [(kind, meta)] = follows[0].items()
    assert kind == "update" and meta["_id"] == "b|doc-1"
    assert follows[1]["script"]["params"] == {"deadline": "2025-06-30", "at": NOW}
    assert engine.refreshed == ["matches"]


def test_a_tick_takes_whole_sets_up_to_its_share_and_at_least_one():
    page = [{"_source": {"match": {"alerts": ["a"] * n}}} for n in (3, 4, 5)]
    assert _within(page, 7) == page[:2]
    assert _within(page, 6) == page[:1]
    assert _within(page, 1) == page[:1]  # a set bigger than the share still goes, alone
    assert _within(page, 100) == page


def test_alerts_in_order_from_the_rule_table_make_the_same_set():
    ordered = OrderedAlerts(["a", "b", "c"], ["a", "c"])
    assert dict(ordered) == {"a": True, "b": False, "c": True}
    pairs = [("c", True), ("a", True), ("b", False)]
    assert set_body(SUMMARY, "doc-1:abc", ordered, NOW) == set_body(SUMMARY, "doc-1:abc", pairs, NOW)
