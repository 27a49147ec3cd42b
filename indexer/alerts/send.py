"""Delivering a digest: an email (plain text + HTML), a webhook signed the Standard Webhooks way, and
chat robots (WeCom, DingTalk, Feishu: ``robots.py``).

All carry the digest's message id, so a resend after a crash is recognisable as the same message.
"""

from __future__ import annotations

import hmac
import re
import time
from email.message import EmailMessage
from typing import Any

from indexer.alerts.model import Alert
from indexer.alerts.robots import PLATFORM_NAMES, Robot, RobotMessage, alert_robots
from indexer.alerts.robots import send_robot as post_to_robot
from policyradar.errors import PolicyRadarError
from policyradar.notify import NotifyError, post_json, sign, signed_webhook
from policyradar.notify import send_email as smtp_send
from policyradar.settings import Settings
from policyradar.urlsafety import UnsafeUrlError


class DeliveryError(PolicyRadarError):
    """A digest could not be delivered (it stays pending and is retried)."""


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """Check a received webhook: signature over id, timestamp and body, and a fresh timestamp."""
    message_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "0")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, message_id, int(timestamp), body).split(",", 1)[1]
    offered = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split() if "," in part]
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


def send_email(
    settings: Settings,
    alert: Alert,
    message_id: str,
    text: str,
    html: str,
    count: int,
    subject: str | None = None,
) -> None:
    """Send a digest (or, with its own ``subject``, a reminder) by email."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(alert.email)
    plural = "s" if count != 1 else ""
    message["Subject"] = subject or f"[Policy Radar] {alert.name}: {count} new announcement{plural}"
    message["Message-ID"] = f"<{message_id}@policyradar>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    try:
        smtp_send(settings, message)
    except NotifyError as exc:
        raise DeliveryError(f"email for alert {alert.name!r} failed: {exc}") from exc


_QUERY = re.compile(r"""(https?://[^\s'"?#]+)\?[^\s'"#]*""")


def without_queries(error: Exception | str) -> str:
    """The error's text with every URL's query string left out: robot addresses carry their
    credential there (WeCom ``key``, DingTalk ``access_token`` and ``sign``), and delivery errors
    are logged and kept in the ledger."""
    return _QUERY.sub(r"\1?…", str(error))


def send_webhook(settings: Settings, alert: Alert, message_id: str, payload: dict[str, Any]) -> None:
    """POST the signed payload to the alert's webhook (checked address, no redirects)."""
    body, headers = signed_webhook(payload, message_id, alert.webhook_secret or None)
    try:
        post_json(alert.webhook_url or "", body, headers, settings)
    except UnsafeUrlError as exc:
        raise DeliveryError(f"webhook for alert {alert.name!r} refused: {without_queries(exc)}") from exc
    except NotifyError as exc:
        raise DeliveryError(f"webhook for alert {alert.name!r} failed: {without_queries(exc)}") from exc


def send_robot(settings: Settings, alert: Alert, robot: Robot, message: RobotMessage) -> None:
    """Post a digest or reminder to one of the alert's chat robots (``robots.py``)."""
    name = PLATFORM_NAMES[robot.platform]
    try:
        post_to_robot(settings, robot, message)
    except UnsafeUrlError as exc:
        raise DeliveryError(f"{name} robot of alert {alert.name!r} refused: {without_queries(exc)}") from exc
    except NotifyError as exc:
        raise DeliveryError(f"{name} robot of alert {alert.name!r} failed: {without_queries(exc)}") from exc


def robots_of(alert: Alert) -> dict[str, Robot]:
    """The alert's chat robots by platform."""
    fields = [
        ("wecom", alert.wecom_url, None),
        ("dingtalk", alert.dingtalk_url, alert.dingtalk_secret),
        ("feishu", alert.feishu_url, alert.feishu_secret),
    ]
    return {robot.platform: robot for robot in alert_robots(fields)}
