"""Telling companies from other organisations when no alias table lists them."""

import pytest

from processors.extractors.company_cues import (
    en_org_is_company,
    zh_listed_companies,
    zh_ner_organizations,
    zh_org_is_company,
)
from processors.extractors.organizations import classify_organization
from processors.extractors.zh_ner import Word, lac_words


def _span_of(text: str, name: str) -> tuple[int, int]:
    start = text.index(name)
    return start, start + len(name)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Beijing-based startup Foo Bar raised 100 million yuan.", "Foo Bar", True),
        ("The round was led by Qiming Venture Partners.", "Qiming Venture Partners", True),
        ("Shares of Acme Robotics rose 5 percent.", "Acme Robotics", True),
        ("Lotus Peak (NASDAQ: LTPK) said on Monday it would expand.", "Lotus Peak", True),
        ("Vertex Chip, a Shanghai chipmaker, said sales doubled.", "Vertex Chip", True),
        ("The People's Bank of China cut rates.", "The People's Bank of China", False),
        ("The Zhongguancun Forum opened on Monday.", "The Zhongguancun Forum", False),
        ("Work on AI standards continued.", "AI", False),
        ("Officials from Foo Bar attended the meeting.", "Foo Bar", False),
    ],
)
def test_english_org_spans_are_companies_only_with_company_cues(text, name, expected):
    assert en_org_is_company(text, *_span_of(text, name)) is expected


def _word(text: str, tag: str, start: int) -> Word:
    return Word(text, tag, start, start + len(text))


@pytest.mark.parametrize(
    ("word", "after", "expected"),
    [
        (_word("长安汽车", "ORG", 0), _word("与", "c", 4), True),
        (_word("北京市经济和", "ORG", 0), _word("信息化局", "ORG", 6), False),
        (_word("东数", "ORG", 0), _word("西", "f", 2), False),
        (_word("武汉人工智能计算中心", "ORG", 0), None, False),
        (_word("深圳市工业", "ORG", 0), _word("和", "c", 5), False),
    ],
)
def test_an_unsuffixed_lac_org_is_a_company_unless_a_body_a_facility_or_cut_short(word, after, expected):
    assert zh_org_is_company(word, None, after) is expected


def test_the_items_of_an_enumeration_of_firms_are_companies():
    text = "市里将支持青云天启、墨语星河、人工智能等企业开展训练。"
    spans = zh_listed_companies(text, lac_words(text))
    assert [text[s:e] for s, e in spans] == ["青云天启", "墨语星河"]


def test_an_enumeration_of_industries_gives_no_company():
    text = "重点发展集成电路、人工智能、生物医药等产业。"
    assert zh_listed_companies(text, lac_words(text)) == []


def test_lac_adds_companies_and_bodies_that_the_rules_did_not_claim():
    text = "长安汽车与赛力斯合作，国家数据局表示支持。"
    found = zh_ner_organizations(text, lac_words(text), classify_organization, taken=[])
    names = {text[s:e]: kind for s, e, kind in found}
    assert names.get("长安汽车") == "company"
    assert names.get("国家数据局") == "government"
