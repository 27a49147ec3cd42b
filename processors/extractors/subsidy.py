"""Is an amount or a ratio something a government or programme grants? Decided by the nearest cue.

The sentence around the mention is searched for subsidy cues (subsidy, voucher, 补贴, 奖励, 给予 …)
and for cues of other money (revenue, valuation, market size, 营收, 估值, 规模 …); the nearer
one wins, and a cue in the same clause counts double-near.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from processors.extractors.numbers import fold_traditional

SUBSIDY_CUES = re.compile(
    r"subsid\w*|vouchers?|grants?\b|rewards?\b|awards?\b|bonus\w*|incentives?|rebates?|allowances?|"
    r"reimburs\w*|support funds?|special funds?|funding support|financial support|fiscal support|"
    r"per (?:company|enterprise|project|firm)|offers?\b|offering|will provide|will pay|cover\w*|"
    r"set aside|earmark\w*|allocat\w*|schemes?\b|programmes?\b|programs?\b|funded under|funding of|"
    r"can (?:receive|claim|apply)|"
    r"(?:shall|will|may) receive (?:up to|no more than|a maximum of)|eligible|commits?\b|"
    r"support (?:of )?up to|"
    r"support of\b|capped at|ceiling of|(?:central |state |government |public )?fiscal funding|"
    r"(?:government|public|state|central) funding|recipients?\b|"
    r"补贴|补助|奖励|奖补|资助|扶持|支持|算力券|模型券|数据券|券|给予|贴息|专项资金|一次性|配套|兑付|安排|引导资金|"
    r"财政资金|拨付|下达|国拨经费|财政经费|中央财政|预留|拨款|拟支持|拟资助|获资助",
    re.IGNORECASE,
)
OTHER_MONEY_CUES = re.compile(
    r"revenues?|sales|valuation|valued|market|profits?|turnover|raised|raising|financing|spend\w*|spent|"
    r"funding round|series [a-e]\b|invest(?:ed|s|ment)? (?:by|from|of)\b|equity|round of\b|"
    r"(?:angel|venture|seed|investment|guidance|industr(?:y|ial)) funds?\b|loans?\b|credit lines?|lending|"
    r"\bipo\b|listing|capex|capital expenditure|"
    r"(?:paid-in|registered) capital|prices?d?|costs? of|"
    r"output|industry (?:size|scale)|scale of|exports?|imports?|fines?\b|fined|penalt\w*|"
    r"营业收入|营收|收入|估值|(?<![券贴助])(?<![券贴助]总)规模|产值|市场|销售|融资|总投资|投资额|固定资产投资|股权|注册资本|价格|售价|利润|"
    r"产业|营业额|增加值|罚款|罚金",
    re.IGNORECASE,
)
RATIO_NOISE = re.compile(
    r"growth|grow\w*|increase\w*|rise|rose|year-on-year|share of|accounted|at least|no less than|"
    r"(?<!no )(?<!not )more than|threshold|"
    r"增长|同比|增速|提高|提升|占比|比重|下降|达到|(?<!不)超过|不低于|不少于|至少|以上|占",
    re.IGNORECASE,
)
# Cues that make a ratio a support ratio though they say nothing of money on their own: "may
# receive an additional 20 percent from district budgets", "an extra 10 percent".
RATIO_CUES = re.compile(
    rf"{SUBSIDY_CUES.pattern}|receiv\w*|\bgets?\b|an? (?:extra|additional)|top-ups?|budgets?\b|"
    r"capped at|a cap of|上浮",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s)")
_CLAUSE_END = re.compile(r"[，,、：:（）()]")


# How far either side of a mention its cues are looked for: a "sentence" with no full stop can be a
# whole table written on one line, and scanning all of it for each of its amounts is quadratic.
MAX_REACH = 400


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The start and end offsets of the sentence that holds ``text[start:end]``, at most
    ``MAX_REACH`` characters either side of it."""
    ends = _sentence_ends(text)
    before = bisect_right(ends, start)  # sentence ends at or before the amount's start
    left = ends[before - 1] if before else 0
    after = _SENTENCE_END.search(text, end, end + MAX_REACH)
    right = after.end() if after else min(len(text), end + MAX_REACH)
    return max(left, start - MAX_REACH), right


@lru_cache(maxsize=8)
def _sentence_ends(text: str) -> list[int]:
    """Where each sentence of ``text`` ends, found once per text: a long document has thousands
    of amounts, and scanning from its start for each one made extraction quadratic."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]


# A short line of a list or table (1．某公司，150万元；) or its total (以上合计, Total:) has no cue
# of its own: the list's heading or the support standard above it says what the amounts are. A long
# numbered clause is prose, and says it itself.
_LIST_LINE = re.compile(
    r"^\s*(?:\d{1,3}\s*[.．、)）]|[（(]\d{1,3}[)）]|[•·\-*]|(?:以上)?(?:合计|总计|共计)|total\b)",
    re.IGNORECASE | re.MULTILINE,
)
_LOOK_BACK_LINES = 15
_LIST_LINE_MAX = 80


def is_subsidy(text: str, start: int, end: int, per_unit: bool = False) -> bool:
    """True when the nearest cue around the amount ``text[start:end]`` says subsidy. A per-unit
    amount (元/千瓦时, per GPU-hour) is a price unless a subsidy word leads into it in the same
    clause (电费补贴0.1元/千瓦时, "a subsidy of 0.1 yuan per kWh")."""
    text = _folded(text)
    if per_unit:
        return _unit_subsidy(text, start, end)
    left, right = sentence_bounds(text, start, end)
    if not _has_cue(text, left, right, start, end) and _in_list_line(text, start):
        return _list_heading_is_subsidy(text, start)
    return _nearest_cue_is_subsidy(text, start, end, OTHER_MONEY_CUES)


def _has_cue(text: str, left: int, right: int, start: int, end: int) -> bool:
    return any(
        not (cue_start < end and start < cue_end)
        for pattern in (SUBSIDY_CUES, OTHER_MONEY_CUES)
        for cue_start, cue_end in _cues_within(pattern, text, left, right)
    )


@lru_cache(maxsize=16)
def _cue_spans(pattern: re.Pattern[str], text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Where ``pattern``'s cues start, and their spans, found once per text: a table on one line
    holds thousands of amounts, and scanning each one's surroundings took seconds."""
    spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
    return [s for s, _ in spans], spans


def _cues_within(pattern: re.Pattern[str], text: str, left: int, right: int) -> list[tuple[int, int]]:
    """The spans of ``pattern``'s cues that lie inside ``text[left:right]``."""
    starts, spans = _cue_spans(pattern, text)
    inside = spans[bisect_left(starts, left) : bisect_left(starts, right)]
    return [(s, e) for s, e in inside if e <= right]


def _in_list_line(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    short = (len(text) if line_end < 0 else line_end) - line_start <= _LIST_LINE_MAX
    return short and bool(_LIST_LINE.match(text, line_start))


def _list_heading_is_subsidy(text: str, start: int) -> bool:
    """The last cue in the nearest line above that has one decides (拟支持名单, "Subsidy standard")."""
    above = text.rfind("\n", 0, start) + 1
    first = above
    for _ in range(_LOOK_BACK_LINES):  # the lines above, without splitting the whole text each time
        if first == 0:
            break
        first = text.rfind("\n", 0, first - 1) + 1
    for line in reversed(text[first:above].splitlines()):
        cues = [(m.end(), True) for m in SUBSIDY_CUES.finditer(line)]
        cues += [(m.end(), False) for m in OTHER_MONEY_CUES.finditer(line)]
        if cues:
            return max(cues)[1]
    return False


@lru_cache(maxsize=8)
def _folded(text: str) -> str:
    """Traditional characters folded (補貼 -> 补贴) so the cues read Hong Kong and Taiwan notices;
    folded once per text, since a long document is asked about many amounts."""
    return fold_traditional(text)


_UNIT_SUBSIDY_BEFORE = re.compile(
    r"(?:subsid\w*|rebates?|补贴|补助|奖补|减免|给予)(?:标准)?(?:\s*(?:of|at|is|为|按|给予))?"
    r"(?:\s*(?:up to|最高|不超过))?(?:每[^\d，。；,;]{1,8})?\s*$",
    re.IGNORECASE,
)
# 每千瓦时0.05元的电费补贴, 0.1元/千瓦时的补助: the subsidy word closes the amount's phrase.
_UNIT_SUBSIDY_AFTER = re.compile(r"^(?:/[^\d，。；,;的]{1,8})?的?[^\d，。；,;]{0,4}(?:补贴|补助|奖补)")


def _unit_subsidy(text: str, start: int, end: int) -> bool:
    before = _UNIT_SUBSIDY_BEFORE.search(text[max(0, start - 24) : start])
    return bool(before or _UNIT_SUBSIDY_AFTER.match(text[end : end + 24]))


def is_subsidy_ratio(text: str, start: int, end: int) -> bool:
    """True for a support ratio ("30% of the contract fee", 按合同金额的20%给予补贴), not a growth rate."""
    return _nearest_cue_is_subsidy(_folded(text), start, end, RATIO_NOISE, RATIO_CUES)


def _nearest_cue_is_subsidy(
    text: str, start: int, end: int, other: re.Pattern[str], cues: re.Pattern[str] = SUBSIDY_CUES
) -> bool:
    left, right = sentence_bounds(text, start, end)
    subsidy = _nearest(cues, text, left, right, start, end)
    noise = _nearest(other, text, left, right, start, end)
    if subsidy is None:
        return False
    return noise is None or subsidy <= noise


def _nearest(
    pattern: re.Pattern[str], text: str, left: int, right: int, start: int, end: int
) -> float | None:
    """The distance from ``text[start:end]`` to the nearest cue in ``text[left:right]`` (a clause
    break between them adds 40), None when there is none."""
    best: float | None = None
    for cue_start, cue_end in _cues_within(pattern, text, left, right):
        if cue_start < end and start < cue_end:
            continue  # the cue is part of the amount itself
        gap_text = text[cue_end:start] if cue_end <= start else text[end:cue_start]
        distance = len(gap_text) + (0 if not _CLAUSE_END.search(gap_text) else 40)
        best = distance if best is None else min(best, distance)
    return best
