"""The bodies that issued a document, in the order written, with canonical English names.

Chinese documents name them before 关于 in the title (北京市经济和信息化局 北京市财政局关于……), or
under the text above the date (落款); Chinese news names them before 印发《……》. English news names
them as the ones that issued, published or announced the rules in its lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.extractors.facts.bodies import en_body_canonical, glossary, zh_body_canonical
from processors.extractors.places import PlaceEntry, find_places


@dataclass(frozen=True)
class IssuerHit:
    text: str
    start: int
    end: int
    canonical: str


def find_issuers(text: str, lang: str) -> list[IssuerHit]:
    found = _zh_issuers(text) if lang == "zh" else _en_issuers(text)
    seen: set[str] = set()
    unique = []
    for hit in found:
        if hit.canonical not in seen:
            seen.add(hit.canonical)
            unique.append(hit)
    return unique


# Chinese ---------------------------------------------------------------------------------------

_ZH_SEPARATORS = re.compile(r"[\s、，,；;]+|会同|联合|以及|及|与")
_ZH_GROUP = (
    r"(?:等[\d一二三四五六七八九十两]*个?(?:部门|单位|部委))?(?:近日|日前|今天|今日|\d{1,2}月\d{1,2}日)?"
)
_ZH_VERB = r"(?:联合)?(?:正式)?(?:印发|发布|出台|公布|下发|制定|发出|确定|推出|认定)"
# Bodies before a verb and a quoted document title anywhere in the lead (…等六部门联合印发《…》),
# or opening a sentence before a verb (国家数据局会同国家发展改革委等部门近日确定…).
_ZH_ISSUING = re.compile(rf"(?P<list>[^，。；：:\n《》“”]{{2,160}}?){_ZH_GROUP}{_ZH_VERB}了?《")
_ZH_ISSUING_OPENER = re.compile(
    rf"(?:^|[。\n])(?:(?:近日|日前|\d{{1,2}}月\d{{1,2}}日)[，,])?(?P<list>[^，。；：:\n《》“”]{{2,160}}?){_ZH_GROUP}{_ZH_VERB}"
)
_SIGNATURE_LINES = 8


def _zh_issuers(text: str) -> list[IssuerHit]:
    title_end = text.find("\n") if "\n" in text else len(text)
    about = text.find("关于", 0, title_end)
    if about > 0:
        hits = _zh_body_list(text, 0, about)
        if hits:
            return hits
    return _zh_signature(text) or _zh_news(text)


def _zh_body_list(text: str, start: int, end: int, tolerant: bool = False) -> list[IssuerHit]:
    """The bodies named in ``text[start:end]``, split at separators (、 spaces 会同 及)."""
    hits: list[IssuerHit] = []
    position = start
    pieces = [*_ZH_SEPARATORS.finditer(text, start, end), None]
    for separator in pieces:
        piece_end = separator.start() if separator else end
        hits.extend(_zh_piece(text, position, piece_end, tolerant and not hits))
        position = separator.end() if separator else end
    return hits


def _zh_piece(text: str, start: int, end: int, tolerant: bool) -> list[IssuerHit]:
    """One or more bodies written without a separator (北京市经济和信息化局北京市财政局); with
    ``tolerant`` the piece may open with other words (记者从国家数据局)."""
    for first in range(start, end - 1 if tolerant else start + 1):
        hits = _zh_run(text, first, end)
        if hits:
            return hits
    return []


def _zh_run(text: str, start: int, end: int) -> list[IssuerHit]:
    canonical = zh_body_canonical(text[start:end])
    if canonical:
        return [IssuerHit(text[start:end], start, end, canonical)]
    for cut in range(end - 2, start + 1, -1):
        canonical = zh_body_canonical(text[start:cut])
        if canonical:
            rest = _zh_run(text, cut, end)
            if rest:
                return [IssuerHit(text[start:cut], start, cut, canonical), *rest]
    return []


def _zh_signature(text: str) -> list[IssuerHit]:
    """Bodies on the short lines just above the closing date (落款)."""
    lines = list(re.finditer(r"[^\n]+", text))[-_SIGNATURE_LINES:]
    hits: list[IssuerHit] = []
    for line in lines:
        content = line[0].strip()
        if not content or len(content) > 40 or re.search(r"[。，：:；]", content):
            hits = []
            continue
        found = _zh_body_list(text, line.start(), line.end())
        if found:
            hits.extend(found)
        elif not re.search(r"\d{4}\s*年|[〇零一二]{4}年", content):
            hits = []
    return hits


def _zh_news(text: str) -> list[IssuerHit]:
    """The longest list of bodies the lead names as issuing something (the headline often names
    only the first: 国家数据局等部门确定……)."""
    lead = text[:800]
    best: list[IssuerHit] = []
    for pattern, tolerant in ((_ZH_ISSUING, True), (_ZH_ISSUING_OPENER, False)):
        for match in pattern.finditer(lead):
            hits = _zh_body_list(text, match.start("list"), match.end("list"), tolerant=tolerant)
            if len(hits) > len(best):
                best = hits
    return best


# English ---------------------------------------------------------------------------------------

_WORD = r"[A-Z][\w'’-]*"
_EN_KIND = r"(?:Bureau|Commission|Department|Office|Administration|Administrative Committee|Committee)"
_EN_BODY = re.compile(
    rf"(?:General Office of the\s+)?(?:{_WORD}\s+){{0,3}}(?:Municipal\s+|Provincial\s+)?People's Government"
    rf"|(?:{_WORD}\s+){{1,4}}(?:Municipal\s+|Provincial\s+|District\s+|City\s+)?{_EN_KIND}\s+(?:of|for)\s+"
    rf"{_WORD}(?:,?\s+(?:and\s+)?{_WORD})*"
    rf"|(?:{_WORD},?\s+(?:and\s+)?){{1,6}}{_EN_KIND}\b"
    r"|\b(?:the\s+)?(?:municipal|city|provincial|district)\s+government\b"
)
_EN_CUE_AFTER = re.compile(
    r"\W{0,3}(?:\([A-Z]+\)\s*)?(?:has\s+|have\s+|had\s+|jointly\s+|on\s+\w+\s+)?"
    r"(?:said|says|announced|issued|published|released|unveiled|introduced|rolled out|launched|put out)\b"
)
_EN_CUE_BEFORE = re.compile(
    r"\b(?:issued|published|released|unveiled|announced|put out|drawn up|drafted|jointly)\b[^.;]{0,50}"
    r"\bby\s+(?:the\s+)?$|\b(?:from|according to)\s+(?:the\s+)?$"
)
_EN_JOINED = re.compile(
    r"^\)?\s*(?:\([A-Z]{2,8}\))?\s*(?:,|and|together with|along with|jointly with|with)?\s*"
    r"(?:and\s+)?(?:the\s+)?\(?$"
)
_EN_LEAD_CHARS = 900


def _en_issuers(text: str) -> list[IssuerHit]:
    lead = text[:_EN_LEAD_CHARS]
    bodies = _en_bodies(lead, _dateline_place(text))
    cued = [
        _EN_CUE_AFTER.match(lead, b.end) is not None
        or _EN_CUE_BEFORE.search(lead[max(0, b.start - 80) : b.start])
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


def _en_bodies(lead: str, dateline: PlaceEntry | None) -> list[IssuerHit]:
    """Government bodies in the lead: national ones by name, local ones by place and body; a local
    body named without its place (the city's …, the municipal government) takes the dateline's."""
    hits = [IssuerHit(h.text, h.start, h.end, h.entry) for h in glossary().national.find(lead)]
    for match in _EN_BODY.finditer(lead):
        start, name = match.start(), match[0]
        if any(h.start < match.end() and start < h.end for h in hits) or _EN_NATIONAL_WORDS.match(name):
            continue
        canonical = en_body_canonical(name, _context_place(name, dateline))
        if canonical:
            hits.append(IssuerHit(name, start, match.end(), canonical))
    return sorted(hits, key=lambda h: h.start)


_EN_NATIONAL_WORDS = re.compile(
    r"(?:the\s+)?(?:Ministry|State|National|China|Chinese|General Administration)\b", re.I
)


def _context_place(name: str, dateline: PlaceEntry | None) -> str | None:
    if dateline is None:
        return None
    if re.search(r"\bprovincial government\b", name, re.IGNORECASE):
        return dateline.province
    return dateline.canonical


def _dateline_place(text: str) -> PlaceEntry | None:
    """The place of a news dateline (SHANGHAI — / WUXI, Jiangsu —), as a places.tsv entry."""
    for line in text.split("\n")[1:4]:
        match = re.match(r"^([A-Z][A-Z'.\- ]+?)(?:,|\s+[—–-])", line.strip())
        if match:
            hits = find_places(match[1].title())
            return hits[0].entry if hits else None
    return None
