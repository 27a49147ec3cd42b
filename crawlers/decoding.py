"""Decode HTML bytes the way Chinese government pages need: GBK/GB2312/GB18030 pages whose charset
is in the HTTP header, only in a meta tag, missing, or wrong in the header; and pages in other
charsets (Big5, windows-1251, …) that declare none, whose charset is detected with charset-normalizer.

w3lib reads what a page declares (byte order mark, HTTP header, meta tag or XML declaration, with
GB2312/GBK read as their superset GB18030). What w3lib cannot tell is kept here: that valid UTF-8
wins over a wrong declaration, that a declaration which does not fit the bytes is wrong, which charset
a page that declares none is in (GB-family check, then charset-normalizer, as w3lib's
``auto_detect_fun``), and how damaged a reading is."""

from __future__ import annotations

from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    read_bom,
    resolve_encoding,
    to_unicode,
)

# What servers send when nobody configured a charset (as w3lib resolves them): not a declaration.
_SINGLE_BYTE_DEFAULTS = {"cp1252", "iso8859-15"}
GB18030 = "gb18030"  # superset of GBK and GB2312: decoding with it never loses what they encode
REPLACEMENT = "\ufffd"
UNSURE = "no charset declared and charset-normalizer cannot tell which it is"
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
    """The first reading of ``body`` that decodes cleanly, else the least damaged one.

    Readings in order: a byte order mark (final), the source's override, UTF-8 (bytes that are valid
    UTF-8 almost never are anything else), then what the page declares as w3lib reads it: the HTTP
    header, the meta tag. With nothing declared (or only a single-byte default such as
    ``ISO-8859-1`` in the header), GB18030 when the text reads as GB-family Chinese, else the charset
    charset-normalizer detects; when it cannot tell, the declared single-byte charset if any, else
    the page is marked ``unsure``.
    """
    if read_bom(body)[0] is not None:
        return _measured(body, *html_to_unicode(None, body))
    readings: list[DecodedPage] = []
    for name in dict.fromkeys(filter(None, [_resolve(override), "utf-8"])):
        readings.append(_measured(body, name, to_unicode(body, name)))
        if readings[-1].bad_ratio == 0:
            return readings[-1]
    header = _resolve(header_charset)
    default_header = header if header in _SINGLE_BYTE_DEFAULTS else None
    content_type = f"text/html; charset={header}" if header and not default_header else None
    sniffer = _Sniffer(default_header)
    page = _measured(body, *html_to_unicode(content_type, body, GB18030, sniffer))
    if sniffer.asked:  # the page declares nothing: ``page`` is the sniffed reading
        return _undeclared(page, readings, sniffer.guess is None, override is not None)
    if page.bad_ratio == 0:
        return page
    return _wrongly_declared(body, [*readings, page], content_type, sniffer)


def _wrongly_declared(
    body: bytes, readings: list[DecodedPage], content_type: str | None, sniffer: _Sniffer
) -> DecodedPage:
    """A declared charset does not fit: the meta tag when the header was wrong, else the sniffed
    reading, else the least damaged reading, measured as such."""
    meta = html_body_declared_encoding(body) if content_type else None
    if meta and meta != readings[-1].encoding:
        readings.append(_measured(body, meta, to_unicode(body, meta)))
        if readings[-1].bad_ratio == 0:
            return readings[-1]
    guess = sniffer(body)
    if guess is not None:
        sniffed = _measured(body, guess, to_unicode(body, guess))
        if sniffed.bad_ratio == 0:
            return sniffed
        readings.append(sniffed)
    return min(readings, key=lambda reading: reading.bad_ratio)


def _undeclared(
    page: DecodedPage, readings: list[DecodedPage], unsure: bool, overridden: bool
) -> DecodedPage:
    if unsure and not overridden:
        return DecodedPage(page.text, page.encoding, page.bad_ratio, unsure=UNSURE)
    if page.bad_ratio == 0 and not unsure:
        return page
    return min([*readings, *([] if unsure else [page])], key=lambda reading: reading.bad_ratio)


class _Sniffer:
    """w3lib's ``auto_detect_fun``: remembers whether it was asked and what it guessed."""

    def __init__(self, default_header: str | None) -> None:
        self.default_header = default_header
        self.asked = False
        self.guess: str | None = None

    def __call__(self, body: bytes) -> str | None:
        if not self.asked:
            self.asked, self.guess = True, sniff_charset(body, self.default_header)
        return self.guess


def sniff_charset(body: bytes, default_header: str | None = None) -> str | None:
    """The charset of a page that declares none: GB18030 when it reads cleanly as GB-family Chinese,
    else what charset-normalizer detects, else the server's single-byte default, else None."""
    try:
        if looks_like_gb_chinese(body.decode(GB18030)):
            return GB18030
    except UnicodeDecodeError:
        pass
    return detect_charset(body, default_header) or default_header


def detect_charset(body: bytes, preferred: str | None = None) -> str | None:
    """The charset charset-normalizer finds for ``body``, or None when it is unsure.

    ``preferred`` (a declared single-byte charset) wins when it reads the page as cleanly as the best guess.
    """
    matches = list(from_bytes(body))
    sure = [m for m in matches if m.chaos <= MAX_DETECTED_CHAOS]
    if not sure:
        return None
    best = min(sure, key=lambda m: (m.chaos, -m.coherence))
    if preferred and any(_resolve(m.encoding) == preferred and m.chaos <= best.chaos for m in sure):
        return preferred
    return best.encoding


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


def _measured(body: bytes, encoding: str, text: str) -> DecodedPage:
    """``text`` (``body`` read as ``encoding``) with the share of characters that could not be decoded."""
    if REPLACEMENT in text:
        try:
            body.decode(encoding)  # the page itself may spell U+FFFD
        except UnicodeDecodeError:
            return DecodedPage(text, encoding, text.count(REPLACEMENT) / max(len(text), 1))
    return DecodedPage(text, encoding, 0.0)


def _resolve(name: str | None) -> str | None:
    """The codec w3lib reads ``name`` with (GBK and GB2312 as GB18030), None for unknown names."""
    return resolve_encoding(name.strip()) if name and name.strip() else None
