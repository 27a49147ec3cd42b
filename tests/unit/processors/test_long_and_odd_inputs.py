"""Extractors on inputs no notice should hold but a crawler can deliver: numbers too large for a
float, runs of digits or 万 with no currency, whole tables on one line, titles thousands of
characters long. Each case was either wrong (an infinite amount) or took minutes before."""

from __future__ import annotations

from processors.extractors.facts.issuers import find_issuers
from processors.extractors.money import find_amounts
from processors.extractors.percent import find_subsidy_ratios
from processors.extractors.subsidy import MAX_REACH, is_subsidy, sentence_bounds


def test_a_number_too_large_for_a_float_is_no_amount():
    assert find_amounts("补贴" + "9" * 400 + "元", "zh") == []
    assert find_amounts("a grant of " + "9" * 400 + " yuan", "en") == []


def test_long_runs_of_digits_or_wan_without_a_currency_give_no_amount():
    assert find_amounts("万" * 20_000, "zh") == []
    assert find_amounts("9" * 20_000, "zh") == []
    assert find_subsidy_ratios("补贴" + "9" * 20_000) == []


def test_amounts_and_ratios_inside_ordinary_text_are_still_read():
    found = find_amounts("给予最高五百万元补贴，另补贴1,500万元", "zh")
    assert [(a.text, a.value) for a in found] == [("五百万元", 5_000_000), ("1,500万元", 15_000_000)]
    assert [r.value for r in find_subsidy_ratios("按合同金额的20%给予补贴")] == [20.0]


def test_a_sentence_is_read_at_most_max_reach_characters_either_side():
    text = "补贴" + "，" * 1_000 + "100万元" + "，" * 1_000
    start = text.index("100")
    left, right = sentence_bounds(text, start, start + 5)
    assert (left, right) == (start - MAX_REACH, start + 5 + MAX_REACH)


def test_a_cue_beyond_the_reach_does_not_make_a_subsidy():
    near = "补贴" + "，" * 10 + "100万元"
    far = "补贴" + "，" * (MAX_REACH + 10) + "100万元"
    assert is_subsidy(near, near.index("100"), len(near))
    assert not is_subsidy(far, far.index("100"), len(far))


def test_a_list_line_takes_its_heading_from_the_lines_just_above_in_a_long_document():
    body = "营业收入情况\n" * 3_000 + "拟支持名单\n" + "1．甲公司，150万元；\n" * 3
    start = body.rindex("150")
    assert is_subsidy(body, start, start + len("150万元"))


def test_many_bodies_before_about_are_all_read():
    title = "北京市经济和信息化局 北京市财政局 " * 20 + "关于印发的通知\n正文"
    found = find_issuers(title, "zh")
    assert [h.canonical for h in found] == [
        "Beijing Economy and Information Technology Bureau",
        "Beijing Finance Bureau",
    ]


def test_a_title_thousands_of_characters_long_is_read_without_error():
    assert find_issuers("北京市" + "经" * 10_000 + "关于", "zh") == []
    found = find_issuers("北京市经济和信息化局" * 400 + "关于", "zh")
    assert [h.canonical for h in found] == ["Beijing Economy and Information Technology Bureau"]


def test_each_amount_of_a_table_on_one_line_takes_its_own_nearest_cue():
    text = "营业收入100万元，" + "，".join(["甲"] * 2_000) + "，补贴200万元"
    revenue, subsidy = text.index("100万元"), text.index("200万元")
    assert not is_subsidy(text, revenue, revenue + 5)
    assert is_subsidy(text, subsidy, subsidy + 5)
    middle = range(MAX_REACH + 20, len(text) - MAX_REACH - 20, 7)
    assert not any(is_subsidy(text, s, s + 1) for s in middle)  # no cue within reach of these
