"""Publication dates as notices write them: ISO, Chinese (2024年3月5日) and English forms."""

from __future__ import annotations

import re
from datetime import datetime

_NUMERIC = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
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
    """The first date found in ``text`` (labels such as 发布时间： are skipped), or None."""
    if not text:
        return None
    match = _NUMERIC.search(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = _ENGLISH.search(text)
    if match:
        day = match[1] or match[3]
        if day:
            return _safe_date(int(match[4]), _MONTHS[match[2][:3].lower()], int(day))
    return None


def _safe_date(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)
    except ValueError:
        return None
