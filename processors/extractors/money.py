"""Money amounts in English and Chinese text, normalised to a value in base units and a currency."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from processors.extractors.numbers import ZH_DIGITS, en_scale, fold_traditional, parse_number, zh_scale

CURRENCY_CODES = {
    "us$": "USD",
    "u.s.$": "USD",
    "$": "USD",
    "usd": "USD",
    "us dollars": "USD",
    "dollars": "USD",
    "u.s. dollars": "USD",
    "美元": "USD",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "元人民币": "CNY",
    "hk$": "HKD",
    "hkd": "HKD",
    "hong kong dollars": "HKD",
    "hk dollars": "HKD",
    "港元": "HKD",
    "港币": "HKD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "英镑": "GBP",
    "s$": "SGD",
    "新元": "SGD",
    "新加坡元": "SGD",
    "sgd": "SGD",
    "nt$": "TWD",
    "twd": "TWD",
    "ntd": "TWD",
    "new taiwan dollars": "TWD",
    "taiwan dollars": "TWD",
    "nt dollars": "TWD",
    "新台币": "TWD",
    "台币": "TWD",
    "美金": "USD",
    "jpy": "JPY",
    "yen": "JPY",
    "日元": "JPY",
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_SCALE = r"(?:[\s-]?(?:trillion|billion|million|thousand)|\s?(?:bn|mn|mln|tn)|[mbk])\b"
_PREFIX = r"US\$|U\.S\.\s?\$|HK\$|S\$|NT\$|\$|USD|RMB|CNY|HKD|EUR|GBP|SGD|TWD|NTD|JPY|¥|￥|€|£"
_SUFFIX = (
    r"yuan|renminbi|RMB|CNY|(?:U\.?S\.? |Hong Kong |HK |New Taiwan |Taiwan |NT )?dollars|USD|HKD|TWD|"
    r"euros?|EUR|"
    r"pounds(?: sterling)?|GBP|yen|JPY"
)

EN_AMOUNT = re.compile(
    rf"(?<![\w$])(?P<pcur>{_PREFIX})\s?(?P<pnum>{_NUM})(?P<pscale>{_EN_SCALE})?"
    rf"(?:\s(?:yuan|dollars))?"
    rf"|(?<![\w.,])(?P<snum>{_NUM})(?P<sscale>{_EN_SCALE})?[\s-]?(?P<scur>{_SUFFIX})\b",
)
# A number starts where its digits start (no match from inside a run of digits), and a Chinese
# numeral is at most 20 characters (九千九百九十九万九千九百九十九 has 15): unbounded, a long run of
# digits or 万 with no currency after it is tried from every position at every length.
_ZH_NUM = rf"(?<!\d)(?:{_NUM})|[{ZH_DIGITS}]{{2,20}}|[一二两三四五六七八九十]"
_ZH_SCALE = r"万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千"
_ZH_CURRENCY = r"元人民币|元|人民币|美元|美金|港元|港币|欧元|英镑|日元|新加坡元|新元|新台币|台币"
# A currency written before the number (港币1,500万元, 新台币200万元, 美金5亿元) names the currency
# of an amount that ends in a plain 元.
_ZH_PREFIX_CURRENCY = r"人民币|RMB|港币|新台币|台币|美金"
ZH_AMOUNT = re.compile(
    rf"(?P<pre>{_ZH_PREFIX_CURRENCY})?\s?(?P<num>{_ZH_NUM})\s?(?P<scale>{_ZH_SCALE})?(?P<cur>{_ZH_CURRENCY})",
)
# The low end of a range written before an amount: 100万—500万元, 100-500万元, 1-5 million yuan,
# between 1 million and 5 million yuan, $1-5 million. The range dash or word ends the match.
_ZH_RANGE_LOW = re.compile(
    rf"(?:人民币)?(?P<num>{_ZH_NUM})(?P<scale>{_ZH_SCALE})?(?P<cur>{_ZH_CURRENCY})?"
    r"\s*(?:—{1,2}|–|-|~|～|〜|至|到)\s*$"
)
_EN_RANGE_LOW = re.compile(
    rf"(?P<between>\bbetween\s+)?(?<![\w.,])(?P<cur>{_PREFIX})?\s?(?P<num>{_NUM})(?P<scale>{_EN_SCALE})?"
    rf"(?:\s?(?:{_SUFFIX}))?\s*(?P<link>—|–|-|to|and)\s*$",
    re.IGNORECASE,
)
# "raised from 1 million to 5 million yuan", 由100万元提高至: a change, not a range.
_CHANGE_BEFORE = re.compile(
    r"(?:rais|increas|lift|boost|cut|reduc|lower|grew|grow|rose|fell|jump|doubl|up|down)\w*\s+"
    r"(?:\w+\s+){0,3}from\s*$|提高|增加|增至|上调|下调|降至|降低|提升",
    re.IGNORECASE,
)
# What follows a per-unit price: 元/千瓦时, 元/度, 元/卡时, 元/PFlops, "per GPU-hour", "per kWh",
# "per million tokens".
PER_UNIT = re.compile(
    r"\s*(?:/|每|per\s+|a\s+(?=kWh|kilowatt|GPU|token|million tokens|hour))\s*"
    r"(?:(?:千|百万|万|million\s+|thousand\s+|1,?000\s+|1\s?[MK]\s+)?(?:tokens?|Tokens?|TOKENS?)"
    r"|千瓦时|度电?|卡时|卡·?(?:小时|时)|(?:GPU|卡|card)[-\s·]?(?:hours?|小时|时)|小时|hours?\b"
    r"|[PT]F(?:LOPS|lops)|P(?:·|\*)?(?:小时|天|月)|kWh|kilowatt[-\s]hours?|MWh|兆瓦时)",
)
# A unit written before a Chinese price: 每卡时8元, 每GPU小时港币18元, 每千瓦时0.05元.
PER_UNIT_BEFORE = re.compile(
    r"每\s*(?:GPU|卡|card)?\s*(?:小时|卡时|时|千瓦时|度|P(?:·|\*)?(?:小时|天|月)|(?:千|百万|万)?tokens?)"
    r"\s*(?:港币|新台币|人民币|美金)?$",
    re.IGNORECASE,
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
_EN_MAX = re.compile(
    r"\b(?:up to|as much as|as high as|a maximum of|maximum of|a maximum|maximum|max\.?|no more than|"
    r"not more than|"
    r"not exceeding|capped at|a cap of|at most|ceiling of|limit of)\s*(?:an?\s)?(?:\w+\s)?$",
    re.IGNORECASE,
)
# "min" also for verbs of passing a mark: "revenue topped", "exceeds", "pass", "surpassed".
_EN_MIN = re.compile(
    r"\b(?:at least|no less than|not less than|a minimum of|minimum of|over|more than|above|"
    r"exceed(?:s|ed|ing)?|top(?:s|ped|ping)?|pass(?:es|ed|ing)?|surpass(?:es|ed|ing)?|"
    r"upwards of)\s*$",
    re.IGNORECASE,
)
# A cap word may stand a few characters before the amount: 最高可获补贴500万元, 不超过每卡时8元,
# 上限可提高至300万元.
_ZH_MAX_BEFORE = re.compile(
    r"(?:最高|最多|不超过|不高于|至多|上限|封顶|可上浮至|可(?:提高|提升|增加|放宽)至)"
    r"[^\d，。；;,、：:（）()\s]{0,6}\s*$"
)
_ZH_MIN_BEFORE = re.compile(r"(?:不低于|不少于|至少|最低|超过|逾|高于|突破|超)(?:为|达)?\s*$")
_ZH_MAX_AFTER = re.compile(r"^(?:封顶|以内|以下)")
_ZH_MIN_AFTER = re.compile(r"^以上")


@dataclass(frozen=True)
class AmountMatch:
    text: str
    start: int
    end: int
    value: float
    currency: str
    qualifier: str | None
    # A range's two ends share the whole range's span (low start, high end); else the amount's own.
    span: tuple[int, int] | None = None
    # A per-unit price (元/千瓦时, per GPU-hour, per million tokens).
    per_unit: bool = False

    @property
    def context_span(self) -> tuple[int, int]:
        """The span whose surroundings decide the subsidy flag: the range for a range's ends."""
        return self.span or (self.start, self.end)


def find_amounts(text: str, lang: str) -> list[AmountMatch]:
    """Every money amount in ``text``, in order. ``lang`` picks the Chinese or English patterns;
    Chinese text is also scanned for English-style amounts (US$, RMB 5m) that notices quote.
    A range (100万—500万元) gives both ends, the low one ``min`` and the high one ``max``."""
    original, text = text, fold_traditional(text)
    # Chinese amounts are looked for in any text with Han characters: English reports quote them.
    found = list(_zh_amounts(text)) if lang == "zh" or _HAN.search(text) else []
    taken = [(m.start, m.end) for m in found]
    for match in _en_amounts(text):
        if not any(s < match.end and match.start < e for s, e in taken):
            found.append(match)
    found = [m for m in found if math.isfinite(m.value)]  # 10^400 digits: no amount
    found = _with_ranges(text, sorted(found, key=lambda m: m.start))
    found = [_mark_per_unit(text, replace(m, text=original[m.start : m.end])) for m in found]
    return _carry_conversion_qualifiers(text, found)


def _mark_per_unit(text: str, amount: AmountMatch) -> AmountMatch:
    unit_after = PER_UNIT.match(text, amount.end)
    unit_before = PER_UNIT_BEFORE.search(text[max(0, amount.start - 16) : amount.start])
    return replace(amount, per_unit=True) if unit_after or unit_before else amount


def _with_ranges(text: str, amounts: list[AmountMatch]) -> list[AmountMatch]:
    """Each amount that closes a range gets its low end: an amount already found just before it,
    or the bare number written there (``100`` in 100-500万元, read in the high end's scale)."""
    out: list[AmountMatch] = []
    for high in amounts:
        low = None if high.span else _range_low(text, high, out[-1] if out else None)
        if low is None:
            out.append(high)
            continue
        if out and out[-1].start >= low.start:
            out.pop()
        span = (low.start, high.end)
        out += [replace(low, qualifier="min", span=span), replace(high, qualifier="max", span=span)]
    return out


def _range_low(text: str, high: AmountMatch, previous: AmountMatch | None) -> AmountMatch | None:
    window_start = max(0, high.start - 40, previous.start if previous else 0)
    before = text[window_start : high.start]
    zh = _ZH_RANGE_LOW.search(before)
    en = None if zh else _EN_RANGE_LOW.search(before)
    match = zh or en
    if match is None or (en and (en["link"].lower() == "and") != bool(en["between"])):
        return None
    start = window_start + match.start("cur" if en and en["cur"] else "num")
    if _CHANGE_BEFORE.search(text[max(0, start - 30) : start]):
        return None
    if previous and previous.start == start:
        return previous
    if previous and previous.end > start:
        return None
    return _low_end(text, match, start, high, en is not None)


def _low_end(text: str, match: re.Match[str], start: int, high: AmountMatch, english: bool):
    try:
        number = parse_number(match["num"])
    except ValueError:
        return None
    scale = match["scale"]
    if scale:
        value = number * (en_scale(scale.strip(" -")) if english else zh_scale(scale))
    elif match["cur"] or "," in match["num"] or number < _written_number(high):
        value = number * _scale_of(high, number)  # 100-500万元: in the high end's scale
    else:
        return None  # 2023-500万元: a bare number no smaller than the high end is no low end
    if not 0 < value < high.value:
        return None
    end = match.end("scale") if scale else match.end("num")
    return AmountMatch(text[start:end], start, end, value, high.currency, "min")


def _scale_of(high: AmountMatch, low_number: float) -> float:
    """The multiplier the high end's number carries (5 million -> 10^6), when the low number is
    smaller than the high one as written (1-5 million); else 1 (500,000-1 million)."""
    high_number = _written_number(high)
    if not high_number or low_number >= high_number:
        return 1
    return high.value / high_number


def _written_number(amount: AmountMatch) -> float:
    """The number as written in ``amount`` (5 in "5 million yuan"), 0 when it cannot be read."""
    written = re.search(rf"{_NUM}|[{ZH_DIGITS}]+", amount.text)
    try:
        return parse_number(written[0]) if written else 0
    except ValueError:
        return 0


_CONVERSION_GAP = re.compile(r"\s*[（(]\s*(?:about |around |roughly |约|合)?$")


def _carry_conversion_qualifiers(text: str, amounts: list[AmountMatch]) -> list[AmountMatch]:
    """``over 40 million yuan ($5.6 million)``: the converted amount shares the original's qualifier."""
    for i in range(1, len(amounts)):
        before, current = amounts[i - 1], amounts[i]
        if current.qualifier is None and _CONVERSION_GAP.match(text[before.end : current.start]):
            amounts[i] = replace(current, qualifier=before.qualifier)
    return amounts


_EN_PREFIX_RANGE = re.compile(
    rf"(?<![\w$])(?P<cur>{_PREFIX})\s?(?P<low>{_NUM})\s?(?:—|–|-|to)\s?(?P<high>{_NUM})(?P<scale>{_EN_SCALE})",
    re.IGNORECASE,
)


def _en_prefix_ranges(text: str):
    """$1-5 million, US$10 to 20 billion: one currency sign for both ends of a range."""
    for m in _EN_PREFIX_RANGE.finditer(text):
        code = CURRENCY_CODES.get(_norm_currency(m["cur"]))
        low, high = parse_number(m["low"]), parse_number(m["high"])
        if code is None or not 0 < low < high:
            continue
        scale = en_scale(m["scale"].strip(" -"))
        span = (m.start(), m.end())
        yield AmountMatch(
            text[m.start() : m.end("low")], m.start(), m.end("low"), low * scale, code, "min", span
        )
        yield AmountMatch(
            m[0][m.start("high") - m.start() :], m.start("high"), m.end(), high * scale, code, "max", span
        )


def _en_amounts(text: str):
    ranges = list(_en_prefix_ranges(text))
    yield from ranges
    for m in EN_AMOUNT.finditer(text):
        if any(r.start < m.end() and m.start() < r.end for r in ranges):
            continue
        if m["pcur"]:
            number, scale, currency = m["pnum"], m["pscale"], m["pcur"]
        else:
            number, scale, currency = m["snum"], m["sscale"], m["scur"]
        try:
            value = parse_number(number) * en_scale((scale or "").strip(" -"))
        except ValueError:
            continue
        code = CURRENCY_CODES.get(_norm_currency(currency))
        if code is None:
            continue
        yield AmountMatch(m[0], m.start(), m.end(), value, code, _en_qualifier(text[: m.start()]))


def _zh_amounts(text: str):
    for m in ZH_AMOUNT.finditer(text):
        try:
            value = parse_number(m["num"]) * zh_scale(m["scale"] or "")
        except ValueError:
            continue
        if value <= 0:
            continue
        code = _zh_currency(m["pre"], m["cur"])
        yield AmountMatch(
            m[0].strip(),
            m.start() + (len(m[0]) - len(m[0].lstrip())),
            m.end(),
            value,
            code,
            _zh_qualifier(text[: m.start()], _after_unit(text, m.end())) or _en_qualifier(text[: m.start()]),
        )


def _zh_currency(prefix: str | None, suffix: str) -> str:
    """港币1,500万元 is HKD: a foreign currency before the number names the currency of a plain 元."""
    if prefix and suffix == "元":
        return CURRENCY_CODES.get(prefix.lower(), "CNY")
    return CURRENCY_CODES[suffix]


def _after_unit(text: str, end: int) -> str:
    """The text after an amount and any per-unit tail: 0.3元/千瓦时以内 -> 以内."""
    unit = PER_UNIT.match(text, end)
    return text[unit.end() if unit else end :]


def _norm_currency(currency: str) -> str:
    return " ".join(currency.lower().replace("u.s. ", "us ").split()).replace("us dollars", "us dollars")


def _en_qualifier(before: str) -> str | None:
    window = before[-40:]
    if _EN_MAX.search(window):
        return "max"
    if _EN_MIN.search(window):
        return "min"
    return None


def _zh_qualifier(before: str, after: str) -> str | None:
    window = before[-12:]
    if _ZH_MAX_BEFORE.search(window) or _ZH_MAX_AFTER.match(after):
        return "max"
    if _ZH_MIN_BEFORE.search(window) or _ZH_MIN_AFTER.match(after):
        return "min"
    return None
