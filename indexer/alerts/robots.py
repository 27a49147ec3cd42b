"""Digests for chat group robots: WeCom (企业微信), DingTalk (钉钉) and Feishu/Lark (飞书).

Each platform has its own message and signing:

- WeCom: ``{"msgtype": "markdown", "markdown": {"content": ...}}`` POSTed to the robot's
  ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` address; no signing (the key in the
  address is the credential); content at most 4,096 bytes of UTF-8.
- DingTalk: ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}`` POSTed to
  ``https://oapi.dingtalk.com/robot/send?access_token=…``; with a signing secret (``SEC…``), the
  address also carries ``timestamp`` (milliseconds) and ``sign``, the base64 HMAC-SHA256 of
  ``"{timestamp}\\n{secret}"`` keyed with the secret. Text kept under 18,000 bytes (the platform's
  limit is 20,000).
- Feishu: ``{"msg_type": "post", "content": {"post": {"zh_cn": {"title", "content"}}}}`` (rich text:
  links are ``a`` elements, so titles need no escaping) POSTed to
  ``https://open.feishu.cn/open-apis/bot/v2/hook/…`` (or ``open.larksuite.com``); with a signing
  secret the body also carries ``timestamp`` (seconds) and ``sign``, the base64 HMAC-SHA256 of an
  empty message keyed with ``"{timestamp}\\n{secret}"``. The body is kept under 18,000 bytes (the
  platform's limit is 20 KB).

All three answer HTTP 200 with an error code in the JSON body (``errcode`` or ``code``): anything
but 0 is a failed delivery. Items that do not fit end the message with "… and N more". Robot
addresses pass the project's URL checks and must be on the platform's own host; hosts listed in
``POLICYRADAR_ROBOT_EXTRA_HOSTS`` are accepted besides (local test receivers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from policyradar.notify import NotifyError
from policyradar.settings import Settings
from policyradar.urlsafety import FetchError, Resolver, UnsafeUrlError, check_url, open_checked, resolve_all

PLATFORMS = ("wecom", "dingtalk", "feishu")
PLATFORM_NAMES = {"wecom": "WeCom", "dingtalk": "DingTalk", "feishu": "Feishu"}
PLATFORM_HOSTS = {
    "wecom": ("qyapi.weixin.qq.com",),
    "dingtalk": ("oapi.dingtalk.com",),
    "feishu": ("open.feishu.cn", "open.larksuite.com"),
}
PLATFORM_PATHS = {
    "wecom": "/cgi-bin/webhook/send",
    "dingtalk": "/robot/send",
    "feishu": "/open-apis/bot/v2/hook/",
}
# Bytes of UTF-8 a message may take: WeCom's markdown content, DingTalk's markdown text, Feishu's
# whole request body (each under the platform's own limit).
BYTE_LIMITS = {"wecom": 4096, "dingtalk": 18_000, "feishu": 18_000}
MAX_ANSWER_BYTES = 65_536
# Characters that would make markup (links, mentions, emphasis, headings) in WeCom or DingTalk
# markdown, replaced by their full-width forms in document text.
_MARKUP = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
    }
)


@dataclass(frozen=True)
class Robot:
    """One chat robot of an alert: platform, address and signing secret (if the robot has one)."""

    platform: str
    url: str
    secret: str | None = None


@dataclass(frozen=True)
class RobotLine:
    """One item of a robot message: its title, its link (None when not a web address), its facts."""

    title: str
    url: str | None
    detail: str


@dataclass(frozen=True)
class RobotMessage:
    """What a robot message says: a title, one line per item and a footer."""

    title: str
    lines: list[RobotLine]
    footer: str


# Addresses ---------------------------------------------------------------------------------------


def check_robot_url(platform: str, url: str, settings: Settings, resolve: Resolver = resolve_all) -> str:
    """``url`` when it is a safe address of ``platform``'s robots; UnsafeUrlError saying why not."""
    name = PLATFORM_NAMES[platform]
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError as exc:
        raise UnsafeUrlError(f"{url!r} is not a valid URL: {exc}") from exc
    extra = {entry.strip().lower() for entry in settings.robot_extra_hosts}
    if not ({host, f"{host}:{port}"} & extra):
        hosts = PLATFORM_HOSTS[platform]
        if host not in hosts or port not in (None, 443):
            raise UnsafeUrlError(f"{url!r}: a {name} robot address is on {' or '.join(hosts)}")
        if parts.scheme != "https":
            raise UnsafeUrlError(f"{url!r}: a {name} robot address starts with https://")
        if not parts.path.startswith(PLATFORM_PATHS[platform]):
            raise UnsafeUrlError(
                f"{url!r}: a {name} robot address starts with https://{host}{PLATFORM_PATHS[platform]}"
            )
    return check_url(url, settings.allow_private_hosts, resolve)


# Signing -----------------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: base64 HMAC-SHA256 of an empty message keyed with ``"{timestamp}\\n{secret}"``."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_address(robot: Robot, now: float) -> str:
    """The address to POST to: a signed DingTalk robot's carries ``timestamp`` and ``sign``."""
    if robot.platform != "dingtalk" or not robot.secret:
        return robot.url
    timestamp = int(now * 1000)
    query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(robot.secret, timestamp)})
    return f"{robot.url}{'&' if urlsplit(robot.url).query else '?'}{query}"


# Messages ----------------------------------------------------------------------------------------


def plain(text: Any) -> str:
    """Document text safe inside chat markdown: one line, no markup characters."""
    return " ".join(str(text or "").split()).translate(_MARKUP)


def link_target(url: Any) -> str | None:
    """A document's address as a markdown link target, or None when it is not a web address."""
    text = str(url or "").strip()
    if not text.lower().startswith(("http://", "https://")):
        return None
    return quote(text, safe="/:?&=#%~+,;@!$'*-._")


def item_line(item: dict[str, Any]) -> str:
    """``2024-05-01 · Guangdong · 5000万元 (subsidy) · apply until 2024-06-30 · also 2 copies``."""
    parts = [plain(str(item.get("published_at") or "")[:10])]
    parts.append(plain(", ".join((item.get("provinces") or item.get("places") or [])[:3])))
    money = sorted(item.get("money") or [], key=lambda m: -(m.get("value_cny") or 0))[:1]
    parts += [f"{plain(m.get('text'))}{' (subsidy)' if m.get('is_subsidy') else ''}" for m in money]
    if item.get("deadline"):
        parts.append(f"apply until {plain(str(item['deadline'])[:10])}")
    if item.get("copies"):
        parts.append(f"also {len(item['copies'])} cop{'y' if len(item['copies']) == 1 else 'ies'}")
    return " · ".join(part for part in parts if part)


def digest_message(alert_name: str, kind: str, items: list[dict[str, Any]], message_id: str) -> RobotMessage:
    """The title and lines of a digest (``kind`` ``digest``) or reminder (``reminder``) of ``items``."""
    count = len(items)
    if kind == "reminder":
        title = f"Policy Radar · {alert_name}: {count} deadline{'s' if count != 1 else ''} coming up"
    else:
        title = f"Policy Radar · {alert_name}: {count} new announcement{'s' if count != 1 else ''}"
    lines = [
        RobotLine(plain(item.get("title") or "(untitled)"), link_target(item.get("url")), item_line(item))
        for item in items
    ]
    return RobotMessage(plain(title), lines, f"message {message_id}")


def _markdown_line(line: RobotLine) -> str:
    head = f"[{line.title}]({line.url})" if line.url else line.title
    return f"- {head}" + (f" · {line.detail}" if line.detail else "")


def _markdown(message: RobotMessage, lines: list[str], more: int) -> str:
    body = [f"**{message.title}**", "", *lines]
    if more:
        body.append(f"… and {more} more")
    body += ["", f"> {message.footer}"]
    return "\n".join(body)


def wecom_body(message: RobotMessage, lines: list[str], more: int) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": _markdown(message, lines, more)}}


def dingtalk_body(message: RobotMessage, lines: list[str], more: int) -> dict[str, Any]:
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": _markdown(message, lines, more)},
    }


def feishu_body(message: RobotMessage, lines: list[list[dict[str, str]]], more: int) -> dict[str, Any]:
    paragraphs = [*lines]
    if more:
        paragraphs.append([{"tag": "text", "text": f"… and {more} more"}])
    paragraphs.append([{"tag": "text", "text": message.footer}])
    return {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": message.title, "content": paragraphs}}},
    }


def _feishu_paragraph(line: RobotLine) -> list[dict[str, str]]:
    head = (
        {"tag": "a", "text": line.title, "href": line.url}
        if line.url
        else {"tag": "text", "text": line.title}
    )
    return [head, {"tag": "text", "text": f" · {line.detail}"}] if line.detail else [head]


def _measured(platform: str, body: dict[str, Any]) -> int:
    """The bytes that count against the platform's limit."""
    if platform == "wecom":
        return len(body["markdown"]["content"].encode())
    if platform == "dingtalk":
        return len(body["markdown"]["text"].encode())
    return len(json.dumps(body, ensure_ascii=False).encode()) + 200  # room for timestamp and sign


def robot_body(platform: str, message: RobotMessage, limit: int | None = None) -> dict[str, Any]:
    """The platform's message with as many lines as fit in its byte limit, then "… and N more"."""
    limit = limit or BYTE_LIMITS[platform]
    build: Callable[[RobotMessage, list[Any], int], dict[str, Any]]
    if platform == "feishu":
        rendered: list[Any] = [_feishu_paragraph(line) for line in message.lines]
        build = feishu_body
    else:
        rendered = [_markdown_line(line) for line in message.lines]
        build = wecom_body if platform == "wecom" else dingtalk_body
    kept = _fitting(platform, message, rendered, build, limit)
    body = build(message, rendered[:kept], len(rendered) - kept)
    if _measured(platform, body) > limit:  # even the title does not fit: cut it
        short = RobotMessage(message.title[: limit // 8], [], message.footer)
        body = build(short, [], len(rendered))
    return body


def _fitting(
    platform: str,
    message: RobotMessage,
    rendered: list[Any],
    build: Callable[[RobotMessage, list[Any], int], dict[str, Any]],
    limit: int,
) -> int:
    """How many lines fit (the longest prefix whose message, with its "… and N more", is in limit)."""
    low, high = 0, len(rendered)
    while low < high:  # binary search: the size grows with the number of lines kept
        middle = (low + high + 1) // 2
        if _measured(platform, build(message, rendered[:middle], len(rendered) - middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def request_body(robot: Robot, body: dict[str, Any], now: float) -> bytes:
    """The JSON sent: a signed Feishu robot's body carries ``timestamp`` and ``sign`` first."""
    if robot.platform == "feishu" and robot.secret:
        timestamp = int(now)
        body = {"timestamp": str(timestamp), "sign": feishu_sign(robot.secret, timestamp), **body}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# Sending -----------------------------------------------------------------------------------------


def send_robot(
    settings: Settings,
    robot: Robot,
    message: RobotMessage,
    clock: Callable[[], float] = time.time,
) -> None:
    """Post ``message`` to ``robot`` (address checked again, no redirects); NotifyError when the
    platform does not accept it, UnsafeUrlError when the address is refused."""
    check_robot_url(robot.platform, robot.url, settings)
    now = clock()
    data = request_body(robot, robot_body(robot.platform, message), now)
    name = PLATFORM_NAMES[robot.platform]
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "PolicyRadar-Robots/0.1"}
    try:
        with open_checked(
            signed_address(robot, now),
            method="POST",
            data=data,
            headers=headers,
            timeout=15,
            allowed=settings.allow_private_hosts,
        ) as response:
            status, answer = response.status, response.read(MAX_ANSWER_BYTES)
    except FetchError as exc:
        raise NotifyError(f"{name} robot: {exc}") from exc
    if not 200 <= status < 300:
        raise NotifyError(f"{name} robot answered HTTP {status}")
    problem = answer_problem(answer)
    if problem:
        raise NotifyError(f"{name} robot refused the message: {problem}")


def answer_problem(answer: bytes) -> str | None:
    """What the platform's JSON answer reports as wrong (``errcode``/``code`` not 0), or None."""
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return f"unreadable answer {answer[:200]!r}"
    if not isinstance(parsed, dict):
        return f"unexpected answer {answer[:200]!r}"
    for code_field, text_field in (("errcode", "errmsg"), ("code", "msg"), ("StatusCode", "StatusMessage")):
        code = parsed.get(code_field)
        if code not in (None, 0):
            return f"{code_field} {code}: {parsed.get(text_field, '')}"
    return None


def alert_robots(fields: Iterable[tuple[str, str | None, str | None]]) -> list[Robot]:
    """The robots among (platform, url, secret) triples that have an address."""
    return [Robot(platform, url, secret or None) for platform, url, secret in fields if url]
