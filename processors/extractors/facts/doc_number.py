"""The document number (文号) a Chinese notice carries under its title: 京经信发〔2024〕12号."""

from __future__ import annotations

import re

from processors.extractors.facts.dates import ascii_digits

_OPEN = re.escape("〔[［【(（")
_CLOSE = re.escape("〕]］】)）")
# An issuer code (2-10 Han characters, 京经信发, 工信部联科), the year in brackets, the serial number.
_DOC_NUMBER = re.compile(
    rf"(?P<code>[\u4e00-\u9fff]{{2,10}})\s*[{_OPEN}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE}]"
    r"\s*(?P<serial>第?\d{1,5})\s*号"
)
_LABEL = re.compile(r"(?:发文字号|发文文号|文\s*号|字\s*号)\s*[:：]?\s*$")
# Words that end up glued before a code when a number is quoted inline (根据京经信发〔2024〕12号).
_LEADING_WORDS = re.compile(r"^(?:根据|按照|依据|参照|参考|见|详见|按|据|依|即|和|及|与|以及|、)+")


def normalise_doc_number(code: str, year: str, serial: str) -> str:
    return f"{code}〔{year}〕{serial}号"


def find_doc_number(text: str, lang: str = "zh") -> str | None:
    """This document's own 文号, brackets normalised to 〔〕 and digits to ASCII; None when it
    gives none.

    A number counts when it stands on a line of its own (under the title, in the signature block),
    follows a 文号 label, or closes the headline in brackets; numbers quoted after a cited document
    (《……》（国发〔2017〕35号）) or inside a sentence belong to other documents. An English text
    that quotes a number in Chinese form ("the notice (京经信发〔2024〕12号)") quotes its subject's.
    """
    digits = ascii_digits(text)
    for match in _DOC_NUMBER.finditer(digits):
        code = _own_code(digits, match) if lang == "zh" else _LEADING_WORDS.sub("", match["code"])
        if code:
            return normalise_doc_number(code, match["year"], match["serial"])
    return None


def _own_code(text: str, match: re.Match) -> str | None:
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    before = text[line_start : match.start()]
    after = text[match.end() : line_end if line_end != -1 else len(text)]
    code = match["code"]
    if _LABEL.search(before):
        return _LEADING_WORDS.sub("", code) or None
    bracketed = before.strip().endswith(("（", "(")) and after.strip().startswith(("）", ")"))
    if before.strip().endswith(("》（", "》(")):
        return None
    alone = not before.strip() and not after.strip(" ）)。")
    first_line = line_start == 0
    if alone or (bracketed and (first_line or before.strip() in ("（", "("))):
        return code
    return None
