"""Application windows and deadlines, in Chinese and English, with the years the text leaves out."""

from __future__ import annotations

import pytest

from processors.extractors.facts.dates import LooseDate
from processors.extractors.facts.deadline import find_window


def window(text: str, lang: str = "zh", year: int | None = None) -> tuple[str | None, str | None]:
    found = find_window(text, lang, year)
    if found is None:
        return None, None
    return (found.apply_from.iso() if found.apply_from else None), found.deadline.iso()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("四、申报时间。2024年6月1日至6月30日，逾期不予受理。", ("2024-06-01", "2024-06-30")),
        ("申报时间：2024年5月6日9:00至5月31日17:00", ("2024-05-06", "2024-05-31")),
        ("受理时间为2024年5月6日—31日。", ("2024-05-06", "2024-05-31")),
        ("五、申报时间。即日起至2024年8月31日。", (None, "2024-08-31")),
        ("申报截止时间为2024年9月30日，逾期不予受理。", (None, "2024-09-30")),
        ("请各单位于2024年7月15日前将申报材料报送至市工信局。", (None, "2024-07-15")),
        ("请于二〇二四年五月三十一日（星期五）前提交。", (None, "2024-05-31")),
        ("申请材料请于２０２４年６月３０日１７：００前报送。", (None, "2024-06-30")),
        ("公示时间\n2024年5月10日至5月16日（5个工作日）。", ("2024-05-10", "2024-05-16")),
        ("意见反馈截止时间为2024年12月20日。", (None, "2024-12-20")),
    ],
)
def test_chinese_windows_and_deadlines(text, expected):
    assert window(text) == expected


def test_a_chinese_deadline_without_a_year_takes_the_documents_year():
    assert window("请于5月31日前报送申报材料。", year=2024) == (None, "2024-05-31")
    assert window("请于5月31日前报送申报材料。") == (None, "--05-31")


def test_a_window_that_ends_before_it_starts_runs_into_the_next_year():
    assert window("申报时间：12月1日至1月15日。", year=2024) == ("2024-12-01", "2025-01-15")
    assert window("申报时间：2024年12月1日至1月15日。") == ("2024-12-01", "2025-01-15")


@pytest.mark.parametrize(
    "text",
    [
        "本措施自印发之日起施行，有效期至2025年12月31日。",
        "本细则自2024年7月1日起施行，有效期三年。",
        "截至2024年3月31日，全市已建成算力规模超过1万P。",
        "大会将于2024年9月5日在福州召开。",
    ],
)
def test_validity_dates_events_and_statistics_are_not_deadlines(text):
    assert window(text) == (None, None)


def test_the_first_deadline_is_the_one_to_apply_by():
    text = "申报截止时间为2024年6月30日。各区工信部门于7月10日前完成初审并报送市工信局。"
    assert window(text) == (None, "2024-06-30")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Companies must submit applications by May 31, 2024.", (None, "2024-05-31")),
        ("Applications are open from June 1 to July 31, 2024.", ("2024-06-01", "2024-07-31")),
        ("The deadline for applications is 30 September 2024.", (None, "2024-09-30")),
        ("Public comments can be submitted until Jan. 15, 2025.", (None, "2025-01-15")),
        ("Applications close on August 15, the bureau said.", (None, "--08-15")),
    ],
)
def test_english_windows_and_deadlines(text, expected):
    assert window(text, "en") == expected


def test_english_dates_that_are_not_about_applying_are_not_deadlines():
    assert window("The rules take effect on June 1, 2024, the ministry said on May 31.", "en") == (None, None)
    assert window("BEIJING, March 12 — Beijing will hand out 40 million yuan.", "en") == (None, None)


def test_an_english_year_less_deadline_takes_the_given_year():
    found = find_window("Firms should apply by May 31.", "en", 2025)
    assert found is not None and found.deadline == LooseDate(2025, 5, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Publicity period: 2 March 2025 to 6 March 2025.", ("2025-03-02", "2025-03-06")),
        (
            "Objections may be lodged from 3 April 2025 until 5 p.m. on 9 April 2025.",
            ("2025-04-03", "2025-04-09"),
        ),
        (
            "Applications are accepted from 12 May 2025 to 17:30 on 20 June 2025.",
            ("2025-05-12", "2025-06-20"),
        ),
    ],
)
def test_english_publicity_periods_and_windows_that_close_at_an_hour(text, expected):
    assert window(text, "en") == expected
