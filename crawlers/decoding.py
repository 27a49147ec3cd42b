"""Decode HTML bytes the way Chinese government pages need: GBK/GB2312/GB18030 pages whose charset
is in the HTTP header, only in a meta tag, missing, or wrong in the header."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    bad_ratio: float  # share of characters that could not be decoded


def decode_html(body: bytes, header_charset: str | None = None, override: str | None = None) -> DecodedPage:
    """The first candidate encoding that decodes ``body`` cleanly, else the least damaged one.

    Candidates in order: the source's override, a BOM, UTF-8 (bytes that are valid UTF-8 almost never
    are anything else), the meta tag, the HTTP header, GB18030, and last a single-byte header charset
    (servers often send ``ISO-8859-1`` by default, and a single-byte codec decodes anything).
    """
    if body.startswith(codecs.BOM_UTF8):
        return DecodedPage(body[3:].decode("utf-8", "replace"), "utf-8", 0.0)
    meta = _META_CHARSET.search(body[:4096])
    meta_charset = meta.group(1).decode("ascii") if meta else None
    header = _normalise(header_charset) if header_charset else None
    single_byte = header in _SINGLE_BYTE
    candidates = [override, "utf-8", meta_charset, None if single_byte else header, "gb18030", header]
    tried: list[DecodedPage] = []
    for name in dict.fromkeys(_normalise(c) for c in candidates if c):
        try:
            return DecodedPage(body.decode(name), name, 0.0)
        except UnicodeDecodeError:
            text = body.decode(name, "replace")
            tried.append(DecodedPage(text, name, text.count(REPLACEMENT) / max(len(text), 1)))
        except LookupError:
            continue
    return min(tried, key=lambda page: page.bad_ratio)


def _normalise(name: str) -> str:
    name = name.strip().lower()
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _SUPERSETS.get(name, _SUPERSETS.get(canonical, canonical))
