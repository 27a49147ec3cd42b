"""Publication dates as notices write them: ISO, Chinese (2024年3月5日, 二〇二四年三月五日,
２０２４年３月５日) and English forms, read by dateparser; and the epoch milliseconds that some JSON
listing APIs give (MIIT's ``cdate``)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateparser.search import search_dates

# 12 or 13 digits and nothing else: milliseconds since 1970 (years 1973 to 2286). Compact dates such as
# 20250402 have 8 digits, so they never match.
_EPOCH_MILLIS = re.compile(r"^\s*(\d{12,13})(?:\.0+)?\s*$")
PUBLISHER_ZONE = "Asia/Shanghai"
_PUBLISHER_ZONE = ZoneInfo(PUBLISHER_ZONE)
_LANGUAGES = ["zh", "en"]
# dateparser's search splits a text at the full stop of an abbreviated month ("Mar. 5, 2024").
# Full-width digits (２０２４) read as ASCII ones.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# Chinese-numeral dates: a year digit by digit (二〇二四, 二○二四, 二零二四), a month or day as a
# number up to 31 (五, 十二, 三十一).
_ZH_DIGIT = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
_ZH_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})(?=\s*年)")
_ZH_MONTH_DAY = re.compile(
    r"(?<=[年月])(\s*)([一二三四五六七八九]|十[一二三四五六七八九]?|[二三]十[一二三四五六七八九]?)(?=\s*[月日号])"
)
_MONTH_FULL_STOP = re.compile(r"\b(jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.", re.IGNORECASE)
# Deterministic on purpose: absolute dates only (no "yesterday" or "3天前", which depend on today),
# day, month and year all written (no gaps filled in from today), and times with a zone read as the
# wall-clock time in China, where these publishers are.
_SETTINGS = {
    "PARSERS": ["absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "TIMEZONE": PUBLISHER_ZONE,
    "TO_TIMEZONE": PUBLISHER_ZONE,
    "RETURN_AS_TIMEZONE_AWARE": False,
}


def parse_date(text: str | None) -> datetime | None:
    """The day of the first date found in ``text`` (labels such as 发布时间： are skipped), the time
    in China of a text that is only epoch milliseconds (``"1743582600000"``), or None."""
    if not text:
        return None
    return _parse_date_text(text)


# The result depends on the text alone (see _SETTINGS), and a source's pages repeat a handful of date
# texts; dateparser's search takes milliseconds a call, the most of any step of a changed page.
@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> datetime | None:
    epoch = _EPOCH_MILLIS.match(text)
    if epoch:
        return from_epoch_millis(int(epoch[1]))
    text = _MONTH_FULL_STOP.sub(r"\1", arabic_digits(text))
    found = search_dates(text, languages=_LANGUAGES, settings=_SETTINGS)
    if not found:
        return None
    moment = found[0][1]
    return datetime(moment.year, moment.month, moment.day)


def arabic_digits(text: str) -> str:
    """``text`` with full-width digits and Chinese-numeral dates written in ASCII digits:
    二〇二四年五月三十一日 and ２０２４年５月３１日 both become 2024年5月31日."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _ZH_YEAR.sub(lambda m: "".join(str(_ZH_DIGIT[ch]) for ch in m[1]), text)
    return _ZH_MONTH_DAY.sub(lambda m: m[1] + str(_small_zh_number(m[2])), text)


def _small_zh_number(numeral: str) -> int:
    """五 = 5, 十 = 10, 十二 = 12, 二十 = 20, 三十一 = 31 (the forms ``_ZH_MONTH_DAY`` lets through)."""
    if "十" not in numeral:
        return _ZH_DIGIT[numeral]
    tens, _, units = numeral.partition("十")
    return (_ZH_DIGIT[tens] if tens else 1) * 10 + (_ZH_DIGIT[units] if units else 0)


def from_epoch_millis(millis: int) -> datetime:
    """Milliseconds since 1970 as the wall-clock time in China, where these publishers are (naive,
    like every other date this module returns)."""
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.astimezone(_PUBLISHER_ZONE).replace(tzinfo=None)
