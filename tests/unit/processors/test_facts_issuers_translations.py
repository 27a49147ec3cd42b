"""Issuers of English translations of notices, of zone committees, of bodies outside the mainland,
and of company news; and Chinese bodies written in traditional characters."""

from __future__ import annotations

import pytest

from processors.extractors.facts.bodies import en_body_canonical, zh_body_canonical
from processors.extractors.facts.issuers import find_issuers


def _en(text: str, company_starts: tuple[int, ...] = ()) -> list[str]:
    return [i.canonical for i in find_issuers(text, "en", company_starts)]


def test_a_translated_title_names_its_joint_issuers_in_order():
    text = (
        "Notice of the Jiangsu Provincial Department of Science and Technology and the Jiangsu Provincial "
        "Department of Finance on Issuing the Rules for Innovation Vouchers\nTo all cities:\n"
    )
    assert _en(text) == ["Jiangsu Science and Technology Department", "Jiangsu Finance Department"]


def test_national_bodies_in_a_translated_title_are_split_at_and_the():
    text = "Notice of the Ministry of Commerce and the Ministry of Finance on Export Credit\nBody."
    assert _en(text) == ["Ministry of Commerce", "Ministry of Finance"]


@pytest.mark.parametrize(
    "byline",
    [
        "Issued by: Xiamen Municipal Bureau of Commerce; Xiamen Finance Bureau",
        "Xiamen Commerce Bureau / Xiamen Finance Bureau",
    ],
)
def test_a_line_under_the_title_that_only_names_bodies_gives_the_issuers(byline):
    text = f"Rules on Trade Support (Translation)\n{byline}\nDocument No.: 厦商〔2025〕1号\n\nArticle 1 ..."
    assert _en(text) == ["Xiamen Commerce Bureau", "Xiamen Finance Bureau"]


def test_issued_by_the_general_office_under_the_title():
    text = (
        "Three-Year Plan (English Version)\n"
        "Issued by the General Office of the Anhui Provincial People's Government\n"
    )
    assert _en(text) == ["Anhui General Office of the People's Government"]


def test_bodies_signed_above_the_closing_date_are_the_issuers():
    text = (
        "Public Notice of the Proposed Grant Recipients\n\nThe list is published for review.\n\n"
        "Contact: tel. 010-1234.\n\nNingbo Municipal Bureau of Economy and Information Technology\n"
        "Ningbo Finance Bureau\n3 March 2025\n"
    )
    assert _en(text) == ["Ningbo Economy and Information Technology Bureau", "Ningbo Finance Bureau"]


def test_a_body_that_drafted_or_proposes_the_rules_is_the_issuer():
    text = (
        "Measures of Hefei (Draft for Public Comment)\n\nThe Hefei Municipal Bureau of Data Resources has "
        "drafted the following Measures."
    )
    assert _en(text) == ["Hefei Data Resources Bureau"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "Hangzhou High-tech Zone Administrative Committee",
            "Hangzhou High-tech Zone Administrative Committee",
        ),
        (
            "the Administrative Committee of the Suzhou Industrial Park",
            "Suzhou Industrial Park Administrative Committee",
        ),
        (
            "Administrative Committee of the Wuhan East Lake High-tech Development Zone",
            "Optics Valley Administrative Committee",
        ),
    ],
)
def test_a_zone_committee_is_named_by_its_zone(name, expected):
    assert en_body_canonical(name) == expected


def test_a_zone_committee_that_issued_measures_in_news_is_the_issuer():
    text = (
        "Zone offers robot grants\nHANGZHOU — New grants were announced, under measures released on Friday "
        "by the Hangzhou High-tech Zone Administrative Committee."
    )
    assert _en(text) == ["Hangzhou High-tech Zone Administrative Committee"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Grants for chip firms\nTAIPEI -- Taiwan's Ministry of Economic Affairs said on Monday that "
            "grants open.",
            ["Taiwan Ministry of Economic Affairs"],
        ),
        (
            "Compute credits\nSINGAPORE, 2 June 2025 -- The Infocomm Media Development Authority (IMDA) "
            "today opened applications for compute credits.",
            ["Singapore Infocomm Media Development Authority"],
        ),
        (
            "Scheme opens\nThe Commerce and Economic Development Bureau announced today that a scheme opens. "
            "It supports firms in Hong Kong and helps Hong Kong traders.",
            ["Hong Kong Commerce and Economic Development Bureau"],
        ),
    ],
)
def test_bodies_outside_the_mainland_keep_their_official_name_after_their_place(text, expected):
    assert _en(text) == expected


def test_a_headline_that_opens_with_a_company_is_company_news_without_issuers():
    text = (
        "Lenovo opens a server plant\nHEFEI — Lenovo opened a plant. The Hefei Municipal Development and "
        "Reform Commission said the project received central funds."
    )
    assert _en(text, company_starts=(0,)) == []
    assert _en(text) == ["Hefei Development and Reform Commission"]


def test_traditional_characters_and_a_city_government_prefix_are_read():
    assert zh_body_canonical("台中市政府经济发展局") == "Taichung Economic Development Bureau"
    text = "高雄市政府經濟發展局公告：補助計畫受理申請\n一、申請資格\n\n高雄市政府經濟發展局\n114年3月1日\n"
    hits = find_issuers(text, "zh")
    assert [h.canonical for h in hits] == ["Kaohsiung Economic Development Bureau"]
    assert text[hits[0].start : hits[0].end] == "高雄市政府經濟發展局"


def test_a_body_signed_without_its_place_outside_the_mainland_takes_the_place_the_text_names():
    text = "香港特別行政區政府公告：資助計劃接受申請\n香港的企業可申請。\n\n創新科技署\n二〇二五年五月二日\n"
    assert [h.canonical for h in find_issuers(text, "zh")] == [
        "Hong Kong Innovation and Technology Commission"
    ]
    mainland = "关于开展申报的通知\n各单位：\n\n创新科技署\n二〇二五年五月二日\n"
    assert find_issuers(mainland, "zh") == []
