"""Each named spaCy component on a Doc, in English and Chinese, with the rules profile (no model data
beyond the tokenizer): the exact values it writes to ``doc._``."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from processors.pipeline import OUR_COMPONENTS, build_nlp


@pytest.fixture(scope="module")
def en() -> Language:
    return build_nlp("en", "rules")


@pytest.fixture(scope="module")
def zh() -> Language:
    return build_nlp("zh", "rules")


def test_both_pipelines_run_our_components_in_order(en, zh):
    assert en.pipe_names == list(OUR_COMPONENTS)
    assert zh.pipe_names == list(OUR_COMPONENTS)


# Money ---------------------------------------------------------------------------------------------
def test_english_amounts_carry_value_currency_qualifier_and_whether_they_are_subsidies(en):
    doc = en("Grants of $2.5 million and at least 300 million yuan for Alibaba; revenue hit 1 billion yuan.")
    assert doc._.money == [
        {
            "text": "$2.5 million",
            "start": 10,
            "end": 22,
            "value": 2_500_000.0,
            "currency": "USD",
            "is_subsidy": True,
            "qualifier": None,
        },
        {
            "text": "300 million yuan",
            "start": 36,
            "end": 52,
            "value": 300_000_000.0,
            "currency": "CNY",
            "is_subsidy": True,
            "qualifier": "min",
        },
        {
            "text": "1 billion yuan",
            "start": 78,
            "end": 92,
            "value": 1_000_000_000.0,
            "currency": "CNY",
            "is_subsidy": False,
            "qualifier": None,
        },
    ]


def test_chinese_amounts_read_wan_and_yi(zh):
    doc = zh("给予不超过1000万元奖励，企业营收达到2亿元。")
    assert doc._.money == [
        {
            "text": "1000万元",
            "start": 5,
            "end": 11,
            "value": 10_000_000.0,
            "currency": "CNY",
            "is_subsidy": True,
            "qualifier": "max",
        },
        {
            "text": "2亿元",
            "start": 20,
            "end": 23,
            "value": 200_000_000.0,
            "currency": "CNY",
            "is_subsidy": False,
            "qualifier": None,
        },
    ]


# Percent -------------------------------------------------------------------------------------------
def test_english_subsidy_ratios_are_kept_and_growth_rates_left_out(en):
    doc = en("The city will subsidise 50 percent of computing costs; revenue grew 20%.")
    assert doc._.percent == [{"text": "50 percent", "start": 24, "end": 34, "value": 50.0}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("按设备投资额的30%给予补贴，增长率达到15%。", {"text": "30%", "start": 7, "end": 10, "value": 30.0}),
        (
            "对算力使用费用给予百分之二十的补助。",
            {"text": "百分之二十", "start": 9, "end": 14, "value": 20.0},
        ),
    ],
)
def test_chinese_subsidy_ratios_in_digits_and_in_words(zh, text, expected):
    assert zh(text)._.percent == [expected]


# Places --------------------------------------------------------------------------------------------
def test_english_places_name_their_level_and_province(en):
    doc = en("Shanghai and Hangzhou in Zhejiang open a GPU data centre.")
    assert doc._.places == [
        {
            "text": "Shanghai",
            "start": 0,
            "end": 8,
            "canonical": "Shanghai",
            "level": "municipality",
            "province": "Shanghai",
        },
        {
            "text": "Hangzhou",
            "start": 13,
            "end": 21,
            "canonical": "Hangzhou",
            "level": "city",
            "province": "Zhejiang",
        },
        {
            "text": "Zhejiang",
            "start": 25,
            "end": 33,
            "canonical": "Zhejiang",
            "level": "province",
            "province": "Zhejiang",
        },
    ]


def test_chinese_places_nest_province_city_and_district(zh):
    doc = zh("广东省深圳市南山区发布人工智能产业园扶持办法。")
    assert [(p["text"], p["canonical"], p["level"], p["province"]) for p in doc._.places] == [
        ("广东省", "Guangdong", "province", "Guangdong"),
        ("深圳市", "Shenzhen", "city", "Guangdong"),
        ("南山区", "Nanshan District", "district", "Guangdong"),
    ]
    assert [(p["start"], p["end"]) for p in doc._.places] == [(0, 3), (3, 6), (6, 9)]


# Companies -----------------------------------------------------------------------------------------
def test_english_companies_come_from_the_alias_table_and_skip_amounts(en):
    doc = en("360 will spend 360 million yuan with China Mobile and SenseTime.")
    assert doc._.companies == [
        {"text": "360", "start": 0, "end": 3, "canonical": "360", "parent": None},
        {"text": "China Mobile", "start": 37, "end": 49, "canonical": "China Mobile", "parent": None},
        {"text": "SenseTime", "start": 54, "end": 63, "canonical": "SenseTime", "parent": None},
    ]


def test_chinese_registered_company_names_map_to_their_canonical_name(zh):
    doc = zh("深圳市对华为技术有限公司发放算力券。")
    assert doc._.companies == [
        {"text": "华为技术有限公司", "start": 4, "end": 12, "canonical": "Huawei", "parent": None}
    ]


# Organizations -------------------------------------------------------------------------------------
def test_chinese_government_bodies_and_institutes_are_organisations_not_companies(zh):
    doc = zh("北京市经济和信息化局委托中国科学院起草标准。")
    assert doc._.organizations == [
        {"text": "北京市经济和信息化局", "start": 0, "end": 10, "kind": "government"},
        {"text": "中国科学院", "start": 12, "end": 17, "kind": "institute"},
    ]
    assert doc._.companies == []


def run_from_organizations(nlp: Language, doc: Doc) -> Doc:
    for name in OUR_COMPONENTS[OUR_COMPONENTS.index("policyradar_organizations") :]:
        doc = nlp.get_pipe(name)(doc)
    return doc


def test_english_organisations_are_classified_from_org_entities(en):
    doc = en.make_doc("The Ministry of Science and Technology and Acme Robotics Co., Ltd. signed.")
    doc.ents = [Span(doc, 1, 6, label="ORG"), Span(doc, 7, 12, label="ORG")]
    doc = run_from_organizations(en, doc)
    assert doc._.organizations == [
        {"text": "Ministry of Science and Technology", "start": 4, "end": 38, "kind": "government"}
    ]
    assert doc._.companies == [
        {
            "text": "Acme Robotics Co., Ltd.",
            "start": 43,
            "end": 66,
            "canonical": "Acme Robotics",
            "parent": None,
        }
    ]


def test_a_legal_suffix_alone_is_no_company(en):
    doc = en("Huawei Technologies Co., Ltd. and Acme Co., Ltd. signed.")
    assert doc._.companies == [
        {
            "text": "Huawei Technologies Co., Ltd.",
            "start": 0,
            "end": 29,
            "canonical": "Huawei",
            "parent": None,
        }
    ]


def test_the_rules_profile_has_no_english_entity_recogniser(en):
    doc = en("The Ministry of Science and Technology met Li Qiang on 5 March 2024.")
    assert (doc._.organizations, doc._.people, doc._.dates) == ([], [], [])


# Topics --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "text", "topics"),
    [
        ("en", "A GPU data centre in Hangzhou recruits researchers.", ["computing-power", "talent"]),
        (
            "en",
            "Measures for generative AI services; Baidu launched a model.",
            ["standards-regulation", "model-launch"],
        ),
        ("zh", "深圳市对华为技术有限公司发放算力券。", ["subsidy", "computing-power"]),
        ("zh", "发布公共数据集与人工智能产业园。", ["data", "model-launch", "industrial-park"]),
    ],
)
def test_topics_are_tagged_from_cues_in_either_language(en, zh, lang, text, topics):
    nlp = en if lang == "en" else zh
    assert nlp(text)._.topics == topics
