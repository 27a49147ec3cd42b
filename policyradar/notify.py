"""Sending mail and signed webhooks, shared by digests and operator notices.

Email goes through the SMTP server in the settings (``POLICYRADAR_SMTP_*``). Webhooks are signed the
Standard Webhooks way (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) and never follow
a redirect. ``notify_operator`` tells the operator addresses (``POLICYRADAR_OPERATOR_EMAIL`` and/or
``POLICYRADAR_OPERATOR_WEBHOOK``) about something that needs a person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import time
import uuid
from email.message import EmailMessage
from typing import Any

from policyradar.errors import PolicyRadarError
from policyradar.settings import Settings
from policyradar.urlsafety import FetchError, open_checked

log = logging.getLogger("policyradar.notify")


class NotifyError(PolicyRadarError):
    """A message could not be handed to the mail server or the webhook endpoint."""


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Hand ``message`` to the configured SMTP server (``From`` defaults to ``POLICYRADAR_SMTP_FROM``)."""
    if "From" not in message:
        message["From"] = settings.smtp_from
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_username, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with the ``whsec_`` secret's key bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_webhook(
    payload: dict[str, Any], message_id: str, secret: str | None
) -> tuple[bytes, dict[str, str]]:
    """The JSON body and the Standard Webhooks headers (signed when a secret is given)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    timestamp = int(time.time())
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    return body, headers


def post_json(url: str, body: bytes, headers: dict[str, str], settings: Settings) -> int:
    """POST ``body`` as JSON to ``url``, connecting to the very address that was checked (no second
    name resolution), never following a redirect; the 2xx status, else NotifyError."""
    all_headers = {"Content-Type": "application/json", "User-Agent": "PolicyRadar-Webhooks/0.1", **headers}
    try:
        with open_checked(
            url,
            method="POST",
            data=body,
            headers=all_headers,
            timeout=15,
            allowed=settings.allow_private_hosts,
        ) as response:
            status = response.status
    except FetchError as exc:
        raise NotifyError(f"webhook {url}: {exc}") from exc
    if not 200 <= status < 300:
        raise NotifyError(f"webhook {url} answered {status}")
    return status


def notify_operator(settings: Settings, subject: str, text: str, event: dict[str, Any]) -> list[str]:
    """Send a notice to every configured operator address; the failures, one line each (not raised:
    a notice that cannot go out must not stop the process that sends it)."""
    message_id = f"msg_{uuid.uuid4().hex}"
    failures = []
    if settings.operator_email:
        message = EmailMessage()
        message["To"] = settings.operator_email
        message["Subject"] = f"[Policy Radar] {subject}"
        message["Message-ID"] = f"<{message_id}@policyradar>"
        message.set_content(text)
        failures += _attempt("email", lambda: send_email(settings, message))
    if settings.operator_webhook:
        secret = settings.operator_webhook_secret
        body, headers = signed_webhook(
            {"subject": subject, "text": text, **event},
            message_id,
            secret.get_secret_value() if secret else None,
        )
        failures += _attempt("webhook", lambda: post_json(settings.operator_webhook, body, headers, settings))
    return failures


def _attempt(channel: str, send: Any) -> list[str]:
    try:
        send()
    except PolicyRadarError as exc:
        log.error("operator %s not delivered: %s", channel, exc)
        return [f"{channel}: {exc}"]
    return []
