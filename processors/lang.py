"""Language detection good enough to route a notice to the English or Chinese pipeline."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """``zh`` when Han characters make up at least a fifth of the letters, else ``en``."""
    sample = text[:5000]
    han = len(_CJK.findall(sample))
    latin_words = len(_LATIN.findall(sample)) / 5  # about five letters per English word
    if han == 0:
        return "en"
    return "zh" if han >= 0.2 * (han + latin_words) else "en"
