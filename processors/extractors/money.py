"""Money amounts in English and Chinese text, normalised to a value in base units and a currency."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from processors.extractors.numbers import ZH_DIGITS, en_scale, parse_number, zh_scale

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
    "jpy": "JPY",
    "yen": "JPY",
    "日元": "JPY",
}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EN_SCALE = r"(?:\s?(?:trillion|billion|million|thousand)|\s?(?:bn|mn|mln|tn)|[mbk])\b"
_PREFIX = r"US\$|U\.S\.\s?\$|HK\$|S\$|\$|USD|RMB|CNY|HKD|EUR|GBP|SGD|JPY|¥|￥|€|£"
_SUFFIX = (
    r"yuan|renminbi|RMB|CNY|(?:U\.?S\.? |Hong Kong |HK )?dollars|USD|HKD|euros?|EUR|"
    r"pounds(?: sterling)?|GBP|yen|JPY"
)

EN_AMOUNT = re.compile(
    rf"(?<![\w$])(?P<pcur>{_PREFIX})\s?(?P<pnum>{_NUM})(?P<pscale>{_EN_SCALE})?"
    rf"(?:\s(?:yuan|dollars))?"
    rf"|(?<![\w.,])(?P<snum>{_NUM})(?P<sscale>{_EN_SCALE})?\s?(?P<scur>{_SUFFIX})\b",
)
ZH_AMOUNT = re.compile(
    rf"(?:人民币|RMB)?\s?(?P<num>{_NUM}|[{ZH_DIGITS}]{{2,}}|[一二两三四五六七八九十])\s?"
    r"(?P<scale>万亿|千亿|百亿|亿|千万|百万|十万|万|千)?"
    r"(?P<cur>元人民币|元|人民币|美元|港元|港币|欧元|英镑|日元|新加坡元|新元)",
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
_EN_MAX = re.compile(
    r"(?:up to|a maximum of|maximum of|a maximum|maximum|max\.?|no more than|not more than|"
    r"not exceeding|capped at|a cap of|at most|ceiling of|limit of)\s*(?:an?\s)?(?:\w+\s)?$",
    re.IGNORECASE,
)
_EN_MIN = re.compile(
    r"(?:at least|no less than|not less than|a minimum of|minimum of|over|more than|above|exceeding|"
    r"upwards of)\s*$",
    re.IGNORECASE,
)
_ZH_MAX_BEFORE = re.compile(
    r"(?:最高|最多|不超过|不高于|至多|上限为?|封顶)(?:可)?(?:给予|奖励|补贴|补助|资助|支持|为|达)?\s*$"
)
_ZH_MIN_BEFORE = re.compile(r"(?:不低于|不少于|至少|最低|超过|逾|高于)(?:为|达)?\s*$")
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


def find_amounts(text: str, lang: str) -> list[AmountMatch]:
    """Every money amount in ``text``, in order. ``lang`` picks the Chinese or English patterns;
    Chinese text is also scanned for English-style amounts (US$, RMB 5m) that notices quote."""
    # Chinese amounts are looked for in any text with Han characters: English reports quote them.
    found = list(_zh_amounts(text)) if lang == "zh" or _HAN.search(text) else []
    taken = [(m.start, m.end) for m in found]
    for match in _en_amounts(text):
        if not any(s < match.end and match.start < e for s, e in taken):
            found.append(match)
    return _carry_conversion_qualifiers(text, sorted(found, key=lambda m: m.start))


_CONVERSION_GAP = re.compile(r"\s*[（(]\s*(?:about |around |roughly |约|合)?$")


def _carry_conversion_qualifiers(text: str, amounts: list[AmountMatch]) -> list[AmountMatch]:
    """``over 40 million yuan ($5.6 million)``: the converted amount shares the original's qualifier."""
    for i in range(1, len(amounts)):
        before, current = amounts[i - 1], amounts[i]
        if current.qualifier is None and _CONVERSION_GAP.match(text[before.end : current.start]):
            amounts[i] = replace(current, qualifier=before.qualifier)
    return amounts


def _en_amounts(text: str):
    for m in EN_AMOUNT.finditer(text):
        if m["pcur"]:
            number, scale, currency = m["pnum"], m["pscale"], m["pcur"]
        else:
            number, scale, currency = m["snum"], m["sscale"], m["scur"]
        try:
            value = parse_number(number) * en_scale((scale or "").strip())
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
        code = CURRENCY_CODES[m["cur"]]
        yield AmountMatch(
            m[0].strip(),
            m.start() + (len(m[0]) - len(m[0].lstrip())),
            m.end(),
            value,
            code,
            _zh_qualifier(text[: m.start()], text[m.end() :]),
        )


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
