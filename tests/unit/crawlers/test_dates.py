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
