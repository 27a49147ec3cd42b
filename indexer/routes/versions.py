"""``GET /api/documents/{doc_id}/versions``: a document's versions, newest first, each with its diff
against the one before (``indexer.versions``). Open like the other reads."""

from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from indexer.engine import Engine
from indexer.routes.errors import UNAVAILABLE, problem
from indexer.versions.store import VERSION_FIELDS, history, version_id

MAX_VERSIONS = 100
NO_DOCUMENT = {404: problem("No document has that id")}


class FactChange(BaseModel):
    """One change of the facts: ``field`` (deadline, apply_from, money, percent, places, companies,
    issuers, doc_type, doc_number, title), ``kind`` (added, removed, changed), and a sentence."""

    field: str
    kind: str
    old: Any = None
    new: Any = None
    role: str | None = None
    sentence: str


class VersionDiff(BaseModel):
    """What changed from the version before: the fact changes first, then the text as a unified
    diff of sentences (at most 200 lines)."""

    changes: list[FactChange]
    summary: list[str]
    text: str
    sentences_added: int
    sentences_removed: int
    text_truncated: bool


class Version(BaseModel):
    version_id: str
    content_hash: str
    url: str
    source_id: str | None = None
    title: str
    published_at: str | None = None
    fetched_at: str
    facts: dict[str, Any] | None = None
    entities: dict[str, Any] | None = None
    text: str | None = None  # only with ?text=true
    previous: str | None = None
    diff: VersionDiff | None  # None for the first version known


class Versions(BaseModel):
    id: str
    count: int
    versions: list[Version]


def versions_router(engine: Engine, alias: str) -> APIRouter:
    router = APIRouter(prefix="/api/documents", responses={**NO_DOCUMENT, **UNAVAILABLE})

    @router.get(
        "/{doc_id}/versions",
        summary="A document's versions, newest first, each with what changed from the one before",
    )
    def api_versions(
        doc_id: str, text: bool = Query(False, description="include each version's full text")
    ) -> Versions:
        versions = history(engine, alias, doc_id, MAX_VERSIONS) or _live_version(engine, alias, doc_id)
        if not versions:
            raise HTTPException(404, detail=f"no document with id {doc_id!r}")
        shown = [Version.model_validate(_shown(v, text)) for v in versions]
        return Versions(id=doc_id, count=len(shown), versions=shown)

    return router


def _live_version(engine: Engine, alias: str, doc_id: str) -> list[dict[str, Any]]:
    """A document that never changed has one version: the indexed document."""
    found = engine.get_docs(alias, [doc_id], [*VERSION_FIELDS, "content_hash"]).get(doc_id)
    if not found:
        return []
    return [
        {**found, "version_id": version_id(doc_id, found["content_hash"]), "previous": None, "diff": None}
    ]


def _shown(version: dict[str, Any], with_text: bool) -> dict[str, Any]:
    return {k: v for k, v in version.items() if with_text or k != "text"}
