"""Delivering a digest: an email (plain text + HTML) and/or a webhook signed the Standard Webhooks way.

Both carry the digest's message id, so a resend after a crash is recognisable as the same message.
"""

from __future__ import annotations

import hmac
import json
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from indexer.alerts.model import Alert
from policyradar.errors import PolicyRadarError
from policyradar.notify import NotifyError, sign
from policyradar.notify import send_email as smtp_send
from policyradar.settings import Settings
from policyradar.urlsafety import check_url


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


def send_email(settings: Settings, alert: Alert, message_id: str, text: str, html: str, count: int) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(alert.email)
    message["Subject"] = f"[Policy Radar] {alert.name}: {count} new announcement{'s' if count != 1 else ''}"
    message["Message-ID"] = f"<{message_id}@policyradar>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    try:
        smtp_send(settings, message)
    except NotifyError as exc:
        raise DeliveryError(f"email for alert {alert.name!r} failed: {exc}") from exc


def send_webhook(settings: Settings, alert: Alert, message_id: str, payload: dict[str, Any]) -> None:
    url = check_url(alert.webhook_url or "", settings.allow_private_hosts)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    timestamp = int(time.time())
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "PolicyRadar-Webhooks/0.1",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(alert.webhook_secret or "", message_id, timestamp, body),
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook for alert {alert.name!r} answered {response.status}")
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook for alert {alert.name!r} failed: {exc}") from exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is refused: the target was checked, the redirect target was not."""

    def redirect_request(self, *args, **kwargs):
        return None
