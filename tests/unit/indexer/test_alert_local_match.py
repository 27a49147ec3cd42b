"""Alerts matched in Python: each condition against the batch, as the stored query would decide it."""

from __future__ import annotations

from typing import Any

from indexer.alerts.local_match import BatchFacts, LocalAlert, is_local
from indexer.alerts.narrowing import alert_narrowing
from indexer.query import Conditions

RATES = {"CNY": 1.0, "USD": 7.0}


def doc(**fields: Any) -> dict[str, Any]:
    money = fields.pop("money", [])
    return {"entities": {"money": money}, **fields}


DOCS = [
    doc(place_names=["Beijing"], provinces=["Beijing"], deadline="2025-06-30",
        money=[{"value_cny": 5e6, "is_subsidy": False}, {"value_cny": 1e6, "is_subsidy": True}]),
    doc(place_names=["Shanghai", "Pudong"], companies=["Alibaba"], doc_type="notice", deadline="2025-05-01"),
    doc(place_names=["Shenzhen"], detected_language="en", source_id="sz-gov",
        money=[{"value_cny": None, "is_subsidy": True}]),
]  # fmt: skip


def stored(clauses: list[str] | None = None, **conditions: Any) -> LocalAlert:
    parsed = Conditions(**conditions)
    dates = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in conditions.items()}
    kept = {k: dates[k] for k in ("deadline_from", "deadline_to", "open_only") if k in dates}
    source = {
        "alert_id": "u/a",
        "alert": {"every": "daily", "conditions": kept},
        "clauses": clauses or [],
        "narrow": alert_narrowing(parsed, RATES),
    }
    return LocalAlert.from_source(source)


FACTS = BatchFacts(DOCS, {"c-all": {0, 1, 2}, "c-01": {0, 1}, "c-2": {2}}, today="2025-05-15")


def matched(clauses: list[str] | None = None, **conditions: Any) -> list[int]:
    return FACTS.slots(stored(clauses, **conditions).rule)


def test_only_alerts_with_clauses_or_no_text_are_local():
    assert is_local("", []) and is_local("  ", [])
    assert is_local("算力 补贴", ["a", "b"])
    assert not is_local("算力 | 补贴", [])  # kept whole: the percolator decides


def test_clauses_must_all_match_the_same_document():
    assert matched() == [0, 1, 2]
    assert matched(["c-all", "c-01"]) == [0, 1]
    assert matched(["c-01", "c-2"]) == []
    assert matched(["unknown"]) == []


def test_facets_need_one_of_their_values_each():
    assert matched(places=["Pudong", "Shenzhen"]) == [1, 2]
    assert matched(places=["Pudong", "Shenzhen"], languages=["en"]) == [2]
    assert matched(companies=["Alibaba"], doc_types=["notice"]) == [1]
    assert matched(sources=["sz-gov"], provinces=["Beijing"]) == []


def test_amount_and_subsidy_must_hold_for_the_same_mention():
    assert matched(min_amount=2e6) == [0]
    assert matched(min_amount=2e6, subsidy_only=True) == []  # the big one is no subsidy
    assert matched(max_amount=2e6, subsidy_only=True) == [0]
    assert matched(subsidy_only=True) == [0, 2]  # an amount without value still counts
    assert matched(min_amount=700_000, currency="USD") == [0]  # 4.9 million CNY


def test_an_amount_range_needs_one_mention_inside_it():
    assert matched(min_amount=1.5e6, max_amount=4e6) == []  # 1 million and 5 million, none between
    assert matched(min_amount=1e6, max_amount=1e6) == [0]  # both bounds count
    assert matched(min_amount=1e6, max_amount=4e6, subsidy_only=True) == [0]
    assert matched(min_amount=2e6, max_amount=6e6, subsidy_only=True) == []


def test_deadline_ranges_and_open_calls():
    assert matched(deadline_from="2025-05-01", deadline_to="2025-05-31") == [1]
    assert matched(deadline_to="2025-06-30") == [0, 1]  # the last day counts
    assert matched(open_only=True) == [0]  # today 2025-05-15; no deadline is not open


def test_a_parsed_alert_keeps_only_the_conditions_it_has():
    alert = stored(["c"], places=["Beijing"], min_amount=5, open_only=True)
    assert alert.key == "u/a" and not alert.instant and alert.rule.clauses == ("c",)
    rule = alert.rule
    assert rule.facets == (("places", ("Beijing",)),) and rule.low == 5 and rule.high is None
    assert rule.open_only and not rule.facets_only and stored(places=["Beijing"]).rule.facets_only
    assert stored(["c"], places=["Beijing"]).rule == stored(["c"], places=["Beijing"]).rule  # shareable
