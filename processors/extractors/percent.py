"""Subsidy and support ratios ("up to 30% of the contract fee", 按合同金额的20%给予补贴), written as
numbers or in words (三成, 一半, 百分之三十, 三分之一, "a third", "half the cost")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.extractors.numbers import parse_number
from processors.extractors.subsidy import is_subsidy_ratio

PERCENT = re.compile(
    r"(?<!\d)(?P<num>\d+(?:\.\d+)?)\s?(?:%|％|\s?percent\b|\s?per cent\b)"
    r"|百分之(?P<zh>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)"
)
_ZH_DIGIT = r"[一二两三四五六七八九十]"
# 三成 = 30% (not 一成不变), 一半 = 50%, 三分之一 = 33.33%.
ZH_WORDS = re.compile(
    rf"(?<![\u4e00-\u9fff]成)(?P<tenths>[一二两三四五六七八九])成(?!不变|为|立|果|本|员|交|熟|长|功|型|效|都)"
    r"|(?P<half>一半)"
    rf"|(?P<den>{_ZH_DIGIT})分之(?P<nom>{_ZH_DIGIT})"
)
_EN_FRACTIONS = {
    "half": 50.0,
    "a half": 50.0,
    "one half": 50.0,
    "a third": 33.33,
    "one third": 33.33,
    "one-third": 33.33,
    "two thirds": 66.67,
    "two-thirds": 66.67,
    "a quarter": 25.0,
    "one quarter": 25.0,
    "one-quarter": 25.0,
    "three quarters": 75.0,
    "three-quarters": 75.0,
}
# A fraction of something ("half of the cost", "a third of what firms pay", "half the bill"), not
# "the first half of 2024" or "half a million".
EN_WORDS = re.compile(
    r"(?<![\w-])(?<!first )(?<!second )(?P<frac>(?:a |one |one-|two |two-|three |three-)?"
    r"(?:half|thirds?|quarters?))(?=\s+(?:of|the|its|their|what)\b)",
    re.IGNORECASE,
)
_ZH_SMALL = {ch: i for i, ch in enumerate("零一二三四五六七八九十")} | {"两": 2}


@dataclass(frozen=True)
class RatioMatch:
    text: str
    start: int
    end: int
    value: float


def find_subsidy_ratios(text: str) -> list[RatioMatch]:
    """Percentages that state how much of a cost a programme covers; growth rates, shares and
    thresholds are left out. Caps on a ratio (不超过30%, "no more than 30 percent") are the ratio."""
    candidates = [*_numbers(text), *_zh_words(text), *_en_words(text)]
    return [
        r
        for r in sorted(candidates, key=lambda r: r.start)
        if 0 < r.value <= 100 and is_subsidy_ratio(text, r.start, r.end)
    ]


def _numbers(text: str):
    for m in PERCENT.finditer(text):
        value = float(m["num"]) if m["num"] else parse_number(m["zh"].split("点")[0])
        yield RatioMatch(m[0], m.start(), m.end(), value)


def _zh_words(text: str):
    for m in ZH_WORDS.finditer(text):
        if m["tenths"]:
            value = _ZH_SMALL[m["tenths"]] * 10.0
        elif m["half"]:
            value = 50.0
        else:
            value = _fraction(_ZH_SMALL.get(m["nom"], 0), _ZH_SMALL.get(m["den"], 0))
        yield RatioMatch(m[0], m.start(), m.end(), value)


def _en_words(text: str):
    for m in EN_WORDS.finditer(text):
        value = _EN_FRACTIONS.get(m["frac"].lower())
        if value is not None:
            yield RatioMatch(m[0], m.start(), m.end(), value)


def _fraction(numerator: int, denominator: int) -> float:
    """三分之一 -> 33.33, 二分之一 -> 50: a percentage rounded to two places (0 when impossible)."""
    if not 0 < numerator < denominator:
        return 0.0
    return round(100 * numerator / denominator, 2)
