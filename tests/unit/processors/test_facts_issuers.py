"""Issuing bodies with canonical English names, from titles, signatures, Chinese news and English leads."""

from __future__ import annotations

import pytest

from processors.extractors.facts.bodies import en_body_canonical, zh_body_canonical
from processors.extractors.facts.issuers import find_issuers


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京市经济和信息化局", "Beijing Economy and Information Technology Bureau"),
        ("上海市经济和信息化委员会", "Shanghai Economy and Information Technology Commission"),
        ("广东省工业和信息化厅", "Guangdong Industry and Information Technology Department"),
        ("海淀区人民政府", "Haidian District People's Government"),
        ("中关村科技园区管理委员会", "Zhongguancun Administrative Committee"),
        ("天津市河北区人民政府办公室", "Hebei District General Office of the People's Government"),
        ("内蒙古自治区发展和改革委员会", "Inner Mongolia Development and Reform Commission"),
        ("深圳市科技创新委员会", "Shenzhen Science, Technology and Innovation Commission"),
        ("浙江省人力资源和社会保障厅", "Zhejiang Human Resources and Social Security Department"),
        ("广州市政务服务和数据管理局", "Guangzhou Government Services and Data Administration Bureau"),
        ("北京市市场监督管理局", "Beijing Market Regulation Bureau"),
        ("工业和信息化部", "Ministry of Industry and Information Technology"),
        ("国家发展改革委", "National Development and Reform Commission"),
        ("中央网信办", "Cyberspace Administration of China"),
    ],
)
def test_chinese_bodies_are_named_by_place_and_glossary_or_by_the_national_table(name, expected):
    assert zh_body_canonical(name) == expected


def test_a_body_the_glossary_cannot_translate_has_no_canonical_name():
    assert zh_body_canonical("北京市某某协调小组") is None
    assert zh_body_canonical("经济和信息化局") is None  # no place


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "the Beijing Municipal Bureau of Economy and Information Technology",
            "Beijing Economy and Information Technology Bureau",
        ),
        (
            "Shanghai Municipal Commission of Economy and Informatization",
            "Shanghai Economy and Information Technology Commission",
        ),
        (
            "Shenzhen Municipal Science and Technology Innovation Commission",
            "Shenzhen Science, Technology and Innovation Commission",
        ),
        (
            "Guangdong Provincial Department of Industry and Information Technology",
            "Guangdong Industry and Information Technology Department",
        ),
        ("Hangzhou Municipal People's Government", "Hangzhou People's Government"),
        (
            "the Ministry of Industry and Information Technology",
            "Ministry of Industry and Information Technology",
        ),
    ],
)
def test_english_bodies_get_the_canonical_a_chinese_text_would_give(name, expected):
    assert en_body_canonical(name) == expected


def test_joint_issuers_in_a_chinese_title_are_kept_in_the_order_written():
    text = (
        "北京市经济和信息化局 北京市财政局、中关村科技园区管理委员会关于印发《若干措施》的通知\n各有关单位："
    )
    issuers = find_issuers(text, "zh")
    assert [i.canonical for i in issuers] == [
        "Beijing Economy and Information Technology Bureau",
        "Beijing Finance Bureau",
        "Zhongguancun Administrative Committee",
    ]
    assert [text[i.start : i.end] for i in issuers] == [
        "北京市经济和信息化局",
        "北京市财政局",
        "中关村科技园区管理委员会",
    ]


def test_bodies_written_without_a_separator_are_split():
    text = "长沙市工业和信息化局长沙市财政局关于印发《实施细则》的通知\n正文"
    assert [i.canonical for i in find_issuers(text, "zh")] == [
        "Changsha Industry and Information Technology Bureau",
        "Changsha Finance Bureau",
    ]


def test_a_title_without_its_issuer_takes_the_bodies_signed_above_the_date():
    text = (
        "关于开展2024年度算力券申报工作的通知\n各有关单位：\n现将有关事项通知如下。\n\n"
        "苏州市工业和信息化局\n苏州市财政局\n2024年5月6日"
    )
    assert [i.canonical for i in find_issuers(text, "zh")] == [
        "Suzhou Industry and Information Technology Bureau",
        "Suzhou Finance Bureau",
    ]


def test_chinese_news_names_the_bodies_that_issued_the_document():
    text = (
        "六部门印发《算力基础设施高质量发展行动计划》\n"
        "工业和信息化部、中央网信办、教育部、国家卫生健康委、中国人民银行、国务院国资委等六部门近日联合印发"
        "《算力基础设施高质量发展行动计划》。"
    )
    assert [i.canonical for i in find_issuers(text, "zh")][:3] == [
        "Ministry of Industry and Information Technology",
        "Cyberspace Administration of China",
        "Ministry of Education",
    ]
    assert len(find_issuers(text, "zh")) == 6


def test_company_news_has_no_issuers():
    text = (
        "百度发布文心大模型4.5\n"
        "3月16日，百度正式发布文心大模型4.5，北京市海淀区对接入国产大模型的企业给予支持。"
    )
    assert find_issuers(text, "zh") == []


def test_english_news_names_the_body_that_issued_or_announced_the_policy():
    text = (
        "Beijing to offer 40 million yuan in subsidies\n"
        "BEIJING, March 12 — Beijing will hand out more than 40 million yuan in subsidies, the Beijing "
        "Municipal Bureau of Economy and Information Technology said on Tuesday."
    )
    assert [i.canonical for i in find_issuers(text, "en")] == [
        "Beijing Economy and Information Technology Bureau"
    ]


def test_english_joint_issuers_share_the_issuing_cue():
    text = (
        "China sets AI standards goal\nBEIJING — China plans 50 standards, according to a guideline issued "
        "on Wednesday by the Ministry of Industry and Information Technology (MIIT) together with the "
        "Cyberspace Administration of China and the National Development and Reform Commission."
    )
    assert [i.canonical for i in find_issuers(text, "en")] == [
        "Ministry of Industry and Information Technology",
        "Cyberspace Administration of China",
        "National Development and Reform Commission",
    ]


def test_a_local_body_named_without_its_place_takes_the_datelines():
    text = (
        "Chengdu issues compute vouchers\nCHENGDU — Chengdu will distribute vouchers this year, the city's "
        "New Economy Development Commission said.\n\nWUXI later said the same."
    )
    assert [i.canonical for i in find_issuers(text, "en")] == ["Chengdu New Economy Development Commission"]
    wuxi = (
        "Wuxi sets up AI fund\nWUXI, Jiangsu — Wuxi will offer 2 million yuan, the municipal government said."
    )
    assert [i.canonical for i in find_issuers(wuxi, "en")] == ["Wuxi People's Government"]


def test_bodies_merely_mentioned_in_english_news_are_not_issuers():
    text = (
        "Zhipu raises money\nBEIJING — Zhipu AI raised 1 billion yuan. The company has worked with the "
        "Beijing Municipal Science and Technology Commission on several projects."
    )
    assert find_issuers(text, "en") == []
