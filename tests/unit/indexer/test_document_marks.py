"""A stored document's title and text cut into segments by its entities' offsets (indexer.marks):
offsets index into title + two line breaks + text; spans that do not fit are dropped, not guessed."""

from __future__ import annotations

from indexer.marks import Mark, segments, title_and_text_segments

TITLE = "深圳市发布算力券实施方案"
TEXT = "深圳市将对腾讯等企业给予最高1000万元补贴。"
BODY = len(TITLE) + 2  # where the text starts in the analysed string


def doc(**entities) -> dict:
    return {"title": TITLE, "text": TEXT, "entities": entities, "facts": {}}


def at(text: str, part: str, base: int = BODY) -> tuple[int, int]:
    start = text.index(part)
    return base + start, base + start + len(part)


def marked(parts: list[dict]) -> list[tuple[str, str | None]]:
    return [(p["text"], p["kind"]) for p in parts]


def test_entities_in_the_title_and_the_text_are_marked_where_their_offsets_say():
    sz_title, sz_text = (0, 3), at(TEXT, "深圳市")
    money, tencent = at(TEXT, "最高1000万元"), at(TEXT, "腾讯")
    places = [
        {"text": "深圳市", "start": s, "end": e, "canonical": "Shenzhen"} for s, e in (sz_title, sz_text)
    ]
    record = doc(
        places=places,
        money=[{"text": "最高1000万元", "start": money[0], "end": money[1], "is_subsidy": True}],
        companies=[{"text": "腾讯", "start": tencent[0], "end": tencent[1], "canonical": "Tencent"}],
    )
    title, text = title_and_text_segments(record)
    assert marked(title) == [("深圳市", "place"), ("发布算力券实施方案", None)]
    assert marked(text) == [
        ("深圳市", "place"),
        ("将对", None),
        ("腾讯", "company"),
        ("等企业给予", None),
        ("最高1000万元", "money"),
        ("补贴。", None),
    ]
    assert "".join(p["text"] for p in text) == TEXT
    assert text[4]["subsidy"] is True and text[2]["canonical"] == "Tencent"


def test_spans_that_do_not_cover_their_text_or_cross_into_the_title_are_dropped():
    wrong_text = {"text": "北京市", "start": BODY, "end": BODY + 3, "canonical": "Beijing"}
    across = {"text": "案\n\n深", "start": len(TITLE) - 1, "end": BODY + 1, "canonical": "x"}
    beyond = {"text": "x", "start": 10_000, "end": 10_001, "canonical": "x"}
    title, text = title_and_text_segments(doc(places=[wrong_text, across, beyond]))
    assert marked(title) == [(TITLE, None)] and marked(text) == [(TEXT, None)]


def test_overlapping_spans_keep_the_earlier_then_the_longer():
    analysed = "abcdefgh"
    marks = [Mark("place", 2, 4, "cd"), Mark("money", 1, 5, "bcde"), Mark("company", 4, 7, "efg")]
    assert marked(segments(analysed, marks, 0, 8)) == [("a", None), ("bcde", "money"), ("fgh", None)]


def test_a_document_without_a_title_has_its_offsets_in_the_text_alone():
    record = {
        "title": "",
        "text": "Huawei gets 5 million yuan.",
        "entities": {"companies": [{"text": "Huawei", "start": 0, "end": 6, "canonical": "Huawei"}]},
        "facts": {"issuers": [{"text": "gets", "start": 7, "end": 11, "canonical": "G"}]},
    }
    title, text = title_and_text_segments(record)
    assert title == []
    assert marked(text) == [
        ("Huawei", "company"),
        (" ", None),
        ("gets", "issuer"),
        (" 5 million yuan.", None),
    ]
