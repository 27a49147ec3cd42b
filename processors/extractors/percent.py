"""Subsidy and support ratios ("up to 30% of the contract fee", 按合同金额的20%给予补贴)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.extractors.numbers import parse_number
from processors.extractors.subsidy import is_subsidy_ratio

PERCENT = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s?(?:%|％|\s?percent\b|\s?per cent\b)"
    r"|百分之(?P<zh>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)"
)


@dataclass(frozen=True)
class RatioMatch:
    text: str
    start: int
    end: int
    value: float


def find_subsidy_ratios(text: str) -> list[RatioMatch]:
    """Percentages that state how much of a cost a programme covers; growth rates are left out."""
    ratios = []
    for m in PERCENT.finditer(text):
        value = float(m["num"]) if m["num"] else parse_number(m["zh"].split("点")[0])
        if not 0 < value <= 100:
            continue
        if is_subsidy_ratio(text, m.start(), m.end()):
            ratios.append(RatioMatch(m[0], m.start(), m.end(), value))
    return ratios
