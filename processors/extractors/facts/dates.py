"""Calendar dates as policy texts write them: 2024年5月31日, 二〇二四年五月三十一日, ２０２４年５月３１日,
2024-05-31, 5月31日 (no year), May 31, 2024 and 31 May."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_FULL_WIDTH = str.maketrans("０１２３４５６７８９／．－：", "0123456789/.-:")
_ZH_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_ZH_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ZH_YEAR = r"(?P<y>\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*"
_ZH_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
ZH_DATE = re.compile(rf"(?:{_ZH_YEAR})?(?P<m>{_ZH_NUM})\s*月\s*(?P<d>{_ZH_NUM})\s*[日号]")
_NUMERIC_DATE = re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)")
_EN_DATE = re.compile(
    rf"\b(?:(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH})\b\.?(?:,?\s+(?P<y2>\d{{4}})\b)?)"
)


@dataclass(frozen=True)
class LooseDate:
    """A calendar day whose year the text may leave out (``year`` None)."""

    year: int | None
    month: int
    day: int

    def resolve(self, year: int | None) -> LooseDate:
        """This day, with ``year`` filled in when the text left the year out."""
        return self if self.year is not None or year is None else LooseDate(year, self.month, self.day)

    def to_date(self) -> date | None:
        return date(self.year, self.month, self.day) if self.year is not None else None

    def iso(self) -> str:
        """``2024-05-31``, or ISO 8601's ``--05-31`` when the year is unknown."""
        year = f"{self.year:04d}" if self.year is not None else "-"
        return f"{year}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def from_iso(cls, value: str) -> LooseDate:
        if value.startswith("--"):
            return cls(None, int(value[2:4]), int(value[5:7]))
        parsed = date.fromisoformat(value)
        return cls(parsed.year, parsed.month, parsed.day)


@dataclass(frozen=True)
class DateHit:
    start: int
    end: int
    value: LooseDate


def ascii_digits(text: str) -> str:
    """``text`` with full-width digits and date separators made ASCII; offsets stay the same."""
    return text.translate(_FULL_WIDTH)


def zh_number(text: str) -> int:
    """1-2 digit Arabic or Chinese numbers (五, 十, 三十一) and 4-digit years (二〇二四)."""
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(ch in _ZH_DIGIT for ch in text):
        return int("".join(str(_ZH_DIGIT[ch]) for ch in text))
    tens, _, units = text.partition("十")
    if "十" not in text:
        return _ZH_DIGIT.get(text, 0)
    return (_ZH_DIGIT.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGIT.get(units, 0) if units else 0)


def make_date(year: int | None, month: int, day: int) -> LooseDate | None:
    """The day, or None when it is not on the calendar (2月30日); a year-less day is checked
    against a leap year."""
    try:
        date(year if year is not None else 2000, month, day)
    except ValueError:
        return None
    if year is not None and not 1990 <= year <= 2100:
        return None
    return LooseDate(year, month, day)


def find_dates(text: str) -> list[DateHit]:
    """Every calendar day the text writes, in order, Chinese, numeric and English forms."""
    text = ascii_digits(text)
    hits: list[DateHit] = []
    for match in ZH_DATE.finditer(text):
        year = zh_number(match["y"]) if match["y"] else None
        _add(hits, match, make_date(year, zh_number(match["m"]), zh_number(match["d"])))
    for match in _NUMERIC_DATE.finditer(text):
        _add(hits, match, make_date(int(match["y"]), int(match["m"]), int(match["d"])))
    for match in _EN_DATE.finditer(text):
        month = _MONTHS[match["mon"] or match["mon2"]]
        year = match["y"] or match["y2"]
        _add(hits, match, make_date(int(year) if year else None, month, int(match["d"] or match["d2"])))
    hits.sort(key=lambda h: h.start)
    return hits


def _add(hits: list[DateHit], match: re.Match, value: LooseDate | None) -> None:
    if value is not None and not any(h.start < match.end() and match.start() < h.end for h in hits):
        hits.append(DateHit(match.start(), match.end(), value))


_TITLE_YEAR = re.compile(r"(?<!\d)(20\d{2})(?:\s*年|\b)")
_SIGNATURE_ZONE = 400


def document_year(text: str, doc_number: str | None = None) -> int | None:
    """The year the document was issued, from its own text: the date under the signature
    (落款) at the end, else the year in its 文号 (〔2024〕), else a year in its headline."""
    text = ascii_digits(text)
    tail_start = max(0, len(text) - _SIGNATURE_ZONE)
    for hit in reversed(find_dates(text[tail_start:])):
        line = _line_around(text, tail_start + hit.start, tail_start + hit.end)
        if hit.value.year is not None and len(line) - (hit.end - hit.start) <= 2:
            return hit.value.year
    if doc_number:
        year = re.search(r"〔\s*(\d{4})\s*〕", ascii_digits(doc_number))
        if year:
            return int(year[1])
    headline = text.split("\n", 1)[0]
    year = _TITLE_YEAR.search(headline)
    return int(year[1]) if year else None


def _line_around(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : line_end if line_end != -1 else len(text)].strip()
