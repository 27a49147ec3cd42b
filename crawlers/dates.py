"""Publication dates as notices write them: ISO, Chinese (2024年3月5日) and English forms, read by
dateparser; and the epoch milliseconds that some JSON listing APIs give (MIIT's ``cdate``)."""

from __future__ import annotations

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
    epoch = _EPOCH_MILLIS.match(text)
    if epoch:
        return from_epoch_millis(int(epoch[1]))
    found = search_dates(_MONTH_FULL_STOP.sub(r"\1", text), languages=_LANGUAGES, settings=_SETTINGS)
    if not found:
        return None
    moment = found[0][1]
    return datetime(moment.year, moment.month, moment.day)


def from_epoch_millis(millis: int) -> datetime:
    """Milliseconds since 1970 as the wall-clock time in China, where these publishers are (naive,
    like every other date this module returns)."""
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.astimezone(_PUBLISHER_ZONE).replace(tzinfo=None)
