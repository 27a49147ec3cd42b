"""Copies of one notice in a digest: they fold into one item, the issuer's own page (else the earliest
published) with the others listed under it, in the text, the HTML and the count."""

from __future__ import annotations

from datetime import date
from typing import Any

from indexer.alerts.model import Alert
from indexer.alerts.render import fold_copies, render_digest


def item(doc_id: str, source: str, published: str, cluster: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "url": f"https://{source}.example/{doc_id}",
        "title": f"关于{doc_id}的通知",
        "published_at": published,
        "source_id": source,
        "cluster_id": cluster,
        "money": [],
        "places": [],
        "provinces": [],
        "companies": [],
        **extra,
    }


def test_the_issuers_own_page_stands_for_its_reposts_even_when_published_later():
    items = [
        item("portal", "portal", "2024-03-01T08:00:00", "c1"),
        item("bureau", "bureau", "2024-03-02T08:00:00", "c1", is_original=True),
        item("other", "bureau", "2024-03-01T09:00:00", "c2"),
    ]
    folded = fold_copies(items)
    assert [(i["id"], [c["source_id"] for c in i["copies"]]) for i in folded] == [
        ("bureau", ["portal"]),
        ("other", []),
    ]


def test_without_the_original_the_earliest_published_copy_stands_for_the_others():
    items = [
        item("late", "news", "2024-03-05", "c1"),
        item("undated", "blog", "", "c1"),
        item("early", "district", "2024-03-03", "c1"),
    ]
    [only] = fold_copies(items)
    assert only["id"] == "early"
    assert [c["source_id"] for c in only["copies"]] == ["news", "blog"]


def test_items_without_a_cluster_are_their_own():
    assert len(fold_copies([item("a", "x", "2024-01-01", None), item("b", "y", "2024-01-01", None)])) == 2


def test_a_digest_lists_a_notice_once_with_its_copies_under_it():
    alert = Alert(name="ai", owner="ops")
    items = [item("bureau", "bureau", "2024-03-01", "c1"), item("portal", "portal", "2024-03-02", "c1")]
    text, html = render_digest(alert, items, "msg_1", date(2024, 3, 3))
    assert text.splitlines()[1] == "1 new announcement"
    assert text.count("* 关于") == 1
    assert "  also published by 1 source:\n    - portal, 2024-03-02: https://portal.example/portal" in text
    assert "Also published by 1 source:" in html
    assert '<a href="https://portal.example/portal">portal</a>' in html
