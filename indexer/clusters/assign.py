"""Cluster assignment at index time, shared by every indexer copy through the index itself.

Before a batch is written, each document's candidates are the indexed documents that share the most
LSH band hashes with it in the same detected language (found in this indexer's copy of the index's
bands, ``known.py``; those that can be copies by their signature are read whole in one search) and
the earlier documents of the batch; the ones ``verify`` accepts give it their cluster
(the smallest cluster id when it copies several, which merges them), else it starts a cluster named
by its own id. A new version of a page that still resembles its previous version keeps the previous
version's cluster.

After the batch is written, ``settle`` asks again once the writes are searchable (the writer's
``wait_for``, else a refresh): two indexers that wrote copies of one notice at the same moment each
see the other now (at least the one whose write became searchable last does), and every cluster a
document copies is moved into the smallest of their ids. Only documents other indexers
(``indexed_by``) wrote shortly before the batch or since (``indexed_at``) can be such copies: settle
reads those that share a band with the batch in one search and compares them in memory. Cluster ids only ever
decrease, so every indexer converges on the same answer, and a replayed batch changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.clusters.book import ClusterBook, merge_plan
from indexer.clusters.key import cluster_key, set_cluster
from indexer.clusters.known import KnownDocuments
from indexer.clusters.origin import is_original
from indexer.clusters.sketch import SKETCH_DOC_VALUES, SKETCH_FIELD, Sketch, sketch_text, unpack_hashes
from indexer.clusters.verify import could_be_same, jaccard, same_document, signature_jaccard
from indexer.engine import Engine, EngineNotFound, bulk_item_error
from indexer.writer import BulkDoc

log = logging.getLogger(__name__)

CANDIDATES = 20  # indexed documents checked per new document, those sharing the most bands first
SAME_PAGE_JACCARD = 0.5  # a new version this close to the previous one stays in its cluster
PAGE_SIZE = 500
MAX_TERMS = 20_000  # band hashes in one terms filter (the engine refuses more than 65,536)
RECENT_LIMIT = 1000  # recent documents sharing a band with a batch, settled in memory up to this many
SETTLE_MARGIN = timedelta(minutes=5)
_DOC_VALUES = ["id", "cluster_id", "detected_language", *SKETCH_DOC_VALUES]
# What a candidate is first read by: enough to tell whether it can be a copy at all.
_SIGNATURE = f"{SKETCH_FIELD}.signature"
_SIZE = f"{SKETCH_FIELD}.size"
_FIRST_LOOK = ["id", _SIGNATURE, _SIZE]
# Moves a document to a cluster only if that makes its cluster id smaller: merges commute.
_MOVE = (
    "if (ctx._source.cluster_id == null || ctx._source.cluster_id.compareTo(params.to) > 0) "
    "{ ctx._source.cluster_id = params.to; ctx._source.cluster_key = params.key } else { ctx.op = 'noop' }"
)


@dataclass(frozen=True)
class Indexed:
    id: str
    cluster: str
    sketch: Sketch


def document_text(source: dict[str, Any]) -> str:
    """The text a document is compared by: its title, then its body."""
    return f"{source.get('title') or ''}\n{source.get('text') or ''}"


def sketch_document(source: dict[str, Any]) -> Sketch:
    return sketch_text(document_text(source), source.get("detected_language") or source.get("language", ""))


def _sketch_or_none(doc: BulkDoc) -> Sketch | None:
    """The document's sketch; a document that cannot be sketched (a defect of ours, never of the
    record) is its own cluster, with a logged error, so that it cannot stop the batch for good."""
    try:
        return sketch_document(doc.source)
    except Exception:
        log.exception("cannot sketch document %s for repost clusters; it stays its own cluster", doc.id)
        set_cluster(doc.source, doc.id)
        doc.source["is_original"] = False
        return None


class RepostClusters:
    """Fills ``cluster_id`` (with ``cluster_key``), ``is_original``, ``lsh_bands`` and
    ``repost_sketch`` of a batch's documents (``assign``) and reconciles clusters after the write
    (``settle``) in ``index``."""

    def __init__(
        self,
        engine: Engine,
        index: str,
        publishers: dict[str, str] | None = None,
        refresh: str = "false",
    ) -> None:
        """``refresh``: how the batch's documents were written (``BulkWriter``'s refresh); unless
        they were made searchable (``wait_for``, ``true``), ``settle`` refreshes the index first."""
        self.engine = engine
        self.index = index
        self.publishers = publishers or {}
        self.refresh = refresh
        self.writer = uuid.uuid4().hex  # this copy's ``indexed_by``
        self.known = KnownDocuments(engine, index, self.writer, SETTLE_MARGIN)

    def assign(self, docs: Sequence[BulkDoc]) -> None:
        self.known.sync(datetime.now(UTC))  # first: the first sync reads the whole index
        now = datetime.now(UTC).isoformat()  # so that the stamp is no older than the write
        for doc in docs:
            doc.source["indexed_at"] = now
            doc.source["indexed_by"] = self.writer
        book = ClusterBook()
        sketched = [(doc, sketch) for doc in docs if (sketch := _sketch_or_none(doc)) is not None]
        docs = [doc for doc, _ in sketched]
        sketches = [sketch for _, sketch in sketched]
        for doc, sketch, hits in zip(docs, sketches, self._known_candidates(docs, sketches), strict=True):
            linked = set()
            for hit in hits:
                if hit.id == doc.id:  # the page's previous version
                    if jaccard(sketch, hit.sketch) >= SAME_PAGE_JACCARD:
                        linked.add(hit.cluster)
                elif same_document(sketch, hit.sketch):
                    linked.add(hit.cluster)
            book.add(doc.id, sketch, linked)
            doc.source.update(sketch.to_fields())
            doc.source["is_original"] = is_original(
                doc.source.get("source_kind", ""),
                document_text(doc.source),
                self.publishers.get(doc.source.get("source_id", "")),
            )
        for doc in docs:
            set_cluster(doc.source, book.cluster_of(doc.id))

    def settle(self, docs: Sequence[BulkDoc]) -> int:
        """After the write: merge the clusters each document copies into the smallest id. Returns
        the number of documents moved.

        Only documents other indexers wrote since shortly before this batch's ``assign`` can be
        copies it has not seen (its own earlier writes were known to it), so one search over the
        recent ones that share a band with the batch is enough; when too many match, each document
        asks for its own candidates instead."""
        docs = [doc for doc in docs if SKETCH_FIELD in doc.source]  # not those left unsketched
        if not docs:
            return 0
        sketches = [Sketch.from_fields(d.source["detected_language"], d.source[SKETCH_FIELD]) for d in docs]
        self.known.written([(doc.id, sketch) for doc, sketch in zip(docs, sketches, strict=True)])
        if self.refresh == "false":  # else every write of the batch (and of others') is searchable
            self.engine.refresh(self.index)
        owns = [doc.source["cluster_id"] for doc in docs]
        since = _recent_since(docs)
        recent = self._recent_candidates(sketches, since)
        per_doc = recent.among(sketches) if recent is not None else self._candidates(sketches, owns, since)
        groups = [
            {own} | {hit.cluster for hit in hits if hit.id != doc.id and same_document(sketch, hit.sketch)}
            for doc, own, sketch, hits in zip(docs, owns, sketches, per_doc, strict=True)
        ]
        plan = merge_plan(groups)
        for doc in docs:  # what is percolated next carries the settled cluster
            set_cluster(doc.source, plan.get(doc.source["cluster_id"], doc.source["cluster_id"]))
        return self._move(plan)

    def _recent_candidates(self, sketches: Sequence[Sketch], since: str) -> RecentCopies | None:
        """The documents written since ``since`` that share a band with one of ``sketches`` (one
        search), or None when more than ``RECENT_LIMIT`` do."""
        bands = sorted({band for sketch in sketches for band in sketch.bands()})
        if not bands:
            return RecentCopies([])
        if len(bands) > MAX_TERMS:  # a very large batch: its documents ask one by one
            return None
        body = {
            "size": RECENT_LIMIT,
            "track_total_hits": RECENT_LIMIT + 1,
            "_source": False,
            "docvalue_fields": _DOC_VALUES,
            "query": {
                "bool": {
                    "filter": [
                        {"range": {"indexed_at": {"gte": since}}},
                        {"terms": {"detected_language": sorted({s.language for s in sketches})}},
                        {"terms": {"lsh_bands": bands}},
                    ],
                    "must_not": [{"term": {"indexed_by": self.writer}}],
                }
            },
        }
        answer = self.engine.search(self.index, body)
        if answer["hits"]["total"]["value"] > RECENT_LIMIT:
            return None
        return RecentCopies(_hits(answer))

    def _candidates(
        self,
        sketches: Sequence[Sketch],
        exclude_clusters: Sequence[str] | None = None,
        since: str | None = None,
    ) -> list[list[Indexed]]:
        """Per sketch, the indexed documents sharing one of its bands (outside its own cluster when
        ``exclude_clusters`` names it; written since ``since`` when given) that can be a copy of it or
        its previous version. One multi-search for the whole batch reads each candidate's signature
        and size only; one more search reads whole sketches of those that pass (most new notices have
        none, and a sketch's numbered clauses are most of what reading a candidate costs)."""
        excluded = exclude_clusters or [None] * len(sketches)
        bodies = {
            n: _candidates_query(s, x, since, self.writer)
            for n, (s, x) in enumerate(zip(sketches, excluded, strict=True))
        }
        asked = [n for n, body in bodies.items() if body is not None]
        answers = dict(
            zip(asked, self.engine.search_many(self.index, [bodies[n] for n in asked]), strict=True)
        )
        kept = [_worth_reading(sketch, answers.get(n)) for n, sketch in enumerate(sketches)]
        return self._read_kept(kept)

    def _known_candidates(self, docs: Sequence[BulkDoc], sketches: Sequence[Sketch]) -> list[list[Indexed]]:
        """Per sketch, the known documents sharing the most bands with it (``CANDIDATES`` at most,
        found in memory: ``known.py``) that can be a copy of it or its previous version by their
        signature and size; those are read whole from the index in one search, with their cluster
        as it is now."""
        found = self.known.candidates(list(sketches), CANDIDATES).per_document(len(sketches))
        kept = [
            [known for known, size, share in pairs if _can_be_copy(sketch, share, size, known == doc.id)]
            for doc, sketch, pairs in zip(docs, sketches, found, strict=True)
        ]
        return self._read_kept(kept)

    def _read_kept(self, kept: list[list[str]]) -> list[list[Indexed]]:
        """Per document, its kept candidates read whole (one search for the batch); those gone from
        the index meanwhile are left out."""
        read = self._read_sketches(sorted({doc_id for ids in kept for doc_id in ids}))
        return [[read[doc_id] for doc_id in ids if doc_id in read] for ids in kept]

    def _read_sketches(self, ids: list[str]) -> dict[str, Indexed]:
        """The whole sketches of these indexed documents, by id (one search)."""
        if not ids:
            return {}
        body = {
            "size": len(ids),
            "_source": False,
            "docvalue_fields": _DOC_VALUES,
            "query": {"terms": {"id": ids}},
        }
        return {hit.id: hit for hit in _hits(self.engine.search(self.index, body))}

    def _move(self, moves: dict[str, str]) -> int:
        """Move every member of each cluster in ``moves`` to its new cluster id."""
        moved = 0
        for old, new in sorted(moves.items()):
            operations: list[dict[str, Any]] = []
            script = {"source": _MOVE, "lang": "painless", "params": {"to": new, "key": cluster_key(new)}}
            for hit in self._members(old):
                operations.append(
                    {"update": {"_index": hit["_index"], "_id": hit["_id"], "retry_on_conflict": 5}}
                )
                operations.append({"script": script})
            if operations:
                _raise_for_failures(self.engine.bulk(operations))
                moved += len(operations) // 2
        if moved:
            log.info("merged %d cluster(s), %d document(s) moved", len(moves), moved)
        return moved

    def _members(self, cluster: str) -> Iterable[dict[str, Any]]:
        request: dict[str, Any] = {
            "size": PAGE_SIZE,
            "_source": False,
            "query": {"term": {"cluster_id": cluster}},
            "sort": [{"id": "asc"}],
        }
        while True:
            hits = self.engine.search(self.index, request)["hits"]["hits"]
            yield from hits
            if len(hits) < PAGE_SIZE:
                return
            request = {**request, "search_after": hits[-1]["sort"]}


class RecentCopies:
    """Recently written documents, found by their bands in memory."""

    def __init__(self, hits: list[Indexed]) -> None:
        self.by_band: dict[str, list[Indexed]] = defaultdict(list)
        for hit in hits:
            for band in hit.sketch.bands():
                self.by_band[band].append(hit)

    def among(self, sketches: Sequence[Sketch]) -> list[list[Indexed]]:
        """Per sketch, the recent documents that share one of its bands (each once)."""
        found = []
        for sketch in sketches:
            hits = {hit.id: hit for band in sketch.bands() for hit in self.by_band.get(band, ())}
            found.append(list(hits.values()))
        return found


def _recent_since(docs: Sequence[BulkDoc]) -> str:
    """Where "recent" starts for a batch: ``SETTLE_MARGIN`` before its earliest ``indexed_at`` (the
    margin covers the engine's refresh interval, slow batches and clocks that differ between hosts)."""
    earliest = min(datetime.fromisoformat(doc.source["indexed_at"]) for doc in docs)
    return (earliest - SETTLE_MARGIN).isoformat()


def _candidates_query(
    sketch: Sketch, exclude_cluster: str | None, since: str | None = None, exclude_writer: str | None = None
) -> dict[str, Any] | None:
    """The search for ``sketch``'s candidates; None when it has no bands (an empty page)."""
    bands = sketch.bands()
    if not bands:
        return None
    query: dict[str, Any] = {
        "bool": {
            "should": [{"constant_score": {"filter": {"term": {"lsh_bands": band}}}} for band in bands],
            "minimum_should_match": 1,
            "filter": [{"term": {"detected_language": sketch.language}}],
        }
    }
    if exclude_cluster is not None:
        query["bool"].setdefault("must_not", []).append({"term": {"cluster_id": exclude_cluster}})
    if exclude_writer is not None:
        query["bool"].setdefault("must_not", []).append({"term": {"indexed_by": exclude_writer}})
    if since is not None:
        query["bool"]["filter"].append({"range": {"indexed_at": {"gte": since}}})
    return {"size": CANDIDATES, "_source": False, "docvalue_fields": _FIRST_LOOK, "query": query}


def _worth_reading(sketch: Sketch, answer: dict[str, Any] | None) -> list[str]:
    """The ids of the candidates in ``answer`` (read with ``_FIRST_LOOK``) that can be ``sketch``'s
    copy or previous version, by their signature and size alone; in the answer's order."""
    kept = []
    for hit in answer["hits"]["hits"] if answer else []:
        fields = hit.get("fields") or {}
        if _SIGNATURE not in fields:  # indexed without a sketch
            continue
        size = int(fields[_SIZE][0])
        signature = unpack_hashes(fields[_SIGNATURE][0])
        share = signature_jaccard(sketch.signature, signature) if sketch.size and size else 0.0
        if _can_be_copy(sketch, share, size, same_page=False):
            kept.append(fields["id"][0])
    return kept


def _can_be_copy(sketch: Sketch, share: float, size: int, same_page: bool) -> bool:
    """Whether a page of ``size`` shingles whose signature agrees with ``sketch``'s on ``share`` of
    its values can be its copy, or (``same_page``) its previous version: the first look, before
    reading it whole."""
    if not sketch.size or not size:
        return False
    return (same_page and share >= SAME_PAGE_JACCARD) or could_be_same(sketch, share, size)


def _hits(answer: dict[str, Any]) -> list[Indexed]:
    """The candidates of a search answer; documents indexed without a sketch are none."""
    fields = [hit.get("fields") or {} for hit in answer["hits"]["hits"]]
    return [_indexed(f) for f in fields if f"{SKETCH_FIELD}.signature" in f]


def _indexed(fields: dict[str, list[Any]]) -> Indexed:
    [doc_id] = fields["id"]
    language = (fields.get("detected_language") or [""])[0]
    cluster = (fields.get("cluster_id") or [doc_id])[0]
    return Indexed(doc_id, cluster, Sketch.from_doc_values(language, fields))


def _raise_for_failures(response: dict[str, Any]) -> None:
    for item in response.get("items", []):
        error = bulk_item_error(item, "moving a document to its cluster")
        if error is not None and not isinstance(error, EngineNotFound):  # deleted meanwhile: nothing to move
            raise error
