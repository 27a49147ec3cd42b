"""Publication dates as notices write them: ISO, Chinese (2024年3月5日) and English forms, and the
epoch milliseconds that some JSON listing APIs give (MIIT's ``cdate``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_NUMERIC = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# 12 or 13 digits and nothing else: milliseconds since 1970 (years 1973 to 2286). Compact dates such as
# 20250402 have 8 digits, so they never match.
_EPOCH_MILLIS = re.compile(r"^\s*(\d{12,13})(?:\.0+)?\s*$")
_PUBLISHER_ZONE = ZoneInfo("Asia/Shanghai")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_ENGLISH = re.compile(
    r"\b(\d{1,2})?\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(\d{1,2})?,?\s*(\d{4})\b",
    re.IGNORECASE,
)


def parse_date(text: str | None) -> datetime | None:
    """The first date found in ``text`` (labels such as 发布时间： are skipped), a text that is only
    epoch milliseconds (``"1743582600000"``), or None."""
    if not text:
        return None
    epoch = _EPOCH_MILLIS.match(text)
    if epoch:
        return from_epoch_millis(int(epoch[1]))
    match = _NUMERIC.search(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = _ENGLISH.search(text)
    if match:
        day = match[1] or match[3]
        if day:
            return _safe_date(int(match[4]), _MONTHS[match[2][:3].lower()], int(day))
    return None


def from_epoch_millis(millis: int) -> datetime:
    """Milliseconds since 1970 as the wall-clock time in China, where these publishers are (naive,
    like every other date this module returns)."""
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.astimezone(_PUBLISHER_ZONE).replace(tzinfo=None)


def _safe_date(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)
    except ValueError:
        return None
