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


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("智算中心电价为0.3元/千瓦时，并给予补贴。", [False]),
        ("GPU rental costs $2 per GPU-hour under the voucher scheme.", [False]),
        ("对数据中心给予电费补贴0.1元/千瓦时。", [True]),
        ("a subsidy of 0.1 yuan per kWh for data centres", [True]),
    ],
)
def test_per_unit_prices_are_subsidies_only_when_a_subsidy_word_leads_into_them(text, flags):
    found = find_amounts(text, "zh")
    assert [is_subsidy(text, *a.context_span, per_unit=a.per_unit) for a in found] == flags


@pytest.mark.parametrize(
    "text",
    [
        "对企业给予资助100万元",
        "给予一次性奖励50万元",
        "按实际发生额给予贴息200万元",
        "给予后补助300万元",
        "安排扶持资金2000万元",
        "firms can claim a rebate of 2 million yuan",
        "the city will reimburse up to 3 million yuan",
    ],
)
def test_subsidy_cue_words(text):
    assert all(is_subsidy(text, *a.context_span) for a in find_amounts(text, "zh"))


def test_both_ends_of_a_range_share_the_subsidy_flag():
    text = "对新落户企业给予100万—500万元奖励，企业营业收入达到1亿元。"
    found = find_amounts(text, "zh")
    assert [is_subsidy(text, *a.context_span) for a in found] == [True, True, False]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("按合同金额的三成给予补贴", [30]),
        ("按合同金额五成给予补贴", [50]),
        ("给予实际支出一半的补贴", [50]),
        ("按投资额的百分之三十给予补助", [30]),
        ("按三分之一给予资助", [33.33]),
        ("vouchers covering half of what local companies pay", [50]),
        ("the grant covers a third of the eligible cost", [33.33]),
        ("two thirds of the cost will be reimbursed", [66.67]),
        ("补贴比例不超过30%", [30]),
        ("最高不超过合同金额的50%给予补贴", [50]),
        ("subsidies capped at 30% of the cost", [30]),
        ("a subsidy of no more than 30 percent of the fee", [30]),
        ("grants of up to 50 percent of the cost", [50]),
        ("firms may receive an additional 20 percent from district budgets", [20]),
    ],
)
def test_ratios_in_words_and_caps_on_ratios(text, values):
    assert [r.value for r in find_subsidy_ratios(text)] == values


@pytest.mark.parametrize(
    "text",
    [
        "收入同比增长三成",
        "九成以上企业获得补贴",
        "研发投入占营业收入比例不低于5%的企业给予补贴",
        "in the first half of 2024 the subsidies were paid",
        "一成不变地执行补贴政策",
        "市场份额达到30%",
    ],
)
def test_growth_shares_and_thresholds_in_words_are_not_ratios(text):
    assert find_subsidy_ratios(text) == []


def test_support_of_up_to_is_a_subsidy_and_a_fine_is_not():
    text = "Firms get support of up to 5 million yuan. Violators face fines of up to 10 million yuan."
    found = find_amounts(text, "en")
    assert [is_subsidy(text, *a.context_span) for a in found] == [True, False]


def test_traditional_characters_carry_the_same_cues():
    text = "每個項目資助上限為港幣1,500萬元，申請企業營業收入須達2億港元。"
    assert subsidy_flags(text, "zh") == [("港幣1,500萬元", True), ("2億港元", False)]
    assert [r.value for r in find_subsidy_ratios("政府補貼費用的七成")] == [70]


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("超算中心收费为每GPU小时港币18元。", [False]),
        ("再给予每千瓦时0.05元的电费补贴。", [True]),
        ("给予每卡时2元补助。", [True]),
    ],
)
def test_a_unit_written_before_the_price(text, flags):
    found = find_amounts(text, "zh")
    assert [is_subsidy(text, *a.context_span, per_unit=a.per_unit) for a in found] == flags


def test_short_list_lines_take_their_meaning_from_the_heading_above():
    text = "二、拟资助企业名单\n1．甲科技有限公司，80万元；\n2．乙智能有限公司，45万元。\n以上合计125万元。\n"
    assert [flag for _, flag in subsidy_flags(text, "zh")] == [True, True, True]
    sales = "Top sellers by revenue:\n1. Alpha Ltd: 3 million yuan\n2. Beta Ltd: 2 million yuan\n"
    assert [flag for _, flag in subsidy_flags(sales, "en")] == [False, False]


def test_a_long_numbered_clause_is_prose_not_a_list_line():
    text = (
        "Support standard: grants of up to 1 million yuan per firm.\n"
        "2. Eligibility. Each applicant must hold a signed computing contract, and the contract must be "
        "worth at least 100,000 yuan.\n"
    )
    assert subsidy_flags(text, "en")[-1] == ("100,000 yuan", False)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("每个项目国拨经费不超过800万元。", True),
        ("政府已预留10亿港元。", True),
        ("全年算力券规模为3亿元。", True),
        ("全市人工智能产业规模为300亿元。", False),
        ("Central fiscal funding for each project is 4 million yuan.", True),
        ("Youth projects shall receive no more than 2 million yuan each.", True),
        ("Firms whose output exceeds 80 million yuan shall receive a one-off reward.", False),
        ("Firms with paid-in capital of more than US$5 million enjoy a lower tax rate.", False),
    ],
)
def test_programme_funding_cues_and_voucher_budgets(text, flag):
    assert [f for _, f in subsidy_flags(text, "zh")] == [flag]


@pytest.mark.parametrize(
    "text",
    [
        "The robot maker closed a round of 300 million yuan led by a state-backed investor.",
        "The zone has set up a 2-billion-yuan angel fund to back early-stage start-ups.",
        "Banks extended loans of 8 billion yuan to data-centre builders under the programme.",
        "The company plans to raise HK$3 billion in its Hong Kong IPO.",
    ],
)
def test_funding_rounds_equity_funds_loans_and_listings_are_not_subsidies(text):
    assert [flag for _, flag in subsidy_flags(text, "en")] == [False]
