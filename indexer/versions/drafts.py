"""A draft and its final version are two documents, linked: the final notice's ``drafts`` holds the ids
of the indexed drafts (征求意见稿, "draft for comments") of the same document.

Both carry a ``title_key``: the name of the document the page is about, as compared. A covering
notice (关于印发《X》的通知, 关于公开征求《X（征求意见稿）》意见的通知) is about X; draft notes, brackets,
spaces and the English "draft" are left out. A final document is linked to the drafts that share its key.
"""

from __future__ import annotations

import re
from typing import Any

from indexer.engine import Engine
from indexer.versions.links import normal_title

MAX_DRAFTS = 10
_CITED = re.compile(r"《([^《》]{4,120})》")
_COVERING = re.compile(r".*?关于(?:印发|发布|公开征求|征求)(.+?)(?:意见)?的(?:通知|公告|函)")
_DRAFT_WORDS = re.compile(
    r"[（(]?(?:征求意见稿|送审稿|意见征求稿|草案|讨论稿|修订稿)[)）]?|"
    r"\(?\b(?:exposure )?draft(?: for (?:public )?comments?)?\b\)?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def title_key(title: str | None) -> str | None:
    """The name of the document a page is about, as compared between a draft and its final version;
    None when the title says nothing usable."""
    if not title:
        return None
    cited = _CITED.search(title)
    core = cited[1] if cited else (m[1] if (m := _COVERING.fullmatch(title)) else title)
    key = _SPACES.sub(" ", normal_title(_DRAFT_WORDS.sub("", core))).strip(" :：-—").lower()
    return key if len(key) >= 4 else None


class DraftLinker:
    """Sets ``drafts`` on the batch's final documents whose drafts are in the index (one search)."""

    def __init__(self, engine: Engine, alias: str) -> None:
        self.engine = engine
        self.alias = alias

    def link(self, docs: list[dict[str, Any]]) -> None:
        finals = [doc for doc in docs if doc.get("title_key") and doc.get("doc_type") != "draft"]
        if not finals:
            return
        body = {
            "size": 200,
            "_source": ["id", "title_key"],
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"title_key": sorted({doc["title_key"] for doc in finals})}},
                        {"term": {"doc_type": "draft"}},
                    ]
                }
            },
            "sort": [{"id": "asc"}],
        }
        drafts: dict[str, list[str]] = {}
        for hit in self.engine.search(self.alias, body)["hits"]["hits"]:
            drafts.setdefault(hit["_source"]["title_key"], []).append(hit["_source"]["id"])
        for doc in finals:
            found = [i for i in drafts.get(doc["title_key"], []) if i != doc["id"]]
            if found:
                doc["drafts"] = found[:MAX_DRAFTS]
