"""Deadlines in digests and reminders: the "Closing within 14 days" section, when a reminder is due
(the alert's time of day, in its zone, N days before the deadline, never after it), and what a
reminder says. The ledger side runs against the real engine in tests/integration/test_reminders.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from indexer.alerts.cli import alert_from_args
from indexer.alerts.model import Alert
from indexer.alerts.reminders import due_reminder, reminder_day, reminder_id_for, reminder_window
from indexer.alerts.render import closing_soon, facts_text, render_digest, render_reminder
from launcher.cli import build_parser
from policyradar.errors import PolicyRadarError
from policyradar.rates import rates_to_cny

TODAY = date(2024, 6, 10)


def item(title: str, deadline: str | None = None, **facts) -> dict:
    """A match as digests receive it (``store.doc_summary``), with the facts of issue 10."""
    return {
        "title": title,
        "url": f"https://example.gov.cn/{title}",
        "source_id": "demo",
        "published_at": "2024-06-01T00:00:00",
        "money": [],
        "places": [],
        "provinces": ["Beijing"],
        "companies": [],
        "deadline": deadline,
        **facts,
    }


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in June 2024, given on Shanghai's clock, as UTC."""
    return datetime(2024, 6, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


# Closing within 14 days ------------------------------------------------------------------------------
def test_closing_soon_keeps_deadlines_from_today_through_14_days_soonest_first():
    items = [
        item("later", "2024-06-24"),
        item("past", "2024-06-09"),
        item("today", "2024-06-10"),
        item("too-far", "2024-06-25"),
        item("none"),
        item("old-match-without-facts") | {"deadline": None},
    ]
    closing = closing_soon(items, TODAY)
    assert [(i["title"], i["days_left"], i["due"]) for i in closing] == [
        ("today", 0, "closes today"),
        ("later", 14, "closes in 14 days"),
    ]


def test_the_digest_opens_with_the_items_closing_within_14_days():
    alert = Alert(name="bj", owner="ops")
    items = [
        item("far", "2024-09-01", doc_type="notice"),
        item("soon", "2024-06-11", doc_type="notice", doc_number="京经信发〔2024〕12号", issuers=["BJEIT"]),
    ]
    text, html = render_digest(alert, items, "msg_1", TODAY)
    lines = text.splitlines()
    start = lines.index("== Closing within 14 days (through 2024-06-24) ==")
    assert lines[start + 1 : start + 3] == [
        "* 2024-06-11 (closes tomorrow): soon",
        "  https://example.gov.cn/soon",
    ]
    assert "far" not in "\n".join(lines[start : lines.index("== Beijing ==")])
    assert "  notice 京经信发〔2024〕12号 · by BJEIT · apply until 2024-06-11" in lines
    assert "Closing within 14 days</h2>" in html and "<strong>2024-06-11</strong> (closes tomorrow)" in html


def test_a_digest_with_nothing_closing_has_no_such_section():
    text, html = render_digest(
        Alert(name="bj", owner="ops"), [item("far", "2024-09-01"), item("x")], "m", TODAY
    )
    assert "Closing" not in text and "Closing" not in html


def test_facts_text_says_what_is_known():
    assert facts_text(item("a")) == ""
    assert facts_text({"doc_type": "draft"}) == "draft"
    full = {
        "doc_type": "notice",
        "issuers": ["MIIT", "MOF"],
        "deadline": "2024-06-30",
        "apply_from": "2024-06-01",
    }
    assert facts_text(full) == "notice · by MIIT, MOF · apply 2024-06-01 to 2024-06-30"


# When a reminder is due ----------------------------------------------------------------------------------
def test_a_reminder_is_due_from_the_alert_s_time_of_day_n_days_before_through_the_deadline():
    alert = Alert(name="r", owner="ops", at="08:00", timezone="Asia/Shanghai", remind_days=3)
    deadline = "2024-06-20"
    assert not due_reminder(alert, deadline, shanghai(17, 7, 59))
    assert due_reminder(alert, deadline, shanghai(17, 8, 0))
    assert due_reminder(alert, deadline, shanghai(20, 23, 59))  # the deadline day itself
    assert not due_reminder(alert, deadline, shanghai(21, 8, 0))  # never after it
    assert not due_reminder(alert, None, shanghai(18, 9))
    assert not due_reminder(alert.model_copy(update={"remind_days": None}), deadline, shanghai(18, 9))


def test_the_window_is_counted_in_the_alert_s_zone():
    alert = Alert(name="r", owner="ops", at="08:00", timezone="Asia/Shanghai", remind_days=2)
    early = datetime(2024, 6, 9, 23, 30, tzinfo=UTC)  # 07:30 on the 10th in Shanghai
    assert reminder_day(alert, early) == date(2024, 6, 9)
    assert reminder_window(alert, early) == (date(2024, 6, 10), date(2024, 6, 11))
    assert reminder_window(alert, datetime(2024, 6, 10, 0, 0, tzinfo=UTC)) == (
        date(2024, 6, 10),
        date(2024, 6, 12),
    )
    assert reminder_window(Alert(name="r", owner="ops"), early) is None


def test_reminder_ids_are_the_same_for_every_scheduler_and_differ_by_day_part_and_alert():
    alert = Alert(name="r", owner="ops", remind_days=2)
    first = reminder_id_for(alert, TODAY)
    assert first == reminder_id_for(Alert(name="r", owner="ops"), TODAY) and first.startswith("rem_")
    others = {reminder_id_for(alert, date(2024, 6, 11)), reminder_id_for(alert, TODAY, 1)}
    others.add(reminder_id_for(Alert(name="r", owner="someone-else"), TODAY))
    assert first not in others and len(others) == 3


# What a reminder says ---------------------------------------------------------------------------------
def test_a_reminder_lists_the_deadlines_soonest_first_with_their_facts_escaped_in_html():
    alert = Alert(name="grants", owner="ops", remind_days=3)
    items = [
        item("<b>later</b>", "2024-06-13", doc_type="notice"),
        item("sooner", "2024-06-12", doc_number="沪经信〔2024〕3号"),
    ]
    text, html, subject = render_reminder(alert, items, "rem_1", TODAY)
    assert subject == "[Policy Radar] grants: 2 deadlines coming up"
    assert text.splitlines()[:7] == [
        "Policy Radar reminder: grants",
        "2 application deadlines coming up",
        "",
        "* 2024-06-12 (closes in 2 days): sooner",
        "  沪经信〔2024〕3号 · apply until 2024-06-12",
        "  https://example.gov.cn/sooner",
        "* 2024-06-13 (closes in 3 days): <b>later</b>",
    ]
    assert "Message rem_1" in text and "3 days before its deadline" in text
    assert "&lt;b&gt;later&lt;/b&gt;" in html and "<b>later" not in html


# Setting it -------------------------------------------------------------------------------------------
def test_alerts_add_takes_remind_days_and_refuses_a_bad_number_naming_the_option():
    rates = rates_to_cny()
    args = build_parser().parse_args(
        ["alerts", "add", "grants", "--open", "--doc-type", "notice", "--remind-days", "3"]
    )
    alert = alert_from_args(args, rates)
    assert alert.remind_days == 3 and alert.conditions.open_only and alert.conditions.doc_types == ["notice"]
    bad = build_parser().parse_args(["alerts", "add", "grants", "--remind-days", "0"])
    with pytest.raises(PolicyRadarError, match=r"^--remind-days: Input should be greater than or equal to 1"):
        alert_from_args(bad, rates)
    with pytest.raises(ValidationError):
        Alert(name="r", owner="ops", remind_days=91)
