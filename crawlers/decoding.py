"""Decode HTML bytes the way Chinese government pages need: GBK/GB2312/GB18030 pages whose charset
is in the HTTP header, only in a meta tag, missing, or wrong in the header; and pages in other
charsets (Big5, windows-1251, …) that declare none, whose charset is detected with charset-normalizer."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# GB18030 is a superset of GBK and GB2312: decoding with it never loses what they encode.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
}
_SINGLE_BYTE = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
REPLACEMENT = "\ufffd"
# Text decoded as GB18030 counts as Chinese in the GB family when at least this share of its
# non-ASCII characters are GB2312 hanzi or CJK punctuation (Big5 bytes read as GB18030 give kana,
# bopomofo, box drawing and rare characters instead).
GB_COMMON_SHARE = 0.9
# charset-normalizer's "chaos" (0 = clean text, 1 = noise) above which its guess is not trusted.
MAX_DETECTED_CHAOS = 0.1


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    bad_ratio: float  # share of characters that could not be decoded
    unsure: str | None = None  # why the charset could not be told, when it could not

    def unusable_reason(self, max_bad_ratio: float) -> str | None:
        """Why the page should be quarantined instead of indexed, or None when it decoded well."""
        if self.unsure:
            return self.unsure
        if self.bad_ratio > max_bad_ratio:
            return f"page decodes badly as {self.encoding} ({self.bad_ratio:.1%} undecodable characters)"
        return None


def decode_html(body: bytes, header_charset: str | None = None, override: str | None = None) -> DecodedPage:
    """The first candidate encoding that decodes ``body`` cleanly, else the least damaged one.

    Candidates in order: the source's override, a BOM, UTF-8 (bytes that are valid UTF-8 almost never
    are anything else), the meta tag, the HTTP header. With none of those usable (no charset declared,
    or only a single-byte default such as ``ISO-8859-1``), GB18030 when the text reads as GB-family
    Chinese, else the charset charset-normalizer detects; when it cannot tell, the declared
    single-byte charset if any, else the page is marked ``unsure``.
    """
    if body.startswith(codecs.BOM_UTF8):
        return DecodedPage(body[3:].decode("utf-8", "replace"), "utf-8", 0.0)
    meta = _META_CHARSET.search(body[:4096])
    meta_charset = meta.group(1).decode("ascii") if meta else None
    header = _normalise(header_charset) if header_charset else None
    single_byte = header in _SINGLE_BYTE
    declared = [override, meta_charset, None if single_byte else header]
    tried: list[DecodedPage] = []
    for name in _names([override, "utf-8", *declared[1:]]):
        page = _try(body, name)
        if page is None:
            continue
        if page.bad_ratio == 0:
            return page
        tried.append(page)
    undeclared = _undeclared(body, header if single_byte else None)
    if undeclared.bad_ratio == 0 and not undeclared.unsure:
        return undeclared
    if undeclared.unsure and not any(declared):
        return undeclared
    # A declared charset that does not fit: the least damaged reading, measured as such.
    candidates = [*tried, *([] if undeclared.unsure else [undeclared])]
    return min(candidates, key=lambda page: page.bad_ratio)


def _undeclared(body: bytes, single_byte_header: str | None) -> DecodedPage:
    """Decode a page whose declared charsets (if any) did not fit: GB family, detected, or unsure."""
    gb = _try(body, "gb18030")
    if gb is not None and gb.bad_ratio == 0 and looks_like_gb_chinese(gb.text):
        return gb
    detected = detect_charset(body, single_byte_header)
    if detected is not None:
        return _try(body, detected) or DecodedPage(body.decode("cp1252", "replace"), detected, 1.0)
    if single_byte_header:
        return _try(body, single_byte_header) or DecodedPage("", single_byte_header, 1.0)
    fallback = gb if gb is not None else DecodedPage(body.decode("utf-8", "replace"), "utf-8", 1.0)
    return DecodedPage(
        fallback.text,
        fallback.encoding,
        fallback.bad_ratio,
        unsure="no charset declared and charset-normalizer cannot tell which it is",
    )


def detect_charset(body: bytes, preferred: str | None = None) -> str | None:
    """The charset charset-normalizer finds for ``body``, or None when it is unsure.

    ``preferred`` (a declared single-byte charset) wins when it reads the page as cleanly as the best guess.
    """
    matches = list(from_bytes(body))
    sure = [m for m in matches if m.chaos <= MAX_DETECTED_CHAOS]
    if not sure:
        return None
    best = min(sure, key=lambda m: (m.chaos, -m.coherence))
    if preferred and any(_normalise(m.encoding) == preferred and m.chaos <= best.chaos for m in sure):
        return preferred
    return _normalise(best.encoding)


def looks_like_gb_chinese(text: str) -> bool:
    """True when the non-ASCII characters are mostly GB2312 hanzi and CJK punctuation."""
    wide = [char for char in text if ord(char) > 127]
    if not wide:
        return True
    common = sum(1 for char in wide if _is_common_gb(char))
    return common >= GB_COMMON_SHARE * len(wide)


def _is_common_gb(char: str) -> bool:
    try:
        lead = char.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return 0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xF7


def _try(body: bytes, name: str) -> DecodedPage | None:
    """``body`` decoded as ``name`` (with the share of undecodable characters), None for unknown names."""
    try:
        return DecodedPage(body.decode(name), name, 0.0)
    except UnicodeDecodeError:
        text = body.decode(name, "replace")
        return DecodedPage(text, name, text.count(REPLACEMENT) / max(len(text), 1))
    except LookupError:
        return None


def _names(candidates: list[str | None]) -> list[str]:
    return list(dict.fromkeys(_normalise(c) for c in candidates if c))


def _normalise(name: str) -> str:
    name = name.strip().lower()
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _SUPERSETS.get(name, _SUPERSETS.get(canonical, canonical))
