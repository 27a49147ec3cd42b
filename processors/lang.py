"""Language detection good enough to route a notice to the English or Chinese pipeline."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """``zh`` when Han characters carry at least as much of the text as Latin letters, else ``en``."""
    sample = text[:5000]
    han = len(_CJK.findall(sample))
    latin = len(_LATIN.findall(sample))
    # A Han character carries about as much as three Latin letters.
    return "zh" if han and han * 3 >= latin else "en"
