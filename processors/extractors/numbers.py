"""Numbers as notices write them: 1,000 / 2.5 / 五千 / 两亿 / 1.2bn, with Chinese and English scales."""

from __future__ import annotations

import cn2an

ZH_SCALES = {
    "万亿": 10**12,
    "千亿": 10**11,
    "百亿": 10**10,
    "十亿": 10**9,
    "亿": 10**8,
    "千万": 10**7,
    "百万": 10**6,
    "十万": 10**5,
    "万": 10**4,
    "千": 10**3,
}
EN_SCALES = {
    "trillion": 10**12,
    "tn": 10**12,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "million": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "thousand": 10**3,
    "k": 10**3,
}
ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
# Traditional forms, one character for one, so offsets in the folded text are offsets in the original.
_TRADITIONAL = str.maketrans("億萬兩圓", "亿万两元")


def fold_traditional(text: str) -> str:
    """``text`` with the traditional 億, 萬, 兩 and 圓 written as 亿, 万, 两 and 元 (same length)."""
    return text.translate(_TRADITIONAL)


def parse_number(text: str) -> float:
    """An Arabic number with thousands separators, or a Chinese numeral (五千, 两亿三千万)."""
    cleaned = fold_traditional(text).replace(",", "").replace("，", "").replace(" ", "")
    if not cleaned:
        raise ValueError("empty number")
    if any(ch in ZH_DIGITS for ch in cleaned):
        return float(cn2an.cn2an(cleaned.replace("两", "二"), "smart"))
    return float(cleaned)


def zh_scale(unit: str) -> int:
    """The multiplier of a Chinese scale word such as 万 or 亿 (1 when empty)."""
    return ZH_SCALES.get(fold_traditional(unit), 1) if unit else 1


def en_scale(unit: str) -> int:
    """The multiplier of an English scale word such as million or bn (1 when empty)."""
    return EN_SCALES.get(unit.lower().rstrip("."), 1) if unit else 1
