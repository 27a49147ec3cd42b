"""Digest text and HTML (Jinja2, autoescaped): items grouped by place or company, ranked by amount."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from indexer.alerts.model import Alert

_ENV = Environment(
    loader=PackageLoader("indexer", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def biggest_cny(item: dict[str, Any]) -> float:
    values = [m.get("value_cny") or 0 for m in item.get("money", []) if m.get("is_subsidy")]
    values = values or [m.get("value_cny") or 0 for m in item.get("money", [])]
    return max(values, default=0.0)


def _amounts(item: dict[str, Any]) -> str:
    shown = sorted(item.get("money", []), key=lambda m: -(m.get("value_cny") or 0))[:3]
    return ", ".join(f"{m['text']}{' (subsidy)' if m.get('is_subsidy') else ''}" for m in shown)


def group_items(alert: Alert, items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Group by company when the alert names companies, else by province; biggest amount first."""
    by_company = bool(alert.conditions.companies)
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        keys = item.get("companies") if by_company else (item.get("provinces") or item.get("places"))
        shown = {**item, "amounts": _amounts(item), "published_at": (item.get("published_at") or "")[:10]}
        groups.setdefault((keys or ["Other"])[0], []).append(shown)
    ranked = [(name, sorted(group, key=biggest_cny, reverse=True)) for name, group in groups.items()]
    return sorted(ranked, key=lambda pair: -max(biggest_cny(i) for i in pair[1]))


def render_digest(alert: Alert, items: list[dict[str, Any]], message_id: str) -> tuple[str, str]:
    """(plain text, HTML) of the digest."""
    context = {"alert": alert, "items": items, "groups": group_items(alert, items), "message_id": message_id}
    return _ENV.get_template("digest.txt.j2").render(context), _ENV.get_template("digest.html.j2").render(
        context
    )
