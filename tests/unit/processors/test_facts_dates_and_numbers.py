"""Dates in every form policy texts use, the document's own year, and the 文号."""

from __future__ import annotations

import pytest

from processors.extractors.facts.dates import LooseDate, document_year, find_dates
from processors.extractors.facts.doc_number import find_doc_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("申报截止时间为2024年5月31日。", LooseDate(2024, 5, 31)),
        ("二〇二四年五月三十一日", LooseDate(2024, 5, 31)),
        ("二〇二三年十二月十日", LooseDate(2023, 12, 10)),
        ("２０２４年６月３０日前报送", LooseDate(2024, 6, 30)),
        ("请于5月31日前提交", LooseDate(None, 5, 31)),
        ("于2024-07-15前完成", LooseDate(2024, 7, 15)),
        ("截至2024.8.1", LooseDate(2024, 8, 1)),
        ("applications close on May 31, 2024.", LooseDate(2024, 5, 31)),
        ("by 30 June 2025", LooseDate(2025, 6, 30)),
        ("before Sept. 15", LooseDate(None, 9, 15)),
    ],
)
def test_dates_are_read_in_chinese_numerals_full_width_digits_and_english(text, expected):
    assert [hit.value for hit in find_dates(text)] == [expected]


def test_days_that_are_not_on_the_calendar_are_not_dates():
    assert find_dates("2月30日 and February 30, 2024") == []


def test_date_offsets_point_into_the_original_text_even_with_full_width_digits():
    text = "时间：２０２４年５月６日"
    (hit,) = find_dates(text)
    assert text[hit.start : hit.end] == "２０２４年５月６日"


def test_a_year_less_date_is_written_in_iso_form_without_a_year_and_read_back():
    assert LooseDate(None, 5, 31).iso() == "--05-31"
    assert LooseDate.from_iso("--05-31") == LooseDate(None, 5, 31)
    assert LooseDate.from_iso("2024-05-31").to_date().isoformat() == "2024-05-31"


def test_the_document_year_comes_from_the_date_under_the_signature():
    text = "关于开展申报工作的通知\n各有关单位：\n请于6月30日前报送。\n\n杭州市经济和信息化局\n2023年5月8日"
    assert document_year(text) == 2023


def test_the_document_year_reads_a_signature_date_in_chinese_numerals():
    assert document_year("某某通知\n正文。\n某市人民政府\n二〇二五年一月三日") == 2025


def test_without_a_signature_the_year_comes_from_the_doc_number_then_the_headline():
    assert document_year("关于做好算力券申报的通知\n正文", "苏工信发〔2022〕7号") == 2022
    assert document_year("关于组织申报2024年度人工智能专项的通知\n正文在5月1日发布。") == 2024
    assert document_year("Shanghai opens AI voucher applications\nSHANGHAI — by May 31.") is None


def test_a_date_inside_the_last_paragraph_is_not_a_signature_date():
    assert document_year("通知\n正文。\n本办法自2021年7月1日起施行，有效期三年。") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北京市经济和信息化局文件\n京经信发〔2024〕12号\n关于……的通知", "京经信发〔2024〕12号"),
        ("京经信发[2024]12号\n正文", "京经信发〔2024〕12号"),
        ("国办发［2023］5号\n正文", "国办发〔2023〕5号"),
        ("工信部联科【2024】28号\n正文", "工信部联科〔2024〕28号"),
        ("深工信规（2024）3号\n正文", "深工信规〔2024〕3号"),
        ("关于印发《若干措施》的通知（沪府办规〔2024〕8号）\n正文", "沪府办规〔2024〕8号"),
        ("标题\n（粤工信规字〔2023〕2号）\n正文", "粤工信规字〔2023〕2号"),
        ("索引号：000014349/2024-00123\n发文字号：川经信发〔２０２４〕３６号\n", "川经信发〔2024〕36号"),
    ],
)
def test_the_doc_number_is_found_with_its_brackets_normalised(text, expected):
    assert find_doc_number(text) == expected


def test_numbers_of_cited_documents_are_not_the_documents_own():
    text = (
        "关于开展算力券申报的通知\n各有关单位：\n根据《国务院关于印发新一代人工智能发展规划的通知》"
        "（国发〔2017〕35号）和京经信发〔2023〕9号文件精神，现将有关事项通知如下。"
    )
    assert find_doc_number(text) is None


def test_english_text_has_no_doc_number():
    assert find_doc_number("Shanghai rules\nSHANGHAI — The rules (No. 12 of 2024) take effect.") is None


def test_an_english_text_quoting_a_chinese_doc_number_gives_it():
    text = "Beijing rules\nBEIJING — The notice (Jing Jing Xin Fa, 京经信发[2024]12号) sets out the rules."
    assert find_doc_number(text, "en") == "京经信发〔2024〕12号"
