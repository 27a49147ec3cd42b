"""Traditional Chinese is folded to Simplified for search; other text is left as it is."""

from __future__ import annotations

from indexer.mapping import document_from_record
from indexer.text_fold import fold_script, folded_copy, has_han
from tests.unit.indexer.test_policy_facts_index import record


def test_traditional_characters_become_simplified():
    assert fold_script("人工智能資助計劃") == "人工智能资助计划"
    assert fold_script("臺中市政府經濟發展局") == "台中市政府经济发展局"


def test_simplified_and_latin_text_is_unchanged():
    assert fold_script("深圳市算力券申报") == "深圳市算力券申报"
    assert fold_script("Computing vouchers, 50% off") == "Computing vouchers, 50% off"


def test_has_han_sees_chinese_characters_only():
    assert has_han("AI 芯片")
    assert not has_han("AI chips ÄÖ – ①")


def test_a_folded_copy_exists_only_when_folding_changes_the_text():
    assert folded_copy("數據標註基地") == "数据标注基地"
    assert folded_copy("数据标注基地") is None
    assert folded_copy("") is None
    assert folded_copy(None) is None


def test_the_indexed_document_carries_folded_copies_of_a_traditional_title_and_body():
    doc = document_from_record(record(title="香港資助計劃", text="算力使用費用的七成"))
    assert doc["folded"] == {"title": "香港资助计划", "text": "算力使用费用的七成"}
    assert doc["title"] == "香港資助計劃"  # the original stays for display and highlighting


def test_a_simplified_document_has_no_folded_copy():
    doc = document_from_record(record(title="香港资助计划", text="算力券"))
    assert "folded" not in doc
