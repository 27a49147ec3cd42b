"""Digest rendering (groups, ranking by amount, escaping) and Standard Webhooks signing and checking."""

from __future__ import annotations

import json
import time

import pytest

from indexer.alerts.model import Alert
from indexer.alerts.render import biggest_cny, group_items, render_digest
from indexer.alerts.send import verify
from indexer.query import Conditions
from policyradar.notify import sign, signed_webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def money(value_cny: float, subsidy: bool = True, text: str | None = None) -> dict:
    return {"text": text or f"{value_cny:g} yuan", "value_cny": value_cny, "is_subsidy": subsidy}


def item(title: str, amounts: list[dict], **fields) -> dict:
    """A match as the digest receives it (the shape of ``store.doc_summary``)."""
    shown = {"title": title, "url": f"https://example.gov.cn/{title}", "source_id": "demo"}
    return {
        **shown,
        "published_at": None,
        "money": amounts,
        "places": [],
        "provinces": [],
        "companies": [],
        **fields,
    }


def titles(groups: list[tuple[str, list[dict]]]) -> list[tuple[str, list[str]]]:
    return [(name, [i["title"] for i in group]) for name, group in groups]


# Ranking and grouping ------------------------------------------------------------------------------
def test_the_biggest_subsidy_ranks_an_item_and_other_amounts_count_only_without_one():
    assert biggest_cny(item("a", [money(9e9, subsidy=False), money(5e6), money(2e6)])) == 5e6
    assert biggest_cny(item("b", [money(3e6, subsidy=False), money(7e6, subsidy=False)])) == 7e6
    assert biggest_cny(item("c", [])) == 0.0
    assert biggest_cny({"money": [{"text": "?", "value_cny": None, "is_subsidy": True}]}) == 0


def test_items_are_grouped_by_province_biggest_group_and_amount_first():
    items = [
        item("small-bj", [money(1e5)], provinces=["Beijing"]),
        item("big-gd", [money(8e6)], provinces=["Guangdong"], places=["Shenzhen"]),
        item("big-bj", [money(5e6)], provinces=["Beijing"]),
        item("place-only", [money(2e6)], places=["Hong Kong"]),
        item("nowhere", [money(9e6)]),
    ]
    groups = group_items(Alert(name="ai", owner="ops"), items)
    assert titles(groups) == [
        ("Other", ["nowhere"]),
        ("Guangdong", ["big-gd"]),
        ("Beijing", ["big-bj", "small-bj"]),
        ("Hong Kong", ["place-only"]),
    ]


def test_an_alert_on_companies_groups_by_company():
    alert = Alert(name="ai", owner="ops", conditions=Conditions(companies=["Baidu", "Huawei"]))
    items = [
        item("h1", [money(1e6)], companies=["Huawei"], provinces=["Guangdong"]),
        item("b1", [money(3e6)], companies=["Baidu", "Huawei"], provinces=["Beijing"]),
        item("h2", [money(2e6)], companies=["Huawei"]),
    ]
    assert titles(group_items(alert, items)) == [("Baidu", ["b1"]), ("Huawei", ["h2", "h1"])]


def test_shown_items_list_their_three_biggest_amounts_and_the_publication_day():
    amounts = [money(1e3, text="a"), money(4e6, text="b"), money(2e6, False, text="c"), money(3e6, text="d")]
    shown = group_items(
        Alert(name="ai", owner="ops"), [item("x", amounts, published_at="2024-03-05T10:00:00Z")]
    )
    only = shown[0][1][0]
    assert only["amounts"] == "b (subsidy), d (subsidy), c"
    assert only["published_at"] == "2024-03-05"


# Rendering -----------------------------------------------------------------------------------------
def test_the_text_digest_lists_groups_items_and_the_message_id():
    alert = Alert(name="ai", owner="ops", q="models")
    items = [item("t1", [money(5e6, text="500万元")], provinces=["Beijing"], companies=["Baidu"])]
    text, _ = render_digest(alert, items, "msg_1")
    assert text.splitlines()[:9] == [
        "Policy Radar digest: ai",
        '1 new announcement for "models"',
        "",
        "== Beijing ==",
        "",
        "* t1",
        "  date unknown | demo",
        "  amounts: 500万元 (subsidy)",
        "  companies: Baidu",
    ]
    assert text.rstrip().endswith("Message msg_1. Manage this alert: policyradar alerts list")


def test_hostile_titles_urls_and_query_text_are_escaped_in_html():
    alert = Alert(name="ai", owner="ops", q="chips & <models>")
    hostile = {
        **item("t", [money(1.0, text="<i>1</i> yuan")]),
        "title": HOSTILE,
        "url": 'https://x/?a=1&b="2"',
    }
    _, html = render_digest(alert, [{**hostile, "provinces": ["<img src=x onerror=alert(1)>"]}], "msg_2")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert '<a href="https://x/?a=1&amp;b=&#34;2&#34;">' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "for “chips &amp; &lt;models&gt;”" in html
    assert "&lt;i&gt;1&lt;/i&gt; yuan (subsidy)" in html


def test_the_plain_text_digest_keeps_titles_as_written():
    text, _ = render_digest(Alert(name="ai", owner="ops"), [item(HOSTILE, [])], "msg_3")
    assert f"* {HOSTILE}\n" in text


def test_a_digest_counts_its_items_in_words():
    alert = Alert(name="ai", owner="ops")
    one, _ = render_digest(alert, [item("a", [])], "m")
    two, html = render_digest(alert, [item("a", []), item("b", [])], "m")
    assert one.splitlines()[1] == "1 new announcement"
    assert two.splitlines()[1] == "2 new announcements"
    assert "<p>2 new announcements.</p>" in html


# Signing -------------------------------------------------------------------------------------------
def test_signatures_match_the_standard_webhooks_reference_example():
    body = b'{"test": 2432232314}'
    assert sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def signed(payload: dict, secret: str | None = SECRET) -> tuple[bytes, dict[str, str]]:
    return signed_webhook(payload, "msg_42", secret)


def test_a_signed_webhook_carries_the_json_body_and_the_three_headers():
    before = int(time.time())
    body, headers = signed({"alert": "北京", "items": []})
    assert json.loads(body) == {"alert": "北京", "items": []}
    assert "北京".encode() in body  # not \\u-escaped
    assert sorted(headers) == ["webhook-id", "webhook-signature", "webhook-timestamp"]
    assert headers["webhook-id"] == "msg_42"
    assert before <= int(headers["webhook-timestamp"]) <= int(time.time())
    assert headers["webhook-signature"] == sign(SECRET, "msg_42", int(headers["webhook-timestamp"]), body)


def test_without_a_secret_a_webhook_is_sent_unsigned():
    _, headers = signed({"a": 1}, secret=None)
    assert sorted(headers) == ["webhook-id", "webhook-timestamp"]


def test_a_valid_signature_is_accepted():
    body, headers = signed({"a": 1})
    assert verify(SECRET, headers, body) is True


def test_one_valid_signature_among_several_is_enough():
    body, headers = signed({"a": 1})
    rotated = {**headers, "webhook-signature": f"v1,AAAA {headers['webhook-signature']}"}
    assert verify(SECRET, rotated, body) is True


def later(headers: dict[str, str]) -> str:
    return str(int(headers["webhook-timestamp"]) + 1)


def signed_at(timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": "m",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(SECRET, "m", timestamp, body),
    }


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, headers: (body + b" ", headers),
        lambda body, headers: (body.replace(b"1", b"2"), headers),
        lambda body, headers: (body, {**headers, "webhook-id": "msg_43"}),
        lambda body, headers: (
            body,
            {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)},
        ),
        lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-signature"}),
        lambda body, headers: (body, {**headers, "webhook-signature": "v1,"}),
        lambda body, headers: (body, {**headers, "webhook-timestamp": "soon"}),
    ],
    ids=[
        "body-extended",
        "body-changed",
        "other-id",
        "other-timestamp",
        "unsigned",
        "empty",
        "bad-timestamp",
    ],
)
def test_a_tampered_message_is_refused(tamper):
    body, headers = tamper(*signed({"a": 1}))
    assert verify(SECRET, headers, body) is False


def test_a_signature_made_with_another_secret_is_refused():
    body, headers = signed({"a": 1}, secret=OTHER_SECRET)
    assert verify(SECRET, headers, body) is False
    assert verify(OTHER_SECRET, headers, body) is True


def test_a_stale_timestamp_is_refused_even_with_a_good_signature():
    body = b'{"a": 1}'
    stale = int(time.time()) - 301
    headers = {
        "webhook-id": "m",
        "webhook-timestamp": str(stale),
        "webhook-signature": sign(SECRET, "m", stale, body),
    }
    assert verify(SECRET, headers, body) is False
    assert verify(SECRET, headers, body, tolerance=600) is True


def test_a_timestamp_from_the_future_is_refused_too():
    body = b"{}"
    ahead = int(time.time()) + 3600
    headers = {
        "webhook-id": "m",
        "webhook-timestamp": str(ahead),
        "webhook-signature": sign(SECRET, "m", ahead, body),
    }
    assert verify(SECRET, headers, body) is False
