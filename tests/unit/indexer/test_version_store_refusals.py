"""Storing versions when the engine refuses one: refused for good, the batch goes on (the version is
not kept, the others are); refused for now, the batch is done again."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.engine import EngineUnavailable
from indexer.versions.store import VersionKeeper


class VersionsEngine:
    """A live index holding the first version of every document, and a bulk answer per version."""

    def __init__(self, statuses: dict[str, int]) -> None:
        self.statuses = statuses  # doc id -> the status its new version's create gets (201 if absent)

    def index_exists(self, index: str) -> bool:
        return True

    def add_fields(self, index: str, properties: dict[str, Any]) -> None:
        pass

    def get_docs(self, index: str, ids: list[str], fields: list[str] | None = None) -> dict[str, Any]:
        return {i: {**page(i, "old"), "version_count": 1} for i in ids}

    def bulk(self, operations: list[dict[str, Any]], refresh: str = "false") -> dict[str, Any]:
        items = []
        for action in operations[::2]:
            version_id = action["create"]["_id"]
            status = self.statuses.get(version_id.split(":")[0], 201) if "new" in version_id else 201
            error = {"type": "mapper_parsing_exception"} if status >= 300 else None
            items.append({"create": {"_id": version_id, "status": status, "error": error}})
        return {"items": items}


def page(doc_id: str, content: str) -> dict[str, Any]:
    return {
        "id": doc_id,
        "url": f"https://example.gov.cn/{doc_id}.html",
        "title": f"{doc_id} notice",
        "text": f"The {content} text.",
        "content_hash": f"{content}{'0' * 16}",
        "fetched_at": "2024-05-01T00:00:00+00:00" if content == "old" else "2024-06-01T00:00:00+00:00",
    }


def test_a_version_refused_for_good_does_not_hold_up_the_others(caplog):
    keeper = VersionKeeper(VersionsEngine({"bad": 400}), "announcements")  # type: ignore[arg-type]
    amended = keeper.keep([page("bad", "new"), page("good", "new")])
    assert [a.doc_id for a in amended] == ["bad", "good"]
    assert "storing a version failed for bad:new" in caplog.text


def test_a_version_refused_for_now_makes_the_batch_be_done_again():
    keeper = VersionKeeper(VersionsEngine({"bad": 503}), "announcements")  # type: ignore[arg-type]
    with pytest.raises(EngineUnavailable, match="bad:new"):
        keeper.keep([page("bad", "new"), page("good", "new")])


def test_a_version_whose_diff_fails_is_kept_without_one(caplog, monkeypatch):
    from indexer.versions import store

    def failing(earlier, doc):
        raise ValueError("a defect of ours")

    monkeypatch.setattr(store, "version_diff", failing)
    version = store._version({"id": "d1", "content_hash": "abc"}, {"id": "d1"}, "d1:old")
    assert version["diff"] is None and version["changed"] == [] and version["previous"] == "d1:old"
    assert "cannot diff document d1" in caplog.text
