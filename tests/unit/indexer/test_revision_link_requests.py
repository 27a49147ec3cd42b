"""Linking revisions asks the engine once per batch, whatever the number of notices that cite others."""

from __future__ import annotations

from typing import Any

from indexer.versions.links import RevisionLinker


class CitedEngine:
    """Every search finds the repealed measures (and the citing notice itself, never linked)."""

    def __init__(self) -> None:
        self.requests: list[int] = []

    def search_many(self, index: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.requests.append(len(bodies))
        hits = [
            {"_source": {"id": "old", "title": "杭州市算力补贴管理办法", "facts": {"doc_number": None}}},
            {"_source": {"id": "n0", "title": "关于印发新办法的通知", "facts": {}}},
        ]
        return [{"hits": {"hits": hits}} for _ in bodies]


def test_a_batch_of_citing_notices_is_linked_with_one_request():
    engine = CitedEngine()
    docs = [
        {"id": f"n{n}", "title": "关于印发新办法的通知", "text": "《杭州市算力补贴管理办法》同时废止。"}
        for n in range(3)
    ]
    docs.append({"id": "plain", "title": "通知", "text": "无关内容。"})
    RevisionLinker(engine, "announcements").link(docs)  # type: ignore[arg-type]
    assert engine.requests == [3]
    assert [d.get("revises") for d in docs] == [["old"], ["old"], ["old"], None]
