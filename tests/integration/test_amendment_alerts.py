"""Alerts with ``on_change`` on the real broker, engine and a real SMTP server, the digest service's
clock set by hand: a delivered notice that is amended comes back once under "Amended" with what
changed; an alert without the option hears nothing more, and a replay queues nothing twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from indexer.alerts.digest import DigestService
from indexer.alerts.model import Alert
from indexer.alerts.store import AlertStore
from indexer.index_versions import ensure_index
from tests.fixtures.receivers import smtp_server
from tests.integration.test_versions import V1, V2, index_through_kafka

pytestmark = pytest.mark.integration
NOW = datetime(2024, 5, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_an_amended_notice_comes_back_once_under_amended_for_alerts_on_change(settings, engine):
    settings = settings.model_copy(update={"allow_private_hosts": ("127.0.0.1",)})
    ensure_index(engine, settings.index_alias)
    store = AlertStore(engine, settings.index_alias)
    with smtp_server() as (port, inbox):
        settings = settings.model_copy(update={"smtp_port": port})
        for name, on_change in (("watching", True), ("once", False)):
            store.save(
                Alert(
                    name=name,
                    owner="analyst",
                    every="instant",
                    email=[f"{name}@example.com"],
                    on_change=on_change,
                )
            )
        digests = DigestService(engine, settings.index_alias, settings, clock=lambda: NOW)
        index_through_kafka(settings, engine, [V1])
        assert len(digests.run_due()) == 2  # the notice, to both alerts
        index_through_kafka(settings, engine, [V2])
        assert len(digests.run_due()) == 1
        assert len(inbox.messages) == 3 and inbox.messages[2]["To"] == "watching@example.com"
        text = inbox.messages[2].get_body(("plain",)).get_content()
        lines = text.splitlines()
        assert "0 new announcements, 1 amended" in lines
        start = lines.index("== Amended ==")
        assert lines[start + 1 : start + 5] == [
            f"* {V2.title}",
            "  - deadline moved from 2024-05-31 to 2024-06-15",
            "  - subsidy cap raised from 50,000,000 CNY to 100,000,000 CNY",
            "  now: notice · by Beijing Economy Bureau · apply until 2024-06-15",
        ]
        html = inbox.messages[2].get_body(("html",)).get_content()
        assert "<li>deadline moved from 2024-05-31 to 2024-06-15</li>" in html
        index_through_kafka(settings, engine, [V1, V2], group=f"{settings.group_indexer}-replay")
        assert digests.run_due() == [] and len(inbox.messages) == 3
