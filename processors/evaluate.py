"""``policyradar eval``: precision, recall and F1 of the extraction per field and language.

Gold annotations live in ``processors/eval/devset/gold.jsonl`` beside the documents (``<id>.txt``).
Amounts match on value and currency, ratios on value, places on canonical names; repeated amounts
count as often as they occur. A company is found when the predicted canonical name or text equals the
gold canonical or one of the names the gold lists for it. Policy facts: ``doc_type`` is scored as
accuracy (P = R = F1), issuers on canonical names (case-insensitive), ``doc_number``, ``deadline`` and
``apply_from`` as one value per document when present. A document whose gold lacks a fact is not scored
on it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyradar.errors import PolicyRadarError
from processors.extract_cli import extract_text, read_document

DEVSET_DIR = Path(__file__).resolve().parent / "eval" / "devset"
TARGETS = {
    "money": 0.97,
    "subsidy_money": 0.93,
    "percent": 0.95,
    "places": 0.95,
    "companies": 0.90,
    "doc_type": 0.90,
    "issuers": 0.85,
    "doc_number": 0.95,
    "deadline": 0.90,
}
FACT_FIELDS = ("doc_type", "issuers", "doc_number", "deadline", "apply_from")

Keys = Callable[[dict[str, Any]], Counter]


def _amounts(items: Iterable[dict[str, Any]]) -> Counter:
    return Counter((round(float(m["value"]), 2), m["currency"]) for m in items)


FIELD_KEYS: dict[str, Keys] = {
    "money": lambda d: _amounts(d["money"]),
    "subsidy_money": lambda d: _amounts(m for m in d["money"] if m["is_subsidy"]),
    "money_qualifier": lambda d: Counter(
        (round(float(m["value"]), 2), m["currency"], m.get("qualifier")) for m in d["money"]
    ),
    "percent": lambda d: Counter(round(float(p["value"]), 2) for p in d["percent"]),
    "places": lambda d: Counter({_name(p): 1 for p in d["places"]}),
}


def _fold(name: str) -> str:
    name = " ".join(name.casefold().split())
    return name[4:] if name.startswith("the ") else name


def _facts(record: dict[str, Any]) -> dict[str, Any]:
    """The policy facts of a gold line (top level) or a prediction (under ``facts``)."""
    return record.get("facts") or {} if "facts" in record else record


FACT_KEYS: dict[str, Keys] = {
    "issuers": lambda d: Counter(
        {_fold(_name(i)): 1 for i in (_facts(d).get("issuers") or []) if _name(i).strip()}
    ),
    "doc_number": lambda d: _one(_normalise_doc_number(_facts(d).get("doc_number"))),
    "deadline": lambda d: _one(_facts(d).get("deadline")),
    "apply_from": lambda d: _one(_facts(d).get("apply_from")),
}


def _one(value: Any) -> Counter:
    return Counter({str(value)[:10]: 1}) if value else Counter()


def _normalise_doc_number(number: str | None) -> str | None:
    if not number:
        return None
    for old, new in (("[", "〔"), ("]", "〕"), ("［", "〔"), ("］", "〕"), ("【", "〔"), ("】", "〕")):
        number = number.replace(old, new)
    return "".join(number.split())


def _name(item: str | dict[str, Any]) -> str:
    return item if isinstance(item, str) else item["canonical"]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, doc_id: str, gold: Counter, predicted: Counter) -> None:
        hit = gold & predicted
        self.tp += sum(hit.values())
        extra, missing = predicted - gold, gold - predicted
        self.fp += sum(extra.values())
        self.fn += sum(missing.values())
        self.misses += [f"{doc_id}: spurious {k}" for k in extra] + [f"{doc_id}: missed {k}" for k in missing]

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(devset: Path) -> list[dict[str, Any]]:
    path = devset / "gold.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PolicyRadarError(f"{path}: cannot read the gold annotations: {exc.strerror}") from exc
    gold = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                gold.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise PolicyRadarError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
    return gold


def score_companies(score: Score, doc_id: str, gold: list[Any], predicted: list[dict[str, Any]]) -> None:
    """Each gold company found at most once, by canonical or listed name; every predicted canonical
    that names no gold company is a false positive."""
    wanted = [_company_names(g) for g in gold]
    found: set[int] = set()
    spurious: set[str] = set()
    for company in predicted:
        names = {_fold(company["canonical"]), _fold(company.get("text") or "")}
        hits = [i for i, w in enumerate(wanted) if names & w]
        if hits:
            found.update(hits)
        else:
            spurious.add(company["canonical"])
    score.tp += len(found)
    score.fn += len(wanted) - len(found)
    score.fp += len(spurious)
    score.misses += [f"{doc_id}: spurious {name}" for name in sorted(spurious)]
    score.misses += [f"{doc_id}: missed {_name(g)}" for i, g in enumerate(gold) if i not in found]


def _company_names(gold: str | dict[str, Any]) -> set[str]:
    if isinstance(gold, str):
        return {_fold(gold)}
    return {_fold(gold["canonical"]), *(_fold(n) for n in gold.get("names") or [])}


def score_doc_type(score: Score, doc_id: str, gold: str, predicted: str | None) -> None:
    """Accuracy as a score: a right type is a hit, a wrong one both a false positive and a miss."""
    if predicted == gold:
        score.tp += 1
        return
    score.fp += 1
    score.fn += 1
    score.misses.append(f"{doc_id}: {predicted} instead of {gold}")


def evaluate(devset: Path = DEVSET_DIR, ids: str = "*") -> dict[tuple[str, str], Score]:
    """Scores keyed by (language, field), over every annotated document of the dev set whose id
    matches the glob ``ids``."""
    scores: dict[tuple[str, str], Score] = {}
    for gold in load_gold(devset):
        if not fnmatch.fnmatch(gold["id"], ids):
            continue
        predicted = extract_text(read_document(devset / f"{gold['id']}.txt"), gold["lang"])
        _score_document(scores, gold, predicted)
    return scores


def _score_document(
    scores: dict[tuple[str, str], Score], gold: dict[str, Any], predicted: dict[str, Any]
) -> None:
    lang, doc_id = gold["lang"], gold["id"]

    def field(name: str) -> Score:
        return scores.setdefault((lang, name), Score())

    for name, keys in FIELD_KEYS.items():
        field(name).add(doc_id, keys(gold), keys(predicted))
    score_companies(field("companies"), doc_id, gold["companies"], predicted["companies"])
    facts = _facts(predicted)
    if "doc_type" in gold:
        score_doc_type(field("doc_type"), doc_id, gold["doc_type"], facts.get("doc_type"))
    for name, keys in FACT_KEYS.items():
        if name in gold:
            field(name).add(doc_id, keys(gold), keys({"facts": facts}))


def report(scores: dict[tuple[str, str], Score]) -> tuple[str, bool]:
    """A table of P/R/F1 per field and language, and whether every target is met."""
    lines = [f"{'lang':<5}{'field':<17}{'P':>7}{'R':>7}{'F1':>7}{'target':>8}  n(gold)"]
    all_met = True
    for (lang, name), score in sorted(scores.items()):
        target = TARGETS.get(name)
        met = target is None or score.f1 >= target
        all_met = all_met and met
        mark = "" if target is None else f"{target:>8.2f}{'' if met else '  MISSED'}"
        lines.append(
            f"{lang:<5}{name:<17}{score.precision:>7.3f}{score.recall:>7.3f}{score.f1:>7.3f}{mark}"
            f"  {score.tp + score.fn}"
        )
    return "\n".join(lines), all_met


def eval_command(args: argparse.Namespace) -> int:
    scores = evaluate(args.devset or DEVSET_DIR, getattr(args, "ids", None) or "*")
    table, all_met = report(scores)
    print(table)
    if getattr(args, "verbose", False):
        for (lang, name), score in sorted(scores.items()):
            for miss in score.misses:
                print(f"  [{lang} {name}] {miss}")
    print("all targets met" if all_met else "some targets missed (run with -v to list the errors)")
    return 1 if args.check and not all_met else 0
