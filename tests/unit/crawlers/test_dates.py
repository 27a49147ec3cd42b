from datetime import datetime

import pytest

from crawlers.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2024-03-05", datetime(2024, 3, 5)),
        ("2024年3月5日 来源：市经信局", datetime(2024, 3, 5)),
        ("Published: 2025/11/25", datetime(2025, 11, 25)),
        ("Posted on March 5, 2024", datetime(2024, 3, 5)),
        ("5 Mar 2024", datetime(2024, 3, 5)),
    ],
)
def test_dates_in_the_forms_notices_use(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [None, "", "no date here", "2024-13-45"])
def test_missing_or_impossible_dates_are_none(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1743582600000", datetime(2025, 4, 2, 16, 30)),  # MIIT cdate: 08:30 UTC is 16:30 in Beijing
        (" 1743582600000.0 ", datetime(2025, 4, 2, 16, 30)),
        ("1735660800000", datetime(2025, 1, 1, 0, 0)),  # 2024-12-31 16:00 UTC is already 1 January in China
    ],
)
def test_epoch_milliseconds_are_read_as_china_wall_clock_time(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["20250402", "1743582600", "17435826000001", "id 1743582600000"])
def test_other_runs_of_digits_are_not_taken_for_epoch_milliseconds(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-04T20:00:00Z", datetime(2024, 3, 5)),  # 04:00 on 5 March in Beijing
        ("Mon, 04 Mar 2024 20:00:00 GMT", datetime(2024, 3, 5)),
        ("Tue, 05 Mar 2024 08:00:00 +0800", datetime(2024, 3, 5)),
        ("发布日期:2025-04-16 14:30", datetime(2025, 4, 16)),
    ],
)
def test_a_time_with_a_zone_gives_the_day_in_china_and_the_time_is_dropped(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted Mar. 5, 2024", datetime(2024, 3, 5)),
        ("Sept. 5, 2024", datetime(2024, 9, 5)),
        ("March 5th, 2024", datetime(2024, 3, 5)),
        ("日期：2024 年 3 月 5 日", datetime(2024, 3, 5)),
    ],
)
def test_abbreviated_months_ordinals_and_spaced_chinese_dates_are_read(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["yesterday", "3天前", "今天", "2024年3月", "March 2024", "工信部联科〔2024〕35号"]
)
def test_relative_and_partial_dates_are_none_so_no_date_depends_on_today(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("二〇二四年五月三十一日", datetime(2024, 5, 31)),
        ("二○二四年十一月十日", datetime(2024, 11, 10)),
        ("发布时间：二零二四年十二月三日", datetime(2024, 12, 3)),
        ("二〇二五年一月二十日 来源：市政府办公厅", datetime(2025, 1, 20)),
        ("２０２４年５月３１日", datetime(2024, 5, 31)),
        ("发布日期：２０２４－０５－３１", datetime(2024, 5, 31)),
    ],
)
def test_dates_in_chinese_numerals_and_full_width_digits(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["二〇二四年五月", "二〇二四年二月三十日", "第二十一条"])
def test_chinese_numeral_dates_without_a_day_or_impossible_are_none(text):
    assert parse_date(text) is None
