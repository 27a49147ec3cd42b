"""The bodies that issued an English text: translated notices name them in the title ("Notice of
the X and the Y on ..."), on a line under the title ("Issued by: X; Y") or above the closing date;
news names them as the ones that issued, published or announced the policy in its lead. A story
whose headline opens with a company is about the company: it has no issuers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from processors.extractors.facts.bodies import (
    en_body_canonical,
    glossary,
    is_non_mainland,
    national_body,
    place_searchable,
)
from processors.extractors.facts.hits import IssuerHit
from processors.extractors.places import PlaceEntry, find_places

_WORD = r"[A-Z][\w'’-]*"
_EN_KIND = (
    r"(?:Bureau|Commission|Department|Office|Administration|Authority|Ministry|Administrative Committee|"
    r"Committee)"
)
_EN_BODY = re.compile(
    rf"(?:General Office of the\s+)?(?:{_WORD}\s+){{0,3}}(?:Municipal\s+|Provincial\s+)?People's Government"
    rf"|(?:{_WORD}\s+){{1,4}}(?:Municipal\s+|Provincial\s+|District\s+|City\s+)?{_EN_KIND}\s+(?:of|for)\s+"
    rf"(?:the\s+)?{_WORD}(?:,?\s+(?:and\s+)?{_WORD})*"
    rf"|(?:{_WORD},?\s+(?:and\s+)?){{1,6}}{_EN_KIND}\b"
    r"|\b(?:the\s+)?(?:municipal|city|provincial|district)\s+government\b"
)
_EN_CUE_AFTER = re.compile(
    r"\W{0,3}(?:\([A-Z]+\)\s*)?(?:(?:has|have|had|jointly|today|yesterday|recently|this\s+week|on\s+\w+)\s+){0,3}"
    r"(?:said|says|announced|announces|issued|issues|published|publishes|released|releases|unveiled|"
    r"introduced|rolled out|launched|launches|put out|drafted|formulated|proposes|proposed|opened|opens)\b"
)
_EN_CUE_BEFORE = re.compile(
    r"\b(?i:issued|published|released|unveiled|announced|put out|drawn up|drafted|jointly)\b[^.;]{0,50}"
    r"\b(?i:by):?\s+(?:the\s+)?$|\b(?:from|according to)\s+(?:the\s+)?$"
)
_EN_JOINED = re.compile(
    r"^\)?\s*(?:\([A-Z]{2,8}\))?\s*(?:,|;|/|and|together with|along with|jointly with|with)?\s*"
    r"(?:and\s+)?(?:the\s+)?\(?$"
)
_EN_LEAD_CHARS = 900


def en_issuers(text: str, company_starts: Sequence[int] = ()) -> list[IssuerHit]:
    if _headline_opens_with_company(text, company_starts):
        return []
    for finder in (_title_bodies, _byline_bodies, _signature_bodies):
        hits = finder(text)
        if hits:
            return hits
    return _lead_bodies(text)


def _headline_opens_with_company(text: str, company_starts: Sequence[int]) -> bool:
    first = len(text) - len(text.lstrip())
    return first in company_starts


# Translated notices ----------------------------------------------------------------------------

_TITLE = re.compile(
    r"^\s*(?:[A-Z][\w-]*\s+){0,2}?(?:Notice|Circular|Announcement|Decision|Opinions|Reply|Letter)\s+of\s+"
    r"(?P<list>.+?)\s+(?:on|regarding|concerning|about|Regarding|Concerning|On)\s"
)
_ISSUED_BY = re.compile(r"^\s*(?:Issued|Published|Promulgated)\s+by:?\s+", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(
    r"\s*[;/]\s*|,?\s+(?:and|together with)\s+(?=(?:the\s+)?[A-Z])|,\s+(?=the\s|[A-Z])"
)
_DATE_LINE = re.compile(
    r"^\s*(?:\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|[A-Z][a-z]+\s+\d{1,2},\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$"
)
_BYLINE_LINES = 3
_SIGNATURE_LINES = 8


def _title_bodies(text: str) -> list[IssuerHit]:
    match = _TITLE.match(text[: text.find("\n") if "\n" in text else len(text)])
    return _body_list(text, match.start("list"), match.end("list")) if match else []


def _byline_bodies(text: str) -> list[IssuerHit]:
    """A line right under the title (before any blank line) that holds only the issuing bodies
    ("Issued by: X; Y", "X / Y")."""
    title_end = text.find("\n", len(text) - len(text.lstrip()))
    position = title_end + 1 if title_end >= 0 else len(text)
    for _ in range(_BYLINE_LINES):
        line_end = text.find("\n", position) if "\n" in text[position:] else len(text)
        line = text[position:line_end]
        if not line.strip():
            break
        issued_by = _ISSUED_BY.match(line)
        start = position + (issued_by.end() if issued_by else 0)
        end = position + len(line.rstrip(" .;:"))
        hits = _body_list(text, start, end)
        if hits:
            return hits
        position = line_end + 1
    return []


def _signature_bodies(text: str) -> list[IssuerHit]:
    """The bodies on the lines just above the closing date."""
    lines = list(re.finditer(r"[^\n]+", text))[-_SIGNATURE_LINES:]
    dated = [i for i, line in enumerate(lines) if _DATE_LINE.match(line[0])]
    if not dated:
        return []
    hits: list[IssuerHit] = []
    for line in reversed(lines[: dated[-1]]):
        found = _body_list(text, line.start(), line.start() + len(line[0].rstrip(" .;")))
        if not found:
            break
        hits = found + hits
    return hits


def _body_list(text: str, start: int, end: int) -> list[IssuerHit]:
    """The bodies that make up all of ``text[start:end]``, split at ; / , "and"; [] unless every part
    is a body that opens with its place or is a national one."""
    separators = list(_LIST_SEPARATOR.finditer(text, start, end))
    return _body_run(text, start, end, separators) or []


def _body_run(text: str, start: int, end: int, separators: list[re.Match[str]]) -> list[IssuerHit] | None:
    for i, separator in enumerate(separators):
        if separator.start() <= start:
            continue
        first = _strict_body(text, start, separator.start())
        if first:
            rest = _body_run(text, separator.end(), end, separators[i + 1 :])
            if rest:
                return [first, *rest]
    whole = _strict_body(text, start, end)
    return [whole] if whole else None


_BEFORE_THE_PLACE = re.compile(
    r"(?:the\s+)?(?:(?:General Office|Administrative Committee)\s+of\s+(?:the\s+)?)?"
)


def _strict_body(text: str, start: int, end: int) -> IssuerHit | None:
    name = text[start:end].strip()
    if not name or len(name) > 160:
        return None
    offset = start + text[start:end].find(name)
    bare = re.sub(r"^the\s+", "", name)
    canonical = national_body(bare)
    if not canonical:
        hits = find_places(place_searchable(bare))
        if not hits or not _BEFORE_THE_PLACE.fullmatch(bare[: hits[0].start]):
            return None
        canonical = en_body_canonical(bare)
    return IssuerHit(name, offset, offset + len(name), canonical) if canonical else None


# News leads ------------------------------------------------------------------------------------


def _lead_bodies(text: str) -> list[IssuerHit]:
    lead = text[:_EN_LEAD_CHARS]
    bodies = _en_bodies(lead, _context_entry(text))
    cued = [
        _EN_CUE_AFTER.match(lead, b.end) is not None
        or _EN_CUE_BEFORE.search(lead[max(0, b.start - 80) : b.start]) is not None
        for b in bodies
    ]
    # Bodies joined by "and" or commas share the cue: "X and Y said", "issued by X and Y".
    for i in range(len(bodies) - 2, -1, -1):
        if cued[i + 1] and _EN_JOINED.match(lead[bodies[i].end : bodies[i + 1].start]):
            cued[i] = True
    for i in range(1, len(bodies)):
        if cued[i - 1] and _EN_JOINED.match(lead[bodies[i - 1].end : bodies[i].start]):
            cued[i] = True
    return [b for b, c in zip(bodies, cued, strict=True) if c]


def _en_bodies(lead: str, context: PlaceEntry | None) -> list[IssuerHit]:
    """Government bodies in the lead: national ones by name, local ones by place and body; a local
    body named without its place (the city's …, the municipal government) takes the context's."""
    hits = [IssuerHit(h.text, h.start, h.end, h.entry) for h in glossary().national.find(lead)]
    abroad = context is not None and is_non_mainland(context.canonical)
    for match in _EN_BODY.finditer(lead):
        start, name = match.start(), match[0]
        if any(h.start < match.end() and start < h.end for h in hits):
            continue
        if _EN_NATIONAL_WORDS.match(name) and not abroad:
            continue
        canonical = en_body_canonical(name, _context_place(name, context))
        if canonical:
            hits.append(IssuerHit(name, start, match.end(), canonical))
    return sorted(hits, key=lambda h: h.start)


_EN_NATIONAL_WORDS = re.compile(
    r"(?:the\s+)?(?:Ministry|State|National|China|Chinese|General Administration)\b", re.I
)


def _context_place(name: str, context: PlaceEntry | None) -> str | None:
    if context is None:
        return None
    if re.search(r"\bprovincial government\b", name, re.IGNORECASE):
        return context.province
    return context.canonical


def _context_entry(text: str) -> PlaceEntry | None:
    """The place a story is about: its dateline's (SHANGHAI — / WUXI, Jiangsu —), else the place it
    names most often."""
    for line in text.split("\n")[1:4]:
        match = re.match(r"^([A-Z][A-Z'.\- ]+?)(?:,|\s+[—–-])", line.strip())
        if match:
            hits = find_places(match[1].title())
            return hits[0].entry if hits else None
    counts = Counter(hit.entry for hit in find_places(text))
    return counts.most_common(1)[0][0] if counts else None
