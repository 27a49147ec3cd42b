"""Atom feeds (RFC 4287) of search hits: ``atom_feed(title, self_url, hits)`` renders any list of hits
as ``/api/search`` returns them, for the search feed (``/feeds/search.atom``) and for whatever else
publishes hits as a feed.

Each entry links to the document's page on this site (``alternate``) and to the original
(``related``, web addresses only). Crawled text is XML-escaped by the serializer, and characters
XML 1.0 cannot carry (control characters, lone surrogates) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ET.register_namespace("", ATOM)


def atom_feed(
    title: str,
    self_url: str,
    hits: Iterable[dict[str, Any]],
    *,
    site_url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The feed as UTF-8 XML. ``site_url`` is where the document pages are (``{site_url}documents/{id}``),
    by default the root of ``self_url``; ``now`` dates entries without a publication date and an
    empty feed."""
    now = now or datetime.now(UTC)
    site = site_url or _root(self_url)
    entries = [_entry(hit, site, now) for hit in hits]
    feed = ET.Element(_tag("feed"))
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", max((u for _, u in entries), default=_stamp(now)))
    _link(feed, self_url, "self", ATOM_MEDIA_TYPE.split(";")[0])
    _link(feed, site, "alternate", "text/html")
    author = ET.SubElement(feed, _tag("author"))
    _text(author, "name", "Policy Radar")
    _text(feed, "generator", "Policy Radar")
    feed.extend(entry for entry, _ in entries)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def document_page_url(site_url: str, doc_id: str) -> str:
    return f"{site_url.rstrip('/')}/documents/{quote(doc_id, safe='')}"


def _entry(hit: dict[str, Any], site: str, now: datetime) -> tuple[ET.Element, str]:
    entry = ET.Element(_tag("entry"))
    page = document_page_url(site, str(hit.get("id") or ""))
    updated = _date(hit.get("published_at")) or _stamp(now)
    _text(entry, "id", page)
    _text(entry, "title", hit.get("title") or hit.get("url") or "(untitled)")
    _text(entry, "updated", updated)
    if hit.get("published_at"):
        _text(entry, "published", updated)
    _link(entry, page, "alternate", "text/html")
    original = _web_address(hit.get("url"))
    if original:
        _link(entry, original, "related", "text/html")
    if hit.get("source_id"):
        author = ET.SubElement(entry, _tag("author"))
        _text(author, "name", str(hit["source_id"]))
    for topic in hit.get("topics") or []:
        ET.SubElement(entry, _tag("category"), term=_clean(str(topic)))
    summary = entry_summary(hit)
    if summary:
        _text(entry, "summary", summary)
    return entry, updated


def entry_summary(hit: dict[str, Any]) -> str:
    """One line of the hit's headline facts: type and number, amounts, places, deadline."""
    entities = hit.get("entities") or {}
    facts = hit.get("facts") or {}
    money = [
        f"{m.get('text')}{' (subsidy)' if m.get('is_subsidy') else ''}" for m in entities.get("money") or []
    ]
    places = dict.fromkeys(str(p.get("canonical")) for p in entities.get("places") or [])
    parts = [
        " ".join(str(p) for p in (facts.get("doc_type"), facts.get("doc_number")) if p),
        ", ".join(money[:6]),
        ", ".join(places),
        f"deadline {facts['deadline']}" if facts.get("deadline") else "",
    ]
    return " · ".join(p for p in parts if p)


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, _tag(name))
    child.text = _clean(value)
    return child


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, _tag("link"), href=_clean(href), rel=rel, type=media_type)


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _web_address(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def _date(value: Any) -> str | None:
    """An RFC 3339 timestamp from a stored date (naive ones are UTC), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return _stamp(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
