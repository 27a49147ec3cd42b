"""Chat robot messages (WeCom, DingTalk, Feishu): addresses, formats, byte limits and signing."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer.alerts.cli import check_robot_options
from indexer.alerts.robots import (
    BYTE_LIMITS,
    Robot,
    answer_problem,
    check_robot_url,
    digest_message,
    request_body,
    robot_body,
    signed_address,
)
from launcher.cli import build_parser
from policyradar.errors import PolicyRadarError
from policyradar.settings import Settings
from policyradar.urlsafety import UnsafeUrlError
from tests.fixtures.receivers import _expected_signature

PUBLIC = lambda host, port: ["101.89.0.1"]  # noqa: E731 - a public address stands in for DNS
SETTINGS = Settings()


def items(count: int, title: str = "关于人工智能算力补贴的通知") -> list[dict]:
    return [
        {
            "id": f"doc-{n}",
            "title": f"{title} {n}",
            "url": f"https://gov.example.cn/notice/{n}.html",
            "published_at": "2024-05-01T00:00:00Z",
            "provinces": ["Guangdong"],
            "money": [{"text": "5000万元", "value_cny": 5e7, "is_subsidy": True}],
            "deadline": "2024-06-30",
        }
        for n in range(count)
    ]


def markdown_of(platform: str, body: dict) -> str:
    return body["markdown"]["content"] if platform == "wecom" else body["markdown"]["text"]


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/abc"),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/abc"),
    ],
)
def test_robot_addresses_on_their_platforms_host_pass(platform, url):
    assert check_robot_url(platform, url, SETTINGS, PUBLIC) == url


@pytest.mark.parametrize(
    ("platform", "url", "reason"),
    [
        ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=abc", "qyapi.weixin.qq.com"),
        ("dingtalk", "https://hooks.example.com/robot/send", "oapi.dingtalk.com"),
        ("feishu", "http://open.feishu.cn/open-apis/bot/v2/hook/abc", "https://"),
        ("feishu", "https://open.feishu.cn/other/path", "/open-apis/bot/v2/hook/"),
        ("dingtalk", "https://oapi.dingtalk.com:8443/robot/send", "oapi.dingtalk.com"),
        ("wecom", "http://127.0.0.1:9200/_bulk", "qyapi.weixin.qq.com"),
    ],
)
def test_robot_addresses_elsewhere_are_refused_saying_where_they_must_be(platform, url, reason):
    with pytest.raises(UnsafeUrlError, match=reason):
        check_robot_url(platform, url, SETTINGS, PUBLIC)


def test_an_extra_host_is_accepted_but_still_passes_the_url_checks():
    extra = Settings(robot_extra_hosts=("127.0.0.1",))
    with pytest.raises(UnsafeUrlError, match="loopback"):
        check_robot_url("wecom", "http://127.0.0.1:5000/hook", extra)
    allowed = Settings(robot_extra_hosts=("127.0.0.1",), allow_private_hosts=("127.0.0.1",))
    assert check_robot_url("wecom", "http://127.0.0.1:5000/hook", allowed)


def test_a_platform_host_that_resolves_inside_the_network_is_refused():
    with pytest.raises(UnsafeUrlError, match="private"):
        check_robot_url(
            "wecom",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a",
            SETTINGS,
            lambda h, p: ["10.0.0.5"],
        )


@pytest.mark.parametrize("platform", ["wecom", "dingtalk"])
def test_markdown_digests_link_each_item_with_its_facts(platform):
    body = robot_body(platform, digest_message("gd-big", "digest", items(2), "msg_1"))
    text = markdown_of(platform, body)
    assert body["msgtype"] == "markdown"
    assert "Policy Radar · gd-big: 2 new announcements" in text
    assert "- [关于人工智能算力补贴的通知 0](https://gov.example.cn/notice/0.html)" in text
    assert "5000万元 (subsidy)" in text and "apply until 2024-06-30" in text and "Guangdong" in text
    assert "more" not in text and "msg_1" in text
    if platform == "dingtalk":
        assert body["markdown"]["title"].startswith("Policy Radar · gd-big")


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_a_long_digest_is_cut_to_the_platforms_limit_and_says_how_many_more(platform):
    many = items(400)
    body = robot_body(platform, digest_message("big", "digest", many, "msg_2"))
    if platform == "feishu":
        size = len(json.dumps(body, ensure_ascii=False).encode())
        paragraphs = body["content"]["post"]["zh_cn"]["content"]
        shown = sum(1 for p in paragraphs if p[0].get("tag") == "a")
        more_line = paragraphs[-2][0]["text"]
    else:
        text = markdown_of(platform, body)
        size = len(text.encode())
        shown = text.count("\n- [")
        more_line = next(line for line in text.splitlines() if line.startswith("… and"))
    assert size <= BYTE_LIMITS[platform]
    assert 0 < shown < 400
    assert more_line == f"… and {400 - shown} more"


def test_wecom_keeps_as_many_items_as_fit_in_4096_bytes():
    body = robot_body("wecom", digest_message("big", "digest", items(400), "msg_3"))
    text = body["markdown"]["content"]
    shown = text.count("\n- [")
    one_more = robot_body("wecom", digest_message("big", "digest", items(shown + 1), "msg_3"), limit=10**6)
    lines = one_more["markdown"]["content"].splitlines()
    # The message with one item more (and its own "… and N more" line) would not have fitted.
    assert len("\n".join(lines).encode()) + len(f"\n… and {400 - shown - 1} more".encode()) > 4096


def test_markup_in_document_text_cannot_make_links_or_mentions():
    hostile = [
        {"title": "[click](javascript:alert(1)) <@all> **bold** # head", "url": "javascript:alert(1)"},
        {"title": "ok", "url": "https://gov.example.cn/a (b).html"},
    ]
    text = robot_body("wecom", digest_message("x", "digest", hostile, "m"))["markdown"]["content"]
    assert "javascript:" not in text.replace("［click］（javascript:alert（1））", "")
    assert "<@all>" not in text and "](javascript" not in text and "**bold**" not in text
    assert "- ［click］（javascript:alert（1）） ＜@all＞ ＊＊bold＊＊ ＃ head" in text
    assert "[ok](https://gov.example.cn/a%20%28b%29.html)" in text


def test_feishu_posts_link_items_and_leave_unsafe_addresses_as_text():
    hostile = [{"title": "<b>t</b>", "url": "javascript:alert(1)"}, *items(1)]
    body = robot_body("feishu", digest_message("x", "reminder", hostile, "m"))
    post = body["content"]["post"]["zh_cn"]
    assert body["msg_type"] == "post" and post["title"] == "Policy Radar · x: 2 deadlines coming up"
    first, second = post["content"][0], post["content"][1]
    assert first[0] == {"tag": "text", "text": "＜b＞t＜/b＞"}
    assert second[0]["tag"] == "a" and second[0]["href"] == "https://gov.example.cn/notice/0.html"


def test_dingtalk_signs_the_address_as_the_platform_checks_it():
    robot = Robot("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc")
    address = signed_address(robot, now=1_700_000_000.5)
    query = parse_qs(urlsplit(address).query)
    assert query["access_token"] == ["t"] and query["timestamp"] == ["1700000000500"]
    assert query["sign"] == [_expected_signature("dingtalk", "SECabc", "1700000000500")]
    unsigned = Robot("dingtalk", robot.url)
    assert signed_address(unsigned, now=1.0) == robot.url


def test_feishu_signs_the_body_as_the_platform_checks_it():
    robot = Robot("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/h", "s3cret")
    sent = json.loads(request_body(robot, {"msg_type": "post"}, now=1_700_000_000.9))
    assert sent["timestamp"] == "1700000000"
    assert sent["sign"] == _expected_signature("feishu", "s3cret", "1700000000")
    assert sent["sign"] != _expected_signature("feishu", "other", "1700000000")
    assert "sign" not in json.loads(request_body(Robot("feishu", robot.url), {"msg_type": "post"}, now=1.0))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (b'{"errcode": 0, "errmsg": "ok"}', None),
        (b'{"code": 0, "msg": "success"}', None),
        (b'{"errcode": 310000, "errmsg": "sign not match"}', "errcode 310000: sign not match"),
        (b'{"code": 19021, "msg": "sign match fail"}', "code 19021: sign match fail"),
        (b'{"StatusCode": 9499, "StatusMessage": "Bad Request"}', "StatusCode 9499: Bad Request"),
        (b"<html>", "unreadable answer"),
    ],
)
def test_the_platforms_answer_says_whether_the_message_was_accepted(answer, problem):
    found = answer_problem(answer)
    assert (found is None) if problem is None else (problem in found)


def test_alerts_add_names_the_option_of_a_refused_robot_address_or_a_secret_without_its_robot():
    add = ["alerts", "add", "watch"]
    refused = build_parser().parse_args([*add, "--dingtalk", "https://hooks.example.com/robot/send"])
    with pytest.raises(PolicyRadarError, match=r"^--dingtalk: .*oapi\.dingtalk\.com"):
        check_robot_options(refused)
    lonely = build_parser().parse_args([*add, "--feishu-secret", "s3cret"])
    with pytest.raises(PolicyRadarError, match="--feishu-secret needs --feishu URL"):
        check_robot_options(lonely)


def test_delivery_errors_never_carry_a_robot_address_credential():
    from indexer.alerts.send import without_queries

    error = (
        "'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-secret-key' refused; "
        "https://oapi.dingtalk.com/robot/send?access_token=ding-token&timestamp=1&sign=abc answered 500"
    )
    shown = without_queries(error)
    assert "wecom-secret-key" not in shown and "ding-token" not in shown and "sign=abc" not in shown
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…" in shown
