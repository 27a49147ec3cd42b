"""The fields that narrow percolation, and the filter a batch of documents makes from them: an alert
some document of the batch can match is always kept (checked against a Python reading of the filter)."""

from __future__ import annotations

import random
from typing import Any

from indexer.alerts.narrowing import ANY, DEADLINE, MONEY, SUBSIDY, alert_narrowing, batch_filter
from indexer.query import FACETS, Conditions

RATES = {"CNY": 1.0, "USD": 7.0}


def test_an_alert_without_a_facet_condition_is_a_candidate_for_any_value():
    fields = alert_narrowing(Conditions(places=["Shenzhen", "Beijing"]), RATES)
    assert fields["places"] == ["Beijing", "Shenzhen"]
    assert fields["companies"] == [ANY] and fields["doc_types"] == [ANY]
    assert fields["needs"] == [] and "min_cny" not in fields


def test_amounts_are_kept_in_cny_and_make_the_alert_need_money():
    fields = alert_narrowing(Conditions(min_amount=1_000_000, currency="USD", subsidy_only=True), RATES)
    assert fields["min_cny"] == 7_000_000 and "max_cny" not in fields
    assert fields["needs"] == [MONEY, SUBSIDY]


def test_deadline_conditions_make_the_alert_need_a_deadline():
    assert alert_narrowing(Conditions(open_only=True), RATES)["needs"] == [DEADLINE]


def test_the_batch_filter_names_every_value_of_the_batch_and_what_it_lacks():
    docs = [
        {"place_names": ["Hefei"], "doc_type": "notice", "entities": {"money": []}},
        {"place_names": ["Wuxi"], "deadline": "2025-05-01", "entities": {"money": [{"value_cny": 5.0}]}},
    ]
    narrowed = batch_filter(docs)["bool"]["should"][0]["bool"]
    clauses = narrowed["filter"]
    assert {"terms": {"narrow.places": [ANY, "Hefei", "Wuxi"]}} in clauses
    assert {"terms": {"narrow.doc_types": [ANY, "notice"]}} in clauses
    assert narrowed["must_not"] == [{"terms": {"narrow.needs": [SUBSIDY]}}]


def admitted(fields: dict[str, Any], docs: list[dict[str, Any]]) -> bool:
    """The batch filter read in Python, for one alert's fields."""
    narrowed = batch_filter(docs)["bool"]["should"][0]["bool"]
    for clause in narrowed["filter"]:
        if "terms" in clause:
            [(path, values)] = clause["terms"].items()
            if not set(fields[path.split(".")[1]]) & set(values):
                return False
        else:  # an amount bound: the alert has none, or the range holds
            should = clause["bool"]["should"][0]["range"]
            [(path, bound)] = should.items()
            [(operator, value)] = bound.items()
            mine = fields.get(path.split(".")[1])
            if mine is not None and not (mine <= value if operator == "lte" else mine >= value):
                return False
    missing = narrowed["must_not"][0]["terms"]["narrow.needs"]
    return not set(fields["needs"]) & set(missing)


def matches(conditions: Conditions, doc: dict[str, Any]) -> bool:
    """The alert's filters on one document (text aside), in Python."""
    for name, field in FACETS.items():
        wanted, value = getattr(conditions, name), doc.get(field)
        values = value if isinstance(value, list) else [value]
        if wanted and not set(wanted) & set(values):
            return False
    money = doc["entities"]["money"]
    low, high = conditions.min_amount, conditions.max_amount
    if low is not None or high is not None or conditions.subsidy_only:
        fits = [
            m
            for m in money
            if (low is None or (m["value_cny"] is not None and m["value_cny"] >= low))
            and (high is None or (m["value_cny"] is not None and m["value_cny"] <= high))
            and (not conditions.subsidy_only or m["is_subsidy"])
        ]
        if not fits:
            return False
    return not (conditions.open_only and not doc.get("deadline"))


def test_no_alert_a_document_of_the_batch_matches_is_left_out():
    rng = random.Random(3)
    places, types = ["Hefei", "Wuxi", "Beijing", "Xi'an"], ["notice", "measures", "plan"]

    def doc() -> dict[str, Any]:
        money = [
            {"value_cny": rng.choice([None, 1e5, 1e6, 5e7]), "is_subsidy": rng.random() < 0.5}
            for _ in range(rng.randint(0, 2))
        ]
        return {
            "place_names": rng.sample(places, rng.randint(0, 2)),
            "doc_type": rng.choice([None, *types]),
            "deadline": rng.choice([None, "2025-06-30"]),
            "entities": {"money": money},
        }

    def conditions() -> Conditions:
        return Conditions(
            places=rng.sample(places, rng.randint(0, 1)),
            doc_types=rng.sample(types, rng.randint(0, 1)),
            min_amount=rng.choice([None, 1e5, 1e6, 1e8]),
            max_amount=rng.choice([None, None, 1e9]),
            subsidy_only=rng.random() < 0.3,
            open_only=rng.random() < 0.2,
        )

    kept = left_out = 0
    for _ in range(400):
        batch, alert = [doc() for _ in range(rng.randint(1, 3))], conditions()
        fields = alert_narrowing(alert, {"CNY": 1.0})
        if any(matches(alert, d) for d in batch):
            assert admitted(fields, batch), (alert, batch)
            kept += 1
        elif not admitted(fields, batch):
            left_out += 1
    assert kept > 50 and left_out > 50  # both cases happen: the filter does narrow
