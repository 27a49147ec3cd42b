"""``policyradar eval``: precision, recall and F1 of the extraction per field and language.

Gold annotations live in ``processors/eval/devset/gold.jsonl`` beside the documents (``<id>.txt``).
Amounts match on value and currency, ratios on value, places and companies on canonical names;
repeated amounts count as often as they occur.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policyradar.errors import PolicyRadarError
from processors.extract_cli import extract_text, read_document

DEVSET_DIR = Path(__file__).resolve().parent / "eval" / "devset"
TARGETS = {"money": 0.95, "subsidy_money": 0.90, "percent": 0.90, "places": 0.95, "companies": 0.90}

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
    "companies": lambda d: Counter({_name(c): 1 for c in d["companies"]}),
}


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


def evaluate(devset: Path = DEVSET_DIR) -> dict[tuple[str, str], Score]:
    """Scores keyed by (language, field), over every annotated document of the dev set."""
    scores: dict[tuple[str, str], Score] = {}
    for gold in load_gold(devset):
        predicted = extract_text(read_document(devset / f"{gold['id']}.txt"), gold["lang"])
        for name, keys in FIELD_KEYS.items():
            scores.setdefault((gold["lang"], name), Score()).add(gold["id"], keys(gold), keys(predicted))
    return scores


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
    scores = evaluate(args.devset or DEVSET_DIR)
    table, all_met = report(scores)
    print(table)
    if getattr(args, "verbose", False):
        for (lang, name), score in sorted(scores.items()):
            for miss in score.misses:
                print(f"  [{lang} {name}] {miss}")
    print("all targets met" if all_met else "some targets missed (run with -v to list the errors)")
    return 1 if args.check and not all_met else 0
