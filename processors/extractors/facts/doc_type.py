"""What kind of document a text is: notice, measures, plan, publicity, draft or news.

Official Chinese documents say so in the last words of their title (……若干措施, ……的通知, ……的公示);
a notice that transmits another document (关于印发《……》的通知) takes that document's kind. Anything
else (a headline, a dateline, a press release) is news.
"""

from __future__ import annotations

import re

# The last word of a title -> its kind, longest first where one word ends another.
_ZH_KINDS = (
    ("draft", ("征求意见稿", "征求意见的通知", "征求意见的公告", "征求意见")),
    ("publicity", ("公示", "公示名单", "公示的通知", "公示的公告")),
    ("notice", ("申报指南", "申报指引", "申请指南", "工作指引", "申报通知", "实施指南（申报）")),
    (
        "measures",
        (
            "若干措施",
            "若干政策",
            "政策措施",
            "支持措施",
            "扶持措施",
            "措施",
            "政策",
            "管理办法",
            "办法",
            "实施细则",
            "细则",
            "规定",
            "条例",
            "规则",
            "政策意见",
        ),
    ),
    (
        "plan",
        (
            "规划",
            "行动计划",
            "计划",
            "实施方案",
            "工作方案",
            "行动方案",
            "方案",
            "指导意见",
            "实施意见",
            "意见",
            "指南",
            "纲要",
            "路线图",
            "白皮书",
        ),
    ),
    ("notice", ("通知", "公告", "通告", "决定", "函", "批复", "通报", "名单")),
)
_ZH_TRAILING = re.compile(r"(?:[（(][^（）()]{1,12}[）)]|\s|[。.])+$")
_ZH_TRANSMITS = re.compile(
    r"(?:印发|转发|发布|颁布|出台)\s*《?(?P<inner>[^《》]+?)》?\s*的?(?:通知|公告|通告)"
)
_ZH_OFFICIAL_START = re.compile(r"^[^\n]{0,80}[：:]\s*$", re.MULTILINE)
_EN_DATELINE = re.compile(
    r"^[A-Z][A-Za-z'.\- ,]{1,40}(?:,\s*[A-Z][a-z]+\.? \d{1,2})?\s+[—–-]{1,2}\s", re.MULTILINE
)
_EN_TITLE_KINDS = (
    ("draft", re.compile(r"\bdraft\b.*\b(comment|consultation|opinion)", re.IGNORECASE)),
    ("publicity", re.compile(r"^(publicity|public notice of the list)\b", re.IGNORECASE)),
    (
        "measures",
        re.compile(r"^(?:the\s+)?(?:[\w'-]+\s+){0,8}?(measures|rules|regulations|provisions)\b", re.I),
    ),
    ("plan", re.compile(r"^(?:the\s+)?(?:[\w'-]+\s+){0,8}?(action plan|plan|guidelines?|opinions)\b", re.I)),
    ("notice", re.compile(r"^(notice|announcement|circular)\b", re.IGNORECASE)),
)


def classify_doc_type(text: str, lang: str) -> str:
    """One of policyradar.schemas.DOC_TYPES for a title + body text."""
    title, _, body = text.strip().partition("\n")
    if lang == "zh":
        return _zh_kind(title.strip(), body)
    return _en_kind(title.strip(), body)


def _zh_kind(title: str, body: str) -> str:
    if re.search(r"征求意见稿|公开征求.{0,30}意见", title) and not _looks_like_news(title, body):
        return "draft"
    if _looks_like_news(title, body):
        return "news"
    transmitted = _ZH_TRANSMITS.search(title)
    if transmitted and transmitted["inner"]:
        inner = _zh_title_kind(transmitted["inner"])
        if inner and inner != "notice":
            return inner
    return _zh_title_kind(title) or "notice"


def _zh_title_kind(title: str) -> str | None:
    stripped = _ZH_TRAILING.sub("", title.rstrip("》"))
    for kind, words in _ZH_KINDS:
        if stripped.endswith(words):
            return kind
    return None


def _looks_like_news(title: str, body: str) -> bool:
    """A headline rather than a document title: it names no kind of document at its end (or ends
    on a quoted title, 六部门印发《……》), and the body opens without an addressee line (各有关单位：)."""
    if _zh_title_kind(title) and not title.rstrip().endswith("》"):
        return False
    head = body.lstrip()[:200]
    return not _ZH_OFFICIAL_START.match(head)


def _en_kind(title: str, body: str) -> str:
    if _EN_DATELINE.search(body.lstrip()[:200]) or not title:
        return "news"
    for kind, pattern in _EN_TITLE_KINDS:
        if pattern.search(title):
            return kind
    return "news"
