import pytest

from processors.extractors.money import find_amounts


def amounts(text: str, lang: str = "en"):
    return [(a.text, a.value, a.currency, a.qualifier) for a in find_amounts(text, lang)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("over 40 million yuan", ("40 million yuan", 40_000_000, "CNY")),
        ("RMB 5m", ("RMB 5m", 5_000_000, "CNY")),
        ("$5.6 million", ("$5.6 million", 5_600_000, "USD")),
        ("US$139 million", ("US$139 million", 139_000_000, "USD")),
        ("1.2bn yuan", ("1.2bn yuan", 1_200_000_000, "CNY")),
        ("HK$3 billion", ("HK$3 billion", 3_000_000_000, "HKD")),
        ("10 million euros", ("10 million euros", 10_000_000, "EUR")),
        ("£2m", ("£2m", 2_000_000, "GBP")),
        ("500,000 yuan", ("500,000 yuan", 500_000, "CNY")),
    ],
)
def test_english_amounts_are_normalised(text, expected):
    assert [a[:3] for a in amounts(text)] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("补贴4000万元", ("4000万元", 40_000_000)),
        ("总额2.5亿元", ("2.5亿元", 250_000_000)),
        ("安排1,000万元", ("1,000万元", 10_000_000)),
        ("五千万元", ("五千万元", 50_000_000)),
        ("人民币3000万元", ("人民币3000万元", 30_000_000)),
        ("十万元", ("十万元", 100_000)),
    ],
)
def test_chinese_amounts_are_normalised(text, expected):
    assert [(a[0], a[1]) for a in amounts(text, "zh")] == [expected]
    assert amounts(text, "zh")[0][2] == "CNY"


def test_a_conversion_yields_both_amounts():
    found = amounts("will offer over 40 million yuan ($5.6 million) in subsidies")
    assert [(a[1], a[2]) for a in found] == [(40_000_000, "CNY"), (5_600_000, "USD")]


@pytest.mark.parametrize(
    ("text", "lang", "qualifier"),
    [
        ("or up to 5 million yuan", "en", "max"),
        ("capped at RMB 2m", "en", "max"),
        ("at least 10 million yuan", "en", "min"),
        ("给予最高500万元奖励", "zh", "max"),
        ("不超过200万元", "zh", "max"),
        ("研发投入不低于500万元", "zh", "min"),
        ("支持300万元", "zh", None),
    ],
)
def test_qualifiers(text, lang, qualifier):
    assert amounts(text, lang)[0][3] == qualifier


@pytest.mark.parametrize("text", ["2024年3月5日", "单元测试", "第十二条", "30 percent", "in 2024 the city"])
def test_things_that_are_not_money(text):
    assert amounts(text, "zh") == [] and amounts(text, "en") == []


def test_offsets_point_at_the_amount():
    text = "对企业给予最高500万元奖励，并发放1亿元算力券。"
    for amount in find_amounts(text, "zh"):
        assert text[amount.start : amount.end] == amount.text
