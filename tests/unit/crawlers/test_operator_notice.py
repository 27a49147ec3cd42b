"""Operator notices reach a real SMTP server and a real webhook endpoint, signed; failures are returned."""

import json

from policyradar.notify import notify_operator, sign
from policyradar.settings import Settings
from tests.fixtures.receivers import smtp_server, webhook_receiver

SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="


def test_a_notice_goes_by_email_and_by_signed_webhook():
    with smtp_server() as (port, inbox), webhook_receiver() as (url, hook):
        settings = Settings(
            smtp_port=port,
            operator_email="ops@example.com",
            operator_webhook=url,
            operator_webhook_secret=SECRET,
            allow_private_hosts=(url.split("/")[2],),
        )
        failures = notify_operator(settings, "source x is broken", "entry point failed", {"source_id": "x"})
    assert failures == []
    (mail,) = inbox.messages
    assert mail["Subject"] == "[Policy Radar] source x is broken" and mail["To"] == "ops@example.com"
    ((headers, body),) = hook.deliveries
    assert json.loads(body) == {
        "subject": "source x is broken",
        "text": "entry point failed",
        "source_id": "x",
    }
    expected = sign(SECRET, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    assert headers["webhook-signature"] == expected


def test_an_unreachable_mail_server_is_reported_not_raised():
    settings = Settings(smtp_port=1, operator_email="ops@example.com")
    (failure,) = notify_operator(settings, "source x recovered", "fine again", {})
    assert failure.startswith("email: SMTP 127.0.0.1:1:")
