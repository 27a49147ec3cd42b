"""``GET /api/documents/{doc_id}``: one indexed document as its page shows it (``/documents/{doc_id}``):
its facts, its title and text cut into segments with the entities marked (``indexer.marks``), the
other copies of its notice and the documents it revises. Open like the other reads."""

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from indexer.engine import Engine
from indexer.marks import title_and_text_segments
from indexer.query import CANONICAL_SORT, CLUSTER_FIELD, COPY_FIELDS, MAX_LISTED_COPIES
from indexer.routes.errors import UNAVAILABLE
from indexer.routes.search import Copy
from indexer.routes.versions import NO_DOCUMENT

DOCUMENT_FIELDS = [
    *("id", "url", "title", "text", "text_truncated", "published_at", "fetched_at", "source_id"),
    *("source_kind", "jurisdiction", "detected_language", "entities", "topics", "facts"),
    *("cluster_id", "is_original", "version_count", "revises", "drafts"),
]
MAX_ID_BYTES = 512  # the engine refuses longer ids (an error, not "not found")


class Segment(BaseModel):
    """A run of the title or text: plain (``kind`` null) or an entity (money, percent, place, company,
    organization, person, date, issuer) with its canonical English name and, for money, whether it is
    a subsidy."""

    text: str
    kind: str | None
    canonical: str | None
    subsidy: bool


class Revised(BaseModel):
    id: str
    url: str | None
    title: str | None


class DocumentView(BaseModel):
    id: str
    url: str
    title: str
    published_at: str | None
    fetched_at: str | None
    source_id: str | None
    source_kind: str | None
    jurisdiction: str | None
    language: str | None
    topics: list[str]
    entities: dict[str, Any]
    facts: dict[str, Any]
    text_truncated: bool
    version_count: int
    title_segments: list[Segment]
    text_segments: list[Segment]
    copies: list[Copy]  # the other copies of its notice, canonical first (at most 50)
    copy_count: int
    revises: list[Revised]  # the indexed documents it says it revises or repeals
    drafts: list[Revised] = []  # the indexed drafts (征求意见稿) of this final document


def documents_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(prefix="/api/documents", responses={**NO_DOCUMENT, **UNAVAILABLE})

    @router.get("/{doc_id}", summary="One document: facts, text with its entities marked, copies")
    def api_document(doc_id: str) -> DocumentView:
        doc = find_document(engine, alias, doc_id, DOCUMENT_FIELDS)
        if not doc:
            raise HTTPException(404, detail=f"no document with id {doc_id!r}")
        return DocumentView.model_validate(document_view(engine, alias, doc_id, doc))

    return router


def find_document(engine: Engine, alias: str, doc_id: str, fields: list[str]) -> dict[str, Any] | None:
    """The stored fields of the document ``doc_id``, or None when there is none (any id: one too long
    for the engine cannot be stored, so it is not found)."""
    if not doc_id or len(doc_id.encode("utf-8")) > MAX_ID_BYTES:
        return None
    return engine.get_docs(alias, [doc_id], fields).get(doc_id)


def document_view(engine: Engine, alias: str, doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    title_segments, text_segments = title_and_text_segments(doc)
    copies, count = _copies(engine, alias, doc_id, doc.get(CLUSTER_FIELD))
    return {
        "id": doc_id,
        "url": doc.get("url") or "",
        "title": doc.get("title") or "",
        "published_at": doc.get("published_at"),
        "fetched_at": doc.get("fetched_at"),
        "source_id": doc.get("source_id"),
        "source_kind": doc.get("source_kind"),
        "jurisdiction": doc.get("jurisdiction"),
        "language": doc.get("detected_language"),
        "topics": doc.get("topics") or [],
        "entities": doc.get("entities") or {},
        "facts": doc.get("facts") or {},
        "text_truncated": bool(doc.get("text_truncated")),
        "version_count": doc.get("version_count") or 1,
        "title_segments": title_segments,
        "text_segments": text_segments,
        "copies": copies,
        "copy_count": count,
        "revises": _revised(engine, alias, doc.get("revises") or []),
        "drafts": _revised(engine, alias, doc.get("drafts") or []),
    }


def _copies(
    engine: Engine, alias: str, doc_id: str, cluster_id: str | None
) -> tuple[list[dict[str, Any]], int]:
    """The other members of the document's repost cluster and how many there are."""
    if not cluster_id:
        return [], 0
    body = {
        "query": {
            "bool": {
                "filter": [{"term": {CLUSTER_FIELD: cluster_id}}],
                "must_not": [{"ids": {"values": [doc_id]}}],
            }
        },
        "sort": CANONICAL_SORT,
        "size": MAX_LISTED_COPIES,
        "track_total_hits": True,
        "_source": COPY_FIELDS,
    }
    found = engine.search(alias, body)["hits"]
    copies = [{k: h["_source"].get(k) for k in COPY_FIELDS if k != "is_original"} for h in found["hits"]]
    return copies, found["total"]["value"]


def _revised(engine: Engine, alias: str, ids: list[str]) -> list[dict[str, Any]]:
    found = engine.get_docs(alias, list(ids), ["url", "title"]) if ids else {}
    return [{"id": i, **{k: found.get(i, {}).get(k) for k in ("url", "title")}} for i in ids]
