"""The whole zh and en pipelines on adversarial texts: every entity keeps the DESIGN.md shape, its
offsets inside the text and its text equal to the slice they name, and the facts keep theirs. The
inputs are sized to finish in seconds (each once took minutes or raised)."""

from __future__ import annotations

import json
import random

import pytest

from policyradar.schemas import ENTITY_FIELDS, PolicyFacts
from processors.extract_cli import extract_text


def _random_unicode(length: int, seed: int = 10) -> str:
    """Printable-range code points from every plane up to 2 (astral ones included), no surrogates."""
    rng = random.Random(seed)
    chars = []
    while len(chars) < length:
        code = rng.randint(0x20, 0x2FFFF)
        if not 0xD800 <= code <= 0xDFFF:
            chars.append(chr(code))
    return "".join(chars)


ADVERSARIAL = {
    "empty": "",
    "whitespace": " \n\t\u3000 \r\n ",
    "one Chinese character": "中" * 50_000,
    "a single line of digits and 万": ("1234567890万" * 2_000)[:20_000],
    "random Unicode": _random_unicode(5_000),
    "astral characters": "𠀀𪚥🎉" * 2_000,
    "HTML junk": "<html><body>"
    + "<p class='x'>&nbsp;补贴100万元</p><script>var a = '$5 million';</script>" * 200
    + "</body>",
    "a table on one line": "补贴" + "，".join(["最高100万元"] * 2_000),
    "a 400-digit amount": "补贴" + "9" * 400 + "元, a grant of " + "9" * 400 + " yuan",
    "Traditional script only": "香港特別行政區政府創新科技署資助企業最高港幣一億元，補貼比例為三成。" * 100,
    "mixed scripts": "Alibaba Cloud 阿里云 raised $5 million 补贴500万元，请于2025年12月31日前申报。" * 100,
}


def _assert_span(text: str, span: dict) -> None:
    assert isinstance(span["start"], int) and isinstance(span["end"], int)
    assert 0 <= span["start"] <= span["end"] <= len(text)
    assert text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_texts_give_valid_entities_with_offsets_inside_the_text(name, lang):
    text = ADVERSARIAL[name]
    result = extract_text(text, lang)
    json.dumps(result, allow_nan=False)  # no NaN or infinite values
    assert result["lang"] == lang
    for field in ENTITY_FIELDS:
        for span in result[field]:
            _assert_span(text, span)
    for amount in result["money"]:
        assert amount["value"] > 0 and isinstance(amount["is_subsidy"], bool)
    for ratio in result["percent"]:
        assert 0 < ratio["value"] <= 100
    facts = PolicyFacts.model_validate(result["facts"])
    for issuer in result["facts"]["issuers"]:
        _assert_span(text, issuer)
    assert facts.doc_type
