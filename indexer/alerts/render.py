"""Digest text and HTML (Jinja2, autoescaped): items grouped by place or company, ranked by amount,
after a "Closing within 14 days" section of the items whose application deadline is near; and the
text and HTML of deadline reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from indexer.alerts.model import Alert

_ENV = Environment(
    loader=PackageLoader("indexer", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
CLOSING_DAYS = 14


def biggest_cny(item: dict[str, Any]) -> float:
    values = [m.get("value_cny") or 0 for m in item.get("money", []) if m.get("is_subsidy")]
    values = values or [m.get("value_cny") or 0 for m in item.get("money", [])]
    return max(values, default=0.0)


def _amounts(item: dict[str, Any]) -> str:
    shown = sorted(item.get("money", []), key=lambda m: -(m.get("value_cny") or 0))[:3]
    return ", ".join(f"{m['text']}{' (subsidy)' if m.get('is_subsidy') else ''}" for m in shown)


def fold_copies(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per notice: the copies of one cluster (same ``cluster_id``; an item without one is
    its own) become their canonical member, the issuer's own page if one is there, else the earliest
    published, with the others under ``copies`` (``{url, title, published_at, source_id}``). Items
    keep the order of their first copy."""
    clusters: dict[str, list[dict[str, Any]]] = {}
    for n, item in enumerate(items):
        clusters.setdefault(item.get("cluster_id") or item.get("id") or f"#{n}", []).append(item)
    folded = []
    for members in clusters.values():
        first, *others = sorted(members, key=_canonical_first)
        copies = [{k: m.get(k) for k in ("url", "title", "published_at", "source_id")} for m in others]
        folded.append({**first, "copies": copies})
    return folded


def _canonical_first(item: dict[str, Any]) -> tuple[bool, bool, str, str]:
    published = item.get("published_at") or ""
    return (item.get("is_original") is not True, not published, published, item.get("id") or "")


def group_items(alert: Alert, items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Group by company when the alert names companies, else by province; biggest amount first."""
    by_company = bool(alert.conditions.companies)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        keys = item.get("companies") if by_company else (item.get("provinces") or item.get("places"))
        shown = {
            **item,
            "amounts": _amounts(item),
            "published_at": (item.get("published_at") or "")[:10],
            "facts": facts_text(item),
        }
        groups.setdefault((keys or ["Other"])[0], []).append(shown)
    ranked = [(name, sorted(group, key=biggest_cny, reverse=True)) for name, group in groups.items()]
    return sorted(ranked, key=lambda pair: -max(biggest_cny(i) for i in pair[1]))


def facts_text(item: dict[str, Any]) -> str:
    """``notice 京经信发〔2024〕12号 · by MIIT · apply 2024-06-01 to 2024-06-30``, or what the item has
    of it (matches recorded before issue 10 have none)."""
    parts = [" ".join(p for p in (item.get("doc_type"), item.get("doc_number")) if p)]
    if item.get("issuers"):
        parts.append("by " + ", ".join(item["issuers"]))
    if item.get("deadline"):
        start = f"{item['apply_from']} to " if item.get("apply_from") else "until "
        parts.append(f"apply {start}{item['deadline']}")
    return " · ".join(p for p in parts if p)


def _days_left(item: dict[str, Any], today: date) -> int | None:
    deadline = item.get("deadline")
    return (date.fromisoformat(deadline[:10]) - today).days if deadline else None


def _by_deadline(items: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The items with their deadline's distance from ``today`` (``days_left``, ``due``), soonest first."""
    shown = [{**item, "days_left": _days_left(item, today)} for item in items]
    shown = [
        {**item, "due": _due_words(item["days_left"])} for item in shown if item["days_left"] is not None
    ]
    return sorted(shown, key=lambda item: (item["deadline"], item.get("title") or ""))


def _due_words(days: int) -> str:
    return {0: "closes today", 1: "closes tomorrow"}.get(days, f"closes in {days} days")


def closing_soon(items: list[dict[str, Any]], today: date, days: int = CLOSING_DAYS) -> list[dict[str, Any]]:
    """The items whose deadline falls from ``today`` through ``days`` days later, soonest first."""
    return [item for item in _by_deadline(items, today) if 0 <= item["days_left"] <= days]


def _local_today(alert: Alert) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(alert.timezone)).date()


def render_digest(
    alert: Alert, items: list[dict[str, Any]], message_id: str, today: date | None = None
) -> tuple[str, str]:
    """(plain text, HTML) of the digest; "closing within 14 days" counts from ``today`` (the fire
    time's day in the alert's zone; the current day when not given)."""
    today = today or _local_today(alert)
    amended = [_amended(item) for item in items if item.get("amendment")]
    items = fold_copies([item for item in items if not item.get("amendment")])
    context = {
        "alert": alert,
        "items": items,
        "amended": amended,
        "groups": group_items(alert, items),
        "closing": closing_soon(items, today),
        "closing_days": CLOSING_DAYS,
        "last_day": (today + timedelta(days=CLOSING_DAYS)).isoformat(),
        "message_id": message_id,
    }
    return _ENV.get_template("digest.txt.j2").render(context), _ENV.get_template("digest.html.j2").render(
        context
    )


def _amended(item: dict[str, Any]) -> dict[str, Any]:
    """An amended item as the "Amended" section shows it: what changed, then its facts now."""
    return {**item, "changes": item["amendment"]["changes"], "facts": facts_text(item)}


def render_reminder(
    alert: Alert, items: list[dict[str, Any]], message_id: str, today: date
) -> tuple[str, str, str]:
    """(plain text, HTML, email subject) of a reminder of the items' deadlines, soonest first."""
    shown = [{**item, "facts": facts_text(item)} for item in _by_deadline(fold_copies(items), today)]
    count = len(shown)
    subject = f"[Policy Radar] {alert.name}: {count} deadline{'s' if count != 1 else ''} coming up"
    context = {"alert": alert, "items": shown, "message_id": message_id}
    text = _ENV.get_template("reminder.txt.j2").render(context)
    return text, _ENV.get_template("reminder.html.j2").render(context), subject
