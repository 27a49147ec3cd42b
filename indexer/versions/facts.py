"""What changed in a document's facts between two versions, as structured changes and short sentences.

Both versions are indexed documents (``indexer.mapping.document_from_record``) or versions of one.
Amounts are matched by role before they are compared: a cap stays a cap (same qualifier and subsidy
flag), and among several amounts of one role the words around each amount decide which is which, so
"a cap raised from 50,000,000 CNY to 100,000,000 CNY" is one change, not a removal and an addition.
Pure: no engine, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

# The words before and after an amount in its clause say what it is (最高补贴, 不超过, "up to").
CONTEXT_BEFORE = 24
CONTEXT_AFTER = 12
_CLAUSE_BREAK = re.compile(r"[，。；！？：\n,;!?:]|\.\s")
TITLE_SHOWN = 80  # characters of a title quoted in a sentence

_MONEY_ROLES = {
    ("max", True): "subsidy cap",
    ("max", False): "cap",
    ("min", True): "minimum subsidy",
    ("min", False): "minimum",
    (None, True): "subsidy",
    (None, False): "amount",
}


@dataclass(frozen=True)
class Change:
    """One change: ``field`` (money, percent, deadline, apply_from, places, companies, issuers,
    doc_type, doc_number, title), ``kind`` (added, removed, changed), the old and new values and, for
    amounts and ratios, the ``role`` they were matched by."""

    field: str
    kind: str
    old: Any = None
    new: Any = None
    role: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sentence": sentence(self)}


def fact_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """The changes from document ``old`` to document ``new``, in a fixed order: dates first (what an
    analyst asks first), then amounts, ratios, names and the document's identity."""
    old_facts, new_facts = old.get("facts") or {}, new.get("facts") or {}
    changes = [
        *_scalar("deadline", old_facts.get("deadline"), new_facts.get("deadline")),
        *_scalar("apply_from", old_facts.get("apply_from"), new_facts.get("apply_from")),
        *_money_changes(old, new),
        *_percent_changes(old, new),
        *_names("places", _canonicals(old, "places"), _canonicals(new, "places")),
        *_names("companies", _canonicals(old, "companies"), _canonicals(new, "companies")),
        *_names("issuers", _issuers(old_facts), _issuers(new_facts)),
        *_scalar("doc_type", old_facts.get("doc_type"), new_facts.get("doc_type")),
        *_scalar("doc_number", old_facts.get("doc_number"), new_facts.get("doc_number")),
        *_scalar("title", _clean(old.get("title")), _clean(new.get("title"))),
    ]
    return changes


def _scalar(field: str, old: Any, new: Any) -> list[Change]:
    old, new = old or None, new or None
    if old == new:
        return []
    if old is None:
        return [Change(field, "added", new=new)]
    if new is None:
        return [Change(field, "removed", old=old)]
    return [Change(field, "changed", old, new)]


def _names(field: str, old: list[str], new: list[str]) -> list[Change]:
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    return [
        *([Change(field, "added", new=added)] if added else []),
        *([Change(field, "removed", old=removed)] if removed else []),
    ]


def _canonicals(doc: dict[str, Any], kind: str) -> list[str]:
    items = (doc.get("entities") or {}).get(kind) or []
    return list(dict.fromkeys(item["canonical"] for item in items if item.get("canonical")))


def _issuers(facts: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(i["canonical"] for i in facts.get("issuers") or [] if i.get("canonical")))


def _clean(title: str | None) -> str | None:
    return " ".join(title.split()) if title else None


# Amounts and ratios ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Item:
    role: str  # "subsidy cap", "ratio": only items of one role are compared
    value: Any  # what "unchanged" compares
    order: int  # position among the document's items of this role
    context: str
    shown: dict[str, Any]


_Describe = Callable[[dict[str, Any]], tuple[str, Any, dict[str, Any]]]


def _money_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    def describe(money: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
        role = _MONEY_ROLES[(money.get("qualifier"), bool(money.get("is_subsidy")))]
        shown = {k: money.get(k) for k in ("text", "value", "currency", "value_cny")}
        return role, (money.get("value"), money.get("currency")), shown

    return _amount_changes("money", _items(old, "money", describe), _items(new, "money", describe))


def _percent_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    def describe(percent: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
        return "ratio", percent.get("value"), {"text": percent.get("text"), "value": percent.get("value")}

    return _amount_changes("percent", _items(old, "percent", describe), _items(new, "percent", describe))


def _amount_changes(field: str, old: list[_Item], new: list[_Item]) -> list[Change]:
    pairs, added, removed = _match(old, new)
    changes = [Change(field, "changed", a.shown, b.shown, a.role) for a, b in pairs if a.value != b.value]
    changes += [Change(field, "added", new=b.shown, role=b.role) for b in added]
    changes += [Change(field, "removed", old=a.shown, role=a.role) for a in removed]
    return changes


def _items(doc: dict[str, Any], kind: str, describe: _Describe) -> list[_Item]:
    analysed = f"{doc.get('title') or ''}\n\n{doc.get('text') or ''}"
    items: list[_Item] = []
    counts: dict[str, int] = {}
    for entity in (doc.get("entities") or {}).get(kind) or []:
        role, value, shown = describe(entity)
        start, end = int(entity.get("start") or 0), int(entity.get("end") or 0)
        context = _clause(analysed[max(0, start - CONTEXT_BEFORE) : start], before=True)
        context += "|" + _clause(analysed[end : end + CONTEXT_AFTER], before=False)
        items.append(_Item(role, value, counts.get(role, 0), _without_digits(context), shown))
        counts[role] = counts.get(role, 0) + 1
    return items


def _clause(text: str, before: bool) -> str:
    """The part of ``text`` in the same clause as the amount it touches (up to a clause break)."""
    parts = _CLAUSE_BREAK.split(text)
    return _without_digits(parts[-1] if before else parts[0])


def _without_digits(text: str) -> str:
    return "".join(ch for ch in text if not ch.isdigit() and not ch.isspace())


def _match(old: list[_Item], new: list[_Item]) -> tuple[list[tuple[_Item, _Item]], list[_Item], list[_Item]]:
    """Pair items of the same role, most alike first (same value, then similar words around them,
    then nearby positions); (pairs, added, removed)."""
    candidates = [
        (_likeness(a, b), -abs(a.order - b.order), i, j)
        for i, a in enumerate(old)
        for j, b in enumerate(new)
        if a.role == b.role
    ]
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[_Item, _Item]] = []
    for _, _, i, j in sorted(candidates, key=lambda c: (-c[0], -c[1], c[2], c[3])):
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((old[i], new[j]))
    pairs.sort(key=lambda pair: old.index(pair[0]))
    added = [b for j, b in enumerate(new) if j not in used_new]
    removed = [a for i, a in enumerate(old) if i not in used_old]
    return pairs, added, removed


def _likeness(a: _Item, b: _Item) -> float:
    same_value = 1.0 if a.value == b.value else 0.0
    return same_value + SequenceMatcher(None, a.context, b.context, autojunk=False).ratio()


# Sentences ------------------------------------------------------------------------------------------
_LABELS = {
    "deadline": "deadline",
    "apply_from": "application start",
    "doc_type": "document type",
    "doc_number": "document number",
    "places": "places",
    "companies": "companies",
    "issuers": "issuers",
    "title": "title",
}


def sentence(change: Change) -> str:
    """The change in a short English sentence ("deadline moved from 2024-05-31 to 2024-06-15")."""
    if change.field in ("money", "percent"):
        return _amount_sentence(change)
    label = _LABELS[change.field]
    if change.field in ("places", "companies", "issuers"):
        names = change.new if change.kind == "added" else change.old
        return f"{label} {change.kind}: {', '.join(names)}"
    old, new = _shown_value(change.field, change.old), _shown_value(change.field, change.new)
    if change.kind == "added":
        return f"{label} added: {new}"
    if change.kind == "removed":
        return f"{label} removed (was {old})"
    verb = "moved" if change.field in ("deadline", "apply_from") else "changed"
    return f"{label} {verb} from {old} to {new}"


def _shown_value(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "title":
        text = str(value)
        return f"“{text[:TITLE_SHOWN]}{'…' if len(text) > TITLE_SHOWN else ''}”"
    return str(value)


def _amount_sentence(change: Change) -> str:
    shown = _money if change.field == "money" else _ratio
    if change.kind == "added":
        return f"{change.role} of {shown(change.new)} added"
    if change.kind == "removed":
        return f"{change.role} of {shown(change.old)} removed"
    direction = _direction(change.old, change.new)
    return f"{change.role} {direction} from {shown(change.old)} to {shown(change.new)}"


def _direction(old: dict[str, Any], new: dict[str, Any]) -> str:
    key = "value" if old.get("currency") == new.get("currency") else "value_cny"
    a, b = old.get(key), new.get(key)
    if a is None or b is None or a == b:
        return "changed"
    return "raised" if b > a else "lowered"


def _money(money: dict[str, Any]) -> str:
    return f"{_number(money.get('value'))} {money.get('currency') or ''}".strip()


def _ratio(percent: dict[str, Any]) -> str:
    return f"{_number(percent.get('value'))}%"


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")
