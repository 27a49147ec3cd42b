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
# Traditional forms, one character for one, so offsets in the folded text are offsets in the original:
# the numerals and scales, currency words, and the characters of the cue words that tell a subsidy
# (補貼, 資助, 獎勵, 上限為) from other money (營業收入, 估值, 規模) in Hong Kong and Taiwan notices.
_TRADITIONAL = str.maketrans(
    "億萬兩圓為幣臺補貼獎勵資費額給與項預術發計劃經濟營業規銷價場標準撥專貸優單過達實際總數點幾個對於"
    "區縣鎮機構開關產應請領獲務員報證書範圍內筆輪擔當門導設備購買賣讓從後來時間電網廠財庫組織礎結創據",
    "亿万两元为币台补贴奖励资费额给与项预术发计划经济营业规销价场标准拨专贷优单过达实际总数点几个对于"
    "区县镇机构开关产应请领获务员报证书范围内笔轮担当门导设备购买卖让从后来时间电网厂财库组织础结创据",
)


def fold_traditional(text: str) -> str:
    """``text`` with common traditional characters written in their simplified form (億 -> 亿,
    補貼 -> 补贴, 臺 -> 台), one character for one, so the length and offsets do not change."""
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
