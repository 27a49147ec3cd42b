"""Body text made comparable across templates and scripts.

Lines that belong to a site rather than to the announcement (source and editor lines, dates and view
counters, navigation, print/close/share buttons, footers, ads) are dropped; the rest is folded from
Traditional to Simplified script (OpenCC t2s), from full width to half width (NFKC) and to lower case.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import opencc

# A line that starts with one of these labels is page furniture (短 lines only: see _SHORT_LINE).
_LABELS = (
    "来源|稿源|信息来源|文章来源|转自|转载|转载自|原标题|编辑|责任编辑|作者|记者|通讯员|审核|校对|"
    "发布时间|发布日期|发稿时间|更新时间|浏览|浏览次数|阅读|阅读量|阅读次数|点击|点击数|点击量|"
    "访问量|字号|字体|打印|打印本页|关闭|关闭窗口|分享|分享到|扫一扫|上一篇|下一篇|相关链接|相关阅读|"
    "相关文章|当前位置|您当前的位置|您现在的位置|首页|版权所有|主办|承办|主办单位|承办单位|网站标识码|"
    "联系我们|网站地图|免责声明|联系电话|"
    "source|sources|editor|edited by|author|by|published|updated|posted|views|print|close|share|"
    "share to|home|copyright|related|previous|next|click"
)
_LABEL_LINE = re.compile(rf"^[\[【(]?\s*(?:{_LABELS})\s*(?:[:：]|\]|】|\)|$)", re.IGNORECASE)
# Buttons and links of a page's frame, often several on one line ("打印本页 关闭窗口").
_BUTTON_LINE = re.compile(
    r"^[\[【(]?\s*(?:打印本页|打印|关闭窗口|关闭|分享到|分享|上一篇|下一篇|返回顶部|返回|收藏|字号|字体|"
    r"print|close|share|previous|next|back to top)\s*(?=$|\s|[:：|】\]])",
    re.IGNORECASE,
)
_SOURCE_LABEL = re.compile(
    r"^[\[【]?\s*(?:(?:来源|稿源|信息来源|文章来源|转载|source)\s*[:：]|转自|转载自)", re.IGNORECASE
)
_JUNK = re.compile(
    r"扫码|扫一扫|二维码|关注(?:我们|公众号)|公众号|长按识别|阅读原文|广告|如有侵权|版权归|本文来源于网络|"
    r"icp备|网站标识码|公网安备|all rights reserved|©|subscribe|follow us|advertisement|newsletter",
    re.IGNORECASE,
)
_NAV = re.compile(r"\S\s*(?:>|›|»|→|/)\s*\S")
_DATE_OR_COUNTER_ONLY = re.compile(r"^[\d\s\-/.:：年月日时分秒号()（）]*$")
_INLINE_META = re.compile(
    r"(?:发布时间|发布日期|浏览次数|阅读次数|点击数|点击量|阅读量|浏览量|views)\s*[:：]?\s*"
    r"[\d\-/.:年月日\s]+",
    re.IGNORECASE,
)
_SHORT_LINE = 80
_NAV_LINE = 40
_JUNK_LINE = 120

_converters = threading.local()


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters folded to Simplified (one OpenCC converter per thread)."""
    converter = getattr(_converters, "t2s", None)
    if converter is None:
        converter = _converters.t2s = opencc.OpenCC("t2s")
    return converter.convert(text)


def fold(text: str) -> str:
    """Full width to half width, Traditional to Simplified, lower case."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def is_boilerplate(line: str) -> bool:
    """True for a (folded, stripped) line that belongs to the site, not to the announcement."""
    if _DATE_OR_COUNTER_ONLY.match(line):
        return True
    if len(line) <= _SHORT_LINE and (_LABEL_LINE.match(line) or _BUTTON_LINE.match(line)):
        return True
    if len(line) <= _JUNK_LINE and _JUNK.search(line):
        return True
    return len(line) <= _NAV_LINE and len(_NAV.findall(line)) >= 2


def content_lines(text: str) -> list[str]:
    """The folded lines of ``text`` that carry the announcement (page furniture dropped)."""
    lines = []
    for raw in fold(text).splitlines():
        line = _INLINE_META.sub(" ", raw).strip()
        if line and not is_boilerplate(line):
            lines.append(line)
    return lines


def source_lines(text: str) -> list[str]:
    """The folded lines that attribute the page to an outlet (``来源：…``, ``转自…``, ``Source: …``)."""
    return [line for raw in fold(text).splitlines() if _SOURCE_LABEL.match(line := raw.strip())]


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def compact(line: str) -> str:
    """Letters and digits only: whitespace and punctuation of every width removed (Unicode letters
    and numbers are what ``\\w`` matches, less the underscore)."""
    return _NOT_LETTER_OR_DIGIT.sub("", line)


def words(line: str) -> list[str]:
    """Runs of letters and digits (English words; a Chinese run counts as one word)."""
    return re.findall(r"[^\W_]+", line)
