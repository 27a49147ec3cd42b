"""Every local rule decided at once with arrays: the same answer as deciding each rule in Python."""

from __future__ import annotations

import random
from typing import Any

import pytest

from indexer.alerts.local_match import BatchFacts, Rule, bits
from indexer.alerts.rule_table import RuleTable

CLAUSES = [f"c{n}" for n in range(6)]
PLACES = ["Beijing", "Shanghai", "Shenzhen", "Hefei"]
COMPANIES = ["Alibaba", "Baidu", "Zhipu"]
DAYS = ["2025-04-30", "2025-05-15", "2025-06-01", "2025-07-31"]
AMOUNTS = [5e5, 1e6, 3e6, 5e6, 1e7, 5e7]


def random_doc(rng: random.Random) -> dict[str, Any]:
    money = [
        {"value_cny": rng.choice([*AMOUNTS, None]), "is_subsidy": rng.random() < 0.5}
        for _ in range(rng.randrange(4))
    ]
    doc: dict[str, Any] = {
        "place_names": rng.sample(PLACES, rng.randrange(3)),
        "companies": rng.sample(COMPANIES, rng.randrange(3)),
        "doc_type": rng.choice(["notice", "policy"]),
        "entities": {"money": money},
    }
    if rng.random() < 0.7:
        doc["deadline"] = rng.choice(DAYS) + ("T00:00:00+08:00" if rng.random() < 0.3 else "")
    return doc


def random_rule(rng: random.Random) -> Rule:
    facets = []
    if rng.random() < 0.6:
        facets.append(("places", tuple(rng.sample(PLACES, rng.randint(1, 2)))))
    if rng.random() < 0.3:
        facets.append(("companies", tuple(rng.sample(COMPANIES, rng.randint(1, 2)))))
    if rng.random() < 0.2:
        facets.append(("doc_types", ("notice",)))
    low = rng.choice([None, None, *AMOUNTS])
    high = rng.choice([None, None, *AMOUNTS])
    subsidy = rng.random() < 0.3
    deadline_from = rng.choice([None, None, *DAYS])
    deadline_to = rng.choice([None, None, *DAYS])
    open_only = rng.random() < 0.2
    money = low is not None or high is not None or subsidy
    return Rule(
        clauses=tuple(rng.sample(CLAUSES, rng.randrange(3))),
        facets=tuple(facets),
        low=low,
        high=high,
        subsidy=subsidy,
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        open_only=open_only,
        facets_only=not (money or deadline_from or deadline_to or open_only),
    )


def one_by_one(facts: BatchFacts, rules: dict[int, Rule], members: dict[int, dict[str, bool]]) -> dict:
    found: dict[int, dict[str, bool]] = {}
    for number, rule in rules.items():
        for slot in bits(facts.mask(rule)):
            found.setdefault(slot, {}).update(members[number])
    return {slot: dict(sorted(alerts.items())) for slot, alerts in sorted(found.items())}


@pytest.mark.parametrize("seed", range(8))
def test_the_table_decides_every_rule_as_python_does(seed):
    rng = random.Random(seed)
    size = rng.choice([3, 63, 64, 65, 130])  # part of a word, exactly one, and several
    docs = [random_doc(rng) for _ in range(size)]
    clause_slots = {key: {slot for slot in range(size) if rng.random() < 0.6} for key in CLAUSES[:5]}
    facts = BatchFacts(docs, clause_slots, today="2025-05-15")
    distinct = {random_rule(rng) for _ in range(300)}
    rules = dict(enumerate(sorted(distinct, key=repr)))
    members = {n: {f"u/{n:03d}-{k}": rng.random() < 0.3 for k in range(rng.randint(1, 3))} for n in rules}
    expected = one_by_one(facts, rules, members)
    found = RuleTable(rules, members).matches(facts)
    assert found == expected and all(list(alerts) == sorted(alerts) for alerts in found.values())
    assert sum(map(len, expected.values())) >= size  # the random rules match something


def test_rules_left_out_are_not_decided():
    rule = random_rule(random.Random(1))
    plain = Rule((), (), None, None, False, None, None, False, True)
    table = RuleTable({0: plain, 7: rule}, {0: {"u/a": True}, 7: {"u/b": False}})
    facts = BatchFacts([{}, {}], {})
    assert table.matches(facts, skip={7}) == {0: {"u/a": True}, 1: {"u/a": True}}
    assert table.matches(facts, skip={0, 7}) == {}


def test_an_empty_batch_or_table_matches_nothing():
    assert RuleTable({}, {}).matches(BatchFacts([{}], {})) == {}
    plain = Rule((), (), None, None, False, None, None, False, True)
    assert RuleTable({0: plain}, {0: {"u/a": False}}).matches(BatchFacts([], {})) == {}
