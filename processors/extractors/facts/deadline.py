"""The application window: the last day to apply, submit or comment, and the first when given.

Chinese: 申报时间：2024年5月6日至5月31日, 即日起至2024年8月31日, 申报截止时间为2024年9月30日,
请于5月31日前报送. English: "applications are open from June 1 to July 31", "by May 31, 2024",
"the deadline is June 30". A date counts only in a sentence about applying, submitting or
commenting; validity dates (有效期至, 自……起施行) do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.extractors.facts.dates import DateHit, LooseDate, ascii_digits, find_dates, make_date

_ZH_CUE = re.compile(r"申报|申请|报送|提交|报名|受理|征集|征求|意见|反馈|公示|截止|推荐|递交|报审|上报|兑付")
_ZH_NOT_A_DEADLINE = re.compile(r"有效期|施行|实施期|执行期|起实施|活动时间|举办|召开|统计|数据截至|截至目前")
_EN_CUE = re.compile(
    r"\b(?:appl(?:y|ies|ied|ying|ication|ications|icants?)|submi(?:t|ts|tted|tting|ssions?)|deadline|"
    r"comments?|feedback|register|registration|entries|proposals|bids?|nominations?|publicity|objections?)\b",
    re.IGNORECASE,
)
_EN_NOT_A_DEADLINE = re.compile(
    r"\b(?:take effect|takes effect|valid until|expires?|in force)\b", re.IGNORECASE
)
_ZH_WINDOW = re.compile(
    r"\s*(?:\d{1,2}[:：]\d{2}\s*)?(?:至|到|—|–|-|~|～|起至|起到)\s*(?:\d{1,2}[:：]\d{2})?"
)
_ZH_DAY_ONLY = re.compile(r"(\d{1,2})\s*日")
_ZH_UNTIL = re.compile(r"(?:即日起|自即日起|从即日起|发布之日起|公示之日起)\s*(?:至|到)\s*$")
_ZH_BEFORE = re.compile(r"^\s*(?:\d{1,2}[:：]\d{2}\s*)?(?:（[^）]{0,10}）)?\s*(?:前|之前|以前|截止|止|为止)")
_ZH_DEADLINE_LABEL = re.compile(r"(?:截止|截至)(?:时间|日期)?(?:为|是|到|至)?\s*[:：]?\s*$")
# "to 24 June", "to 16:00 on 24 June", "until 5 p.m. on July 31", "– 13 December"
_EN_WINDOW = re.compile(
    r"\s*(?:(?:to|until|till|through|and)\s+(?:\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?\s*)?on\s+|"
    r"\d{1,2}\s*[ap]\.?m\.?\s*on\s+)?|[-–—]\s*)",
    re.IGNORECASE,
)
_EN_FROM = re.compile(r"\b(?:from|between|starting|open(?:s|ed)? on)\s+$", re.IGNORECASE)
_EN_BEFORE = re.compile(
    r"\b(?:by|before|until|till|no later than|not later than|on or before|closes? on|"
    r"deadline(?: is| was| of)?|due(?: on| by)?|ends? on)\s*:?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Window:
    deadline: LooseDate
    apply_from: LooseDate | None = None


def find_window(text: str, lang: str, year: int | None = None) -> Window | None:
    """The first application window or deadline the text gives; days without a year take the
    window's other end's year, else ``year`` (the document's), else stay without one."""
    text = ascii_digits(text)
    dates = find_dates(text)
    for i in range(len(dates)):
        window = _window_at(text, dates, i, lang)
        if window:
            return with_year(window, year)
    return None


def _window_at(text: str, dates: list[DateHit], i: int, lang: str) -> Window | None:
    hit = dates[i]
    sentence = _sentence(text, hit.start, hit.end)
    if not _is_about_applying(sentence, lang):
        return None
    end = _window_end(text, dates, i, lang)
    if end:
        return Window(deadline=end, apply_from=hit.value)
    before = text[max(0, hit.start - 30) : hit.start]
    after = text[hit.end : hit.end + 12]
    if lang == "zh":
        if _ZH_UNTIL.search(before) or _ZH_DEADLINE_LABEL.search(before) or _ZH_BEFORE.match(after):
            return Window(deadline=hit.value)
        return None
    deadline_sentence = re.search(r"\bdeadline\b", sentence, re.IGNORECASE) and not _EN_FROM.search(before)
    return Window(deadline=hit.value) if _EN_BEFORE.search(before) or deadline_sentence else None


def _window_end(text: str, dates: list[DateHit], i: int, lang: str) -> LooseDate | None:
    """The end of a window that opens at ``dates[i]`` (…至5月31日, …至31日, from … to …)."""
    hit = dates[i]
    joiner = _ZH_WINDOW if lang == "zh" else _EN_WINDOW
    link = joiner.match(text, hit.end)
    if not link:
        return None
    if i + 1 < len(dates) and dates[i + 1].start == link.end():
        return dates[i + 1].value
    day = _ZH_DAY_ONLY.match(text, link.end()) if lang == "zh" else None
    if day:
        start = hit.value
        return make_date(start.year, start.month, int(day[1]))
    return None


def _is_about_applying(sentence: str, lang: str) -> bool:
    if lang == "zh":
        return bool(_ZH_CUE.search(sentence)) and not _ZH_NOT_A_DEADLINE.search(sentence)
    return bool(_EN_CUE.search(sentence)) and not _EN_NOT_A_DEADLINE.search(sentence)


_STOPS = ("。", "\n", ". ", "；", ";")
_HEADING_CHARS = 16


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a date, back to the last full stop or line break and on to the next,
    with the heading before it when there is one (四、申报时间。2024年6月1日至6月30日)."""
    opening = _last_stop(text, start)
    closes = [p for p in (text.find(stop, end) for stop in _STOPS) if p != -1]
    sentence = text[opening + 1 : min(closes) if closes else len(text)]
    if opening > 0:
        heading = text[_last_stop(text, opening) + 1 : opening].strip()
        if len(heading) <= _HEADING_CHARS:
            sentence = f"{heading}。{sentence}"
    return sentence


def _last_stop(text: str, before: int) -> int:
    return max(text.rfind(stop, 0, before) for stop in _STOPS)


def with_year(window: Window, year: int | None) -> Window:
    """The window with its year-less days completed: from the other end, else from ``year``; a
    window whose end falls before its start runs into the next year (12月1日至1月15日)."""
    start = window.apply_from
    deadline = window.deadline
    if start is not None and start.year is None:
        start = start.resolve(deadline.year if deadline.year is not None else year)
    if deadline.year is None and start is not None and start.year is not None:
        crosses = (deadline.month, deadline.day) < (start.month, start.day)
        deadline = deadline.resolve(start.year + 1 if crosses else start.year)
    return Window(deadline=deadline.resolve(year), apply_from=start)
