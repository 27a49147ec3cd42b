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


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("5千万元", "zh", ("5千万元", 50_000_000)),
        ("一千万元", "zh", ("一千万元", 10_000_000)),
        ("3千亿元", "zh", ("3千亿元", 300_000_000_000)),
        ("十亿元", "zh", ("十亿元", 1_000_000_000)),
        ("5百万元", "zh", ("5百万元", 5_000_000)),
        ("五十億元", "zh", ("五十億元", 5_000_000_000)),
        ("補貼300萬元", "zh", ("300萬元", 3_000_000)),
        ("a 1-billion-yuan fund", "en", ("1-billion-yuan", 1_000_000_000)),
        ("a 5-million-yuan grant", "en", ("5-million-yuan", 5_000_000)),
    ],
)
def test_magnitude_words_hyphenated_and_traditional_forms(text, lang, expected):
    assert [(a[0], a[1]) for a in amounts(text, lang)] == [expected]
    assert amounts(text, lang)[0][2] == "CNY"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("给予100万—500万元支持", "zh", [("100万", 1e6, "min"), ("500万元", 5e6, "max")]),
        ("给予100万至500万元支持", "zh", [("100万", 1e6, "min"), ("500万元", 5e6, "max")]),
        ("奖励100-500万元", "zh", [("100", 1e6, "min"), ("500万元", 5e6, "max")]),
        ("100万元——500万元", "zh", [("100万元", 1e6, "min"), ("500万元", 5e6, "max")]),
        (
            "between 1 million and 5 million yuan",
            "en",
            [("1 million", 1e6, "min"), ("5 million yuan", 5e6, "max")],
        ),
        ("grants of 1-5 million yuan", "en", [("1", 1e6, "min"), ("5 million yuan", 5e6, "max")]),
        ("$1-5 million", "en", [("$1", 1e6, "min"), ("5 million", 5e6, "max")]),
        ("500,000-1 million yuan", "en", [("500,000", 5e5, "min"), ("1 million yuan", 1e6, "max")]),
    ],
)
def test_a_range_keeps_both_ends_the_low_one_min_and_the_high_one_max(text, lang, expected):
    found = find_amounts(text, lang)
    assert [(a.text, a.value, a.qualifier) for a in found] == expected
    assert found[0].currency == found[1].currency
    assert found[0].context_span == found[1].context_span == (found[0].start, found[1].end)
    for amount in found:
        assert text[amount.start : amount.end] == amount.text


@pytest.mark.parametrize(
    "text",
    [
        "由300万元提高至500万元",
        "raised the cap from 1 million to 5 million yuan",
        "2023-500万元",
        "up to 5 million yuan",
    ],
)
def test_changes_and_years_are_not_ranges(text):
    found = find_amounts(text, "zh")
    assert found and all(a.span is None for a in found)
    assert all(a.qualifier != "min" for a in found)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("电价0.3元/千瓦时", "zh"),
        ("0.5元/度", "zh"),
        ("算力租赁价格为12元/卡时", "zh"),
        ("20元/PFlops", "zh"),
        ("$2 per GPU-hour", "en"),
        ("0.4 yuan per kWh", "en"),
        ("2 yuan per million tokens", "en"),
        ("每百万tokens 0.8元", "zh"),
        ("收费为每GPU小时港币18元", "zh"),
        ("价格不超过每卡时8元", "zh"),
    ],
)
def test_per_unit_prices_are_marked(text, lang):
    assert [a.per_unit for a in find_amounts(text, lang)] == [True]


def test_a_per_company_amount_is_no_per_unit_price():
    assert [a.per_unit for a in find_amounts("每家企业最高补贴100万元", "zh")] == [False]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("a budget of NT$3 billion", "en", ("NT$3 billion", 3e9, "TWD", None)),
        ("2 billion New Taiwan dollars", "en", ("2 billion New Taiwan dollars", 2e9, "TWD", None)),
        ("总经费新臺幣2億元", "zh", ("新臺幣2億元", 2e8, "TWD", None)),
        ("资助上限为港幣800萬元", "zh", ("港幣800萬元", 8e6, "HKD", "max")),
        ("融资5亿美金", "zh", ("5亿美金", 5e8, "USD", None)),
    ],
)
def test_taiwan_dollars_and_a_currency_written_before_the_number(text, lang, expected):
    assert amounts(text, lang) == [expected]


@pytest.mark.parametrize(
    ("text", "lang", "qualifier"),
    [
        ("sales exceeded 2 billion yuan", "en", "min"),
        ("annual revenue exceeds 50 million yuan", "en", "min"),
        ("deals topped 10 billion yuan", "en", "min"),
        ("output is set to pass 1 trillion yuan", "en", "min"),
        ("paying as much as $4,000 per chip", "en", "max"),
        ("turnover 5 million yuan", "en", None),
        ("营业收入首次突破1亿元", "zh", "min"),
        ("估值超20亿美元", "zh", "min"),
        ("单个企业每年最高可获补贴300万元", "zh", "max"),
        ("补助上限可提高至200万元", "zh", "max"),
        ("补助经费可上浮至30万元", "zh", "max"),
        ("电价控制在0.3元/千瓦时以内", "zh", "max"),
        ("plans to spend more than 新台币500亿元", "en", "min"),
    ],
)
def test_qualifier_cues_for_passing_a_mark_and_caps_a_few_words_away(text, lang, qualifier):
    assert [a.qualifier for a in find_amounts(text, lang)] == [qualifier]
