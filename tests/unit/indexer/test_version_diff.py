"""The diff between two versions of a document: fact changes matched by role and told in short
sentences, and a capped sentence-level text diff."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.versions.diff import version_diff
from indexer.versions.facts import Change, fact_changes, sentence
from indexer.versions.text import sentences, text_diff

TITLE = "关于开展2024年算力补贴申报工作的通知"


def money(text: str, body: str, value: float, *, cap: bool = True, subsidy: bool = True, nth: int = 0):
    """A money entity for the ``nth`` occurrence of ``text`` in ``body`` (offsets into title + body)."""
    start = len(TITLE) + 2 + _find(body, text, nth)
    return {
        "text": text,
        "start": start,
        "end": start + len(text),
        "value": value,
        "currency": "CNY",
        "value_cny": value,
        "is_subsidy": subsidy,
        "qualifier": "max" if cap else None,
    }


def percent(text: str, body: str, value: float) -> dict[str, Any]:
    start = len(TITLE) + 2 + body.index(text)
    return {"text": text, "start": start, "end": start + len(text), "value": value}


def _find(body: str, text: str, nth: int) -> int:
    at = -1
    for _ in range(nth + 1):
        at = body.index(text, at + 1)
    return at


def doc(body: str, *, money_=(), percent_=(), places=(), companies=(), title=TITLE, **facts) -> dict:
    return {
        "title": title,
        "text": body,
        "entities": {
            "money": list(money_),
            "percent": list(percent_),
            "places": [{"text": p, "canonical": p, "level": "city"} for p in places],
            "companies": [{"text": c, "canonical": c} for c in companies],
        },
        "facts": {"issuers": [], **facts},
    }


def sentences_of(old: dict, new: dict) -> list[str]:
    return [sentence(change) for change in fact_changes(old, new)]


def test_a_raised_cap_is_one_change_matched_by_its_role():
    before = "对符合条件的企业给予最高5000万元补贴。"
    after = "对符合条件的企业给予最高1亿元补贴。"
    old = doc(before, money_=[money("5000万元", before, 5e7)])
    new = doc(after, money_=[money("1亿元", after, 1e8)])
    [change] = fact_changes(old, new)
    assert (change.field, change.kind, change.role) == ("money", "changed", "subsidy cap")
    assert sentence(change) == "subsidy cap raised from 50,000,000 CNY to 100,000,000 CNY"


def test_a_lowered_amount_and_an_unchanged_one_beside_it():
    before = "给予不超过300万元补贴，另给予50万元奖励。"
    after = "给予不超过200万元补贴，另给予50万元奖励。"
    old = doc(before, money_=[money("300万元", before, 3e6), money("50万元", before, 5e5, cap=False)])
    new = doc(after, money_=[money("200万元", after, 2e6), money("50万元", after, 5e5, cap=False)])
    assert sentences_of(old, new) == ["subsidy cap lowered from 3,000,000 CNY to 2,000,000 CNY"]


def test_amounts_of_different_roles_are_never_paired():
    before = "单个项目最高补贴100万元。"
    after = "项目总投资不低于100万元。"
    old = doc(before, money_=[money("100万元", before, 1e6)])
    new_money = {**money("100万元", after, 1e6, cap=False, subsidy=False), "qualifier": "min"}
    new = doc(after, money_=[new_money])
    assert sentences_of(old, new) == [
        "minimum of 1,000,000 CNY added",
        "subsidy cap of 1,000,000 CNY removed",
    ]


def test_among_caps_of_one_role_the_words_around_each_decide_which_changed():
    before = "算力券最高补贴500万元；模型研发最高补贴1000万元。"
    after = "模型研发最高补贴2000万元；算力券最高补贴500万元。"
    old = doc(before, money_=[money("500万元", before, 5e6), money("1000万元", before, 1e7)])
    new = doc(after, money_=[money("2000万元", after, 2e7), money("500万元", after, 5e6)])
    assert sentences_of(old, new) == ["subsidy cap raised from 10,000,000 CNY to 20,000,000 CNY"]


def test_two_changed_caps_keep_their_own_partners_when_reordered():
    before = "算力券最高补贴500万元；模型研发最高补贴1000万元。"
    after = "模型研发最高补贴1500万元；算力券最高补贴800万元。"
    old = doc(before, money_=[money("500万元", before, 5e6), money("1000万元", before, 1e7)])
    new = doc(after, money_=[money("1500万元", after, 1.5e7), money("800万元", after, 8e6)])
    assert sentences_of(old, new) == [
        "subsidy cap raised from 5,000,000 CNY to 8,000,000 CNY",
        "subsidy cap raised from 10,000,000 CNY to 15,000,000 CNY",
    ]


def test_an_added_and_a_removed_amount():
    before = "给予最高100万元补贴。"
    after = "给予最高100万元补贴。另设奖励资金20万元。"
    old = doc(before, money_=[money("100万元", before, 1e6)])
    new = doc(after, money_=[money("100万元", after, 1e6), money("20万元", after, 2e5, cap=False)])
    assert sentences_of(old, new) == ["subsidy of 200,000 CNY added"]
    assert sentences_of(new, old) == ["subsidy of 200,000 CNY removed"]


def test_a_currency_change_compares_in_cny():
    before = "up to US$1 million"
    after = "up to 5 million yuan"
    usd = {**money("US$1 million", before, 1e6), "currency": "USD", "value_cny": 7.2e6}
    old, new = doc(before, money_=[usd]), doc(after, money_=[money("5 million yuan", after, 5e6)])
    assert sentences_of(old, new) == ["subsidy cap lowered from 1,000,000 USD to 5,000,000 CNY"]


def test_ratios_changed_added_and_removed():
    before = "按设备投资额的30%给予补助。"
    after = "按设备投资额的50%给予补助，贷款贴息2.5%。"
    old = doc(before, percent_=[percent("30%", before, 30)])
    new = doc(after, percent_=[percent("50%", after, 50), percent("2.5%", after, 2.5)])
    assert sentences_of(old, new) == ["ratio raised from 30% to 50%", "ratio of 2.5% added"]


def test_the_deadline_moved_and_the_application_start_added():
    old = doc("x", deadline="2024-05-31")
    new = doc("x", deadline="2024-06-15", apply_from="2024-05-01")
    assert sentences_of(old, new) == [
        "deadline moved from 2024-05-31 to 2024-06-15",
        "application start added: 2024-05-01",
    ]
    assert sentences_of(new, doc("x")) == [
        "deadline removed (was 2024-06-15)",
        "application start removed (was 2024-05-01)",
    ]


def test_places_companies_and_issuers_added_or_removed_by_canonical_name():
    old = doc("x", places=["Beijing", "Tianjin"], companies=["Huawei"])
    new = doc(
        "x",
        places=["Beijing", "Hebei", "Hebei"],
        companies=["Huawei", "iFlytek"],
        issuers=[{"text": "工信部", "canonical": "MIIT", "start": 0, "end": 3}],
    )
    assert sentences_of(old, new) == [
        "places added: Hebei",
        "places removed: Tianjin",
        "companies added: iFlytek",
        "issuers added: MIIT",
    ]


def test_a_draft_that_became_final_with_a_number_and_a_new_title():
    old = doc("x", title="关于征求意见稿的通知", doc_type="draft")
    new = doc("x", title="关于印发办法的通知", doc_type="measures", doc_number="京经信发〔2024〕12号")
    assert sentences_of(old, new) == [
        "document type changed from draft to measures",
        "document number added: 京经信发〔2024〕12号",
        "title changed from “关于征求意见稿的通知” to “关于印发办法的通知”",
    ]


def test_identical_documents_have_no_changes_and_whitespace_in_titles_is_no_change():
    body = "给予最高100万元补贴。"
    old = doc(body, money_=[money("100万元", body, 1e6)], places=["Beijing"], deadline="2024-05-31")
    new = {**old, "title": f"  {TITLE} "}
    assert fact_changes(old, new) == []


def test_documents_without_facts_or_entities_compare_as_empty():
    assert fact_changes({"title": "a"}, {"title": "a", "facts": None, "entities": None}) == []


def test_a_change_as_a_dict_carries_its_sentence():
    change = Change("deadline", "changed", "2024-05-31", "2024-06-15")
    assert change.as_dict() == {
        "field": "deadline",
        "kind": "changed",
        "old": "2024-05-31",
        "new": "2024-06-15",
        "role": None,
        "sentence": "deadline moved from 2024-05-31 to 2024-06-15",
    }


def test_long_titles_are_shortened_in_sentences():
    change = Change("title", "changed", "甲" * 100, "乙")
    assert sentence(change) == f"title changed from “{'甲' * 80}…” to “乙”"


def test_decimal_amounts_keep_their_decimals():
    change = Change("money", "added", new={"value": 1234.5, "currency": "CNY"}, role="amount")
    assert sentence(change) == "amount of 1,234.5 CNY added"


# Text diff -------------------------------------------------------------------------------------------
def test_sentences_split_chinese_and_english_text():
    assert sentences("第一条。第二条！\n  Third one. Fourth?  第五；") == [
        "第一条。",
        "第二条！",
        "Third one.",
        "Fourth?",
        "第五；",
    ]


def test_the_text_diff_shows_changed_sentences_with_one_of_context():
    common = "三、联系方式。四、申报材料。五、评审。六、附件。"
    old = "一、申报对象。二、申报截止时间为2024年5月31日。" + common
    new = "一、申报对象。二、申报截止时间为2024年6月15日。" + common + "七、新增条款。"
    diff = text_diff(old, new)
    assert diff.text.splitlines() == [
        "@@ -1,3 +1,3 @@",
        " 一、申报对象。",
        "-二、申报截止时间为2024年5月31日。",
        "+二、申报截止时间为2024年6月15日。",
        " 三、联系方式。",
        "@@ -6 +6,2 @@",
        " 六、附件。",
        "+七、新增条款。",
    ]
    assert (diff.added, diff.removed, diff.truncated) == (2, 1, False)


def test_the_same_text_has_an_empty_diff():
    assert text_diff("同一段文字。", "同一段文字。  ") == text_diff("", "").__class__("", 0, 0, False)


@pytest.mark.parametrize(("max_lines", "max_chars"), [(5, 100_000), (1000, 60)])
def test_a_long_diff_is_capped_by_lines_or_characters(max_lines, max_chars):
    old = "".join(f"旧句子{i}。" for i in range(50))
    new = "".join(f"新句子{i}。" for i in range(50))
    diff = text_diff(old, new, max_lines=max_lines, max_chars=max_chars)
    lines = diff.text.splitlines()
    assert diff.truncated and diff.added == diff.removed == 50
    assert lines[-1].endswith("more line(s) not shown") and lines[-1].startswith("… ")
    assert len(lines) - 1 <= max_lines and len("\n".join(lines[:-1])) <= max_chars


def test_version_diff_combines_the_changes_their_sentences_and_the_text():
    old = doc("截止时间为5月31日。", deadline="2024-05-31")
    new = doc("截止时间为6月15日。", deadline="2024-06-15")
    diff = version_diff(old, new)
    assert diff["summary"] == ["deadline moved from 2024-05-31 to 2024-06-15"]
    assert diff["changes"][0]["sentence"] == diff["summary"][0]
    assert diff["text"].splitlines()[1:] == ["-截止时间为5月31日。", "+截止时间为6月15日。"]
    assert (diff["sentences_added"], diff["sentences_removed"], diff["text_truncated"]) == (1, 1, False)
