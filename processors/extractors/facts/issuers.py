"""The bodies that issued a document, in the order written, with canonical English names.

Chinese documents name them before 关于 in the title (北京市经济和信息化局 北京市财政局关于……), or
under the text above the date (落款); Chinese news names them before 印发《……》. Traditional
characters are read as simplified. English texts: see en_issuers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from processors.extractors.facts.bodies import is_non_mainland, zh_body_canonical
from processors.extractors.facts.en_issuers import en_issuers
from processors.extractors.facts.hits import IssuerHit
from processors.extractors.numbers import fold_traditional
from processors.extractors.places import find_places

__all__ = ["IssuerHit", "find_issuers"]


def find_issuers(text: str, lang: str, company_starts: Sequence[int] = ()) -> list[IssuerHit]:
    """The issuing bodies; ``company_starts`` are where company names begin (a headline that opens
    with one is company news, which has no issuers)."""
    found = _zh_issuers(text) if lang == "zh" else en_issuers(text, company_starts)
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
# The longest body name read (中国（上海）自由贸易试验区临港新片区管理委员会 has 23 characters).
_MAX_BODY = 48


# Traditional characters that body names use beyond the ones numbers.fold_traditional knows, one for
# one so offsets hold.
_TRADITIONAL_BODIES = str.maketrans(
    "會廳辦處訊別業學國碼貿興農衛環運輸稅統體廣東灣龍華蘇陽貴寧慶漢鄭長雲",
    "会厅办处讯别业学国码贸兴农卫环运输税统体广东湾龙华苏阳贵宁庆汉郑长云",
)


def _zh_issuers(original: str) -> list[IssuerHit]:
    text = fold_traditional(original).translate(_TRADITIONAL_BODIES)
    hits = _zh_issuers_simplified(text, _zh_context_place(text))
    return [IssuerHit(original[h.start : h.end], h.start, h.end, h.canonical) for h in hits]


def _zh_context_place(text: str) -> str | None:
    """The place a text outside the mainland names most, for bodies written without it (创新科技及工业局)."""
    counts = Counter(hit.entry.canonical for hit in find_places(text))
    place = counts.most_common(1)[0][0] if counts else None
    return place if place and is_non_mainland(place) else None


def _zh_issuers_simplified(text: str, context: str | None) -> list[IssuerHit]:
    title_end = text.find("\n") if "\n" in text else len(text)
    about = text.find("关于", 0, title_end)
    if about > 0:
        hits = _zh_body_list(text, 0, about)
        if hits:
            return hits
    return _zh_signature(text, context) or _zh_news(text)


def _zh_body_list(
    text: str, start: int, end: int, tolerant: bool = False, context: str | None = None
) -> list[IssuerHit]:
    """The bodies named in ``text[start:end]``, split at separators (、 spaces 会同 及) unless the
    whole is one name (创新科技及工业局)."""
    whole = text[start:end].strip()
    canonical = zh_body_canonical(whole, context) if whole and len(whole) <= _MAX_BODY else None
    if canonical:
        offset = text.find(whole, start, end)
        return [IssuerHit(whole, offset, offset + len(whole), canonical)]
    hits: list[IssuerHit] = []
    position = start
    pieces = [*_ZH_SEPARATORS.finditer(text, start, end), None]
    for separator in pieces:
        piece_end = separator.start() if separator else end
        hits.extend(_zh_piece(text, position, piece_end, tolerant and not hits, context))
        position = separator.end() if separator else end
    return hits


def _zh_piece(text: str, start: int, end: int, tolerant: bool, context: str | None) -> list[IssuerHit]:
    """One or more bodies written without a separator (北京市经济和信息化局北京市财政局); with
    ``tolerant`` the piece may open with other words (记者从国家数据局)."""
    for first in range(start, end - 1 if tolerant else start + 1):
        hits = _zh_run(text, first, end, context)
        if hits:
            return hits
    return []


def _zh_run(text: str, start: int, end: int, context: str | None = None) -> list[IssuerHit]:
    """Bodies written one after another that make up all of ``text[start:end]``, [] if none do.
    Names are tried up to ``_MAX_BODY`` characters: every longer cut would be read in vain, and
    each reading scans the name, which made a long run of characters cubic."""
    canonical = zh_body_canonical(text[start:end], context) if end - start <= _MAX_BODY else None
    if canonical:
        return [IssuerHit(text[start:end], start, end, canonical)]
    for cut in range(min(end - 2, start + _MAX_BODY), start + 1, -1):
        canonical = zh_body_canonical(text[start:cut])
        if canonical:
            rest = _zh_run(text, cut, end, context)
            if rest:
                return [IssuerHit(text[start:cut], start, cut, canonical), *rest]
    return []


# A closing date: 2024年5月6日, 二〇二四年五月六日, or Taiwan's 114年4月15日 (years of the Republic).
_ZH_DATE_LINE = re.compile(r"\d{4}\s*年|[〇零一二三四五六七八九]{4}年|^\d{2,3}年\d{1,2}月\d{1,2}日$")


def _zh_signature(text: str, context: str | None = None) -> list[IssuerHit]:
    """Bodies on the short lines just above the closing date (落款)."""
    lines = list(re.finditer(r"[^\n]+", text))[-_SIGNATURE_LINES:]
    hits: list[IssuerHit] = []
    for line in lines:
        content = line[0].strip()
        if not content or len(content) > 40 or re.search(r"[。，：:；]", content):
            hits = []
            continue
        found = _zh_body_list(text, line.start(), line.end(), context=context)
        if found:
            hits.extend(found)
        elif not _ZH_DATE_LINE.search(content):
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
