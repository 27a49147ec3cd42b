import pytest

from processors.extractors.money import find_amounts
from processors.extractors.percent import find_subsidy_ratios
from processors.extractors.subsidy import is_subsidy


def subsidy_flags(text: str, lang: str):
    return [(a.text, is_subsidy(text, a.start, a.end)) for a in find_amounts(text, lang)]


def test_english_subsidy_versus_revenue():
    text = (
        "Beijing will offer over 40 million yuan in subsidies for model training. "
        "The company reported revenue of 1.2bn yuan last year."
    )
    assert subsidy_flags(text, "en") == [("40 million yuan", True), ("1.2bn yuan", False)]


def test_chinese_subsidy_versus_market_size_and_equity_investment():
    text = (
        "对符合条件的企业给予最高500万元奖励。全市人工智能产业规模达到3000亿元。"
        "国家产业投资基金对该企业股权投资20亿元。发放算力券总额1亿元。"
    )
    assert subsidy_flags(text, "zh") == [
        ("500万元", True),
        ("3000亿元", False),
        ("20亿元", False),
        ("1亿元", True),
    ]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a maximum 30 percent subsidy of companies' computing investment", [30]),
        ("按合同金额的20%给予补贴", [20]),
        ("revenue grew 25% year-on-year", []),
        ("产值同比增长15%", []),
        ("covering up to 50% of the rental fee", [50]),
    ],
)
def test_only_support_ratios_are_kept(text, values):
    assert [r.value for r in find_subsidy_ratios(text)] == values
