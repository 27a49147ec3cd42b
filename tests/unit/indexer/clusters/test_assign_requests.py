"""What assigning and settling clusters asks of the engine: one read of the index's bands at the first
batch, then candidates found in memory (never one search per document), one search of the documents
other indexers wrote recently to settle (a multi-search when too many are recent), and a refresh only
when the batch's writes did not wait for one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from prometheus_client import REGISTRY

from indexer.clusters import assign as assign_module
from indexer.clusters.assign import RepostClusters
from indexer.engine import EngineUnavailable
from indexer.writer import BulkDoc

SUBJECTS = ["人工智能产业", "集成电路设计", "生物医药创新", "新能源汽车", "工业互联网平台"]


class RecordingEngine:
    """Answers every search with no hits and notes what was asked."""

    def __init__(self, fail_search: bool = False, recent: int = 0) -> None:
        self.calls: list[tuple[str, int]] = []
        self.bodies: list[dict[str, Any]] = []
        self.fail_search = fail_search
        self.recent = recent  # how many recent documents the settle search says match

    def search_many(self, index: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.calls.append(("search_many", len(bodies)))
        if self.fail_search:
            raise EngineUnavailable("opensearch: ConnectionError: refused")
        self.bodies += bodies
        return [{"hits": {"hits": []}} for _ in bodies]

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("search", 1))
        if self.fail_search:
            raise EngineUnavailable("opensearch: ConnectionError: refused")
        self.bodies.append(body)
        return {"hits": {"hits": [], "total": {"value": self.recent, "relation": "eq"}}}

    def refresh(self, index: str) -> None:
        self.calls.append(("refresh", 0))

    def alias_targets(self, alias: str) -> list[str]:
        return []


def batch(size: int) -> list[BulkDoc]:
    docs = []
    for n in range(size):
        title = f"关于组织申报{SUBJECTS[n]}专项资金的通知"
        text = f"各有关单位：现就{SUBJECTS[n]}发展专项资金申报有关事项通知如下，请{SUBJECTS[n]}企业按时申报。"
        source = {"id": f"d{n}", "title": title, "text": text, "detected_language": "zh", "source_kind": ""}
        docs.append(BulkDoc(f"d{n}", 1, source))
    return docs


def test_a_batch_is_assigned_from_one_read_of_the_index_and_settled_with_one_search_of_others_writes():
    engine = RecordingEngine()
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    docs = batch(5)
    clusters.assign(docs)
    clusters.settle(docs)
    assert engine.calls == [("search", 1), ("search", 1)]
    assert engine.bodies[0]["query"] == {"exists": {"field": "lsh_bands"}}  # every sketched document
    assert all(d.source["cluster_id"] and len(d.source["lsh_bands"]) == 42 for d in docs)
    settle = engine.bodies[-1]["query"]["bool"]
    assert settle["filter"][0]["range"]["indexed_at"]["gte"] < docs[0].source["indexed_at"]  # with a margin
    assert settle["must_not"] == [{"term": {"indexed_by": clusters.writer}}]
    assert {d.source["indexed_by"] for d in docs} == {clusters.writer}


def test_later_batches_read_only_what_other_indexers_wrote_since_the_last_batch(monkeypatch):
    engine = RecordingEngine()
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    first, second = batch(5)[:2], batch(5)[2:]
    clusters.assign(first)
    clusters.settle(first)
    clusters.assign(second)
    catch_up = engine.bodies[2]["query"]["bool"]
    assert catch_up["must_not"] == [{"term": {"indexed_by": clusters.writer}}]
    window = catch_up["filter"][0]["range"]["indexed_at"]
    assert window["lt"] < second[0].source["indexed_at"]  # older than the margin only
    assert len(clusters.known) == 2  # the first batch, known from its own write
    assert REGISTRY.get_sample_value("policyradar_repost_documents_known") == 2


def test_settle_asks_per_document_when_too_many_recent_documents_share_a_band():
    engine = RecordingEngine(recent=assign_module.RECENT_LIMIT + 1)
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    docs = batch(3)
    clusters.assign(docs)
    clusters.settle(docs)
    assert engine.calls == [("search", 1), ("search", 1), ("search_many", 3)]
    assert all("indexed_at" in str(body["query"]) for body in engine.bodies[-3:])


def test_settle_refreshes_the_index_only_when_the_writes_were_not_made_searchable():
    engine = RecordingEngine()
    clusters = RepostClusters(engine, "announcements", refresh="false")  # type: ignore[arg-type]
    docs = batch(2)
    clusters.assign(docs)
    clusters.settle(docs)
    assert engine.calls == [("search", 1), ("refresh", 0), ("search", 1)]


def test_an_engine_outage_while_assigning_reaches_the_stage_as_unavailable():
    clusters = RepostClusters(RecordingEngine(fail_search=True), "announcements")  # type: ignore[arg-type]
    with pytest.raises(EngineUnavailable):
        clusters.assign(batch(2))


def test_a_document_that_cannot_be_sketched_is_its_own_cluster_and_the_batch_goes_on(caplog, monkeypatch):
    engine = RecordingEngine()
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    docs = batch(3)
    real = assign_module.sketch_document

    def failing_on_d1(source):
        if source["id"] == "d1":
            raise ValueError("a defect of ours")
        return real(source)

    monkeypatch.setattr(assign_module, "sketch_document", failing_on_d1)
    clusters.assign(docs)
    clusters.settle(docs)
    assert engine.calls == [("search", 1), ("search", 1)]
    assert docs[1].source["cluster_id"] == "d1" and "lsh_bands" not in docs[1].source
    assert all(len(docs[n].source["lsh_bands"]) == 42 for n in (0, 2))
    assert "cannot sketch document d1" in caplog.text


def test_notices_whose_titles_carry_other_numbers_are_different_documents_but_a_repost_is_not():
    from indexer.clusters.sketch import sketch_text
    from indexer.clusters.verify import same_document

    body = (
        "Companies and other firms may apply. Clause 1: the city covers 10 percent of compute spending, "
        "capped at 5 million yuan per company. Clause 2: the city covers 20 percent of data spending, "
        "capped at 3 million yuan per company. Applications close at the end of the month."
    )
    first = sketch_text(f"Measures for large-model companies, notice 12\n{body}", "en")
    other = sketch_text(f"Measures for large-model companies, notice 14\n{body}", "en")
    repost = sketch_text(
        f"Measures for large-model companies, notice 12\nPosted 2024-05-06 by the district\n{body}", "en"
    )
    first_of_another_series = sketch_text(f"Measures for large-model companies, notice 1\n{body}", "en")
    assert not same_document(
        first_of_another_series, sketch_text(f"Measures, notice 1 of 2025\n{body}", "en")
    )
    assert not same_document(first, other)
    assert same_document(first, repost)


def test_a_batch_with_more_band_hashes_than_a_terms_filter_takes_settles_document_by_document(monkeypatch):
    monkeypatch.setattr(assign_module, "MAX_TERMS", 50)  # two documents have 84 band hashes
    engine = RecordingEngine()
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    docs = batch(2)
    clusters.assign(docs)
    clusters.settle(docs)
    assert engine.calls == [("search", 1), ("search_many", 2)]


def doc_values(doc_id: str, sketch: Any, names: list[str]) -> dict[str, list[Any]]:
    """A hit's fields as the engine returns ``docvalue_fields``: lists, base64 without padding."""
    stored = sketch.to_fields()["repost_sketch"]
    every = {"id": [doc_id], "cluster_id": [doc_id], "detected_language": [sketch.language]}
    for name, value in stored.items():
        values = value if isinstance(value, list) else [value]
        every[f"repost_sketch.{name}"] = [v.rstrip("=") if isinstance(v, str) else v for v in values]
    return {name: every[name] for name in names if name in every}


class IndexedCopies:
    """An index holding two documents that share every band with the given text: a copy of it, and a
    page ten times as long (which cannot be a copy)."""

    def __init__(self, text: str) -> None:
        from indexer.clusters.sketch import sketch_text

        copy = sketch_text(text, "zh")
        self.sketches = {"old-copy": copy, "old-other": dataclasses.replace(copy, size=copy.size * 10)}
        self.read: list[list[str]] = []

    def _hit(self, doc_id: str, names: list[str]) -> dict[str, Any]:
        return {"fields": doc_values(doc_id, self.sketches[doc_id], names)}

    def alias_targets(self, alias: str) -> list[str]:
        return []

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        if "terms" not in body["query"]:  # the first read of the index's bands
            return {"hits": {"hits": [self._hit(d, body["docvalue_fields"]) for d in self.sketches]}}
        ids = body["query"]["terms"]["id"]
        self.read.append(ids)
        return {"hits": {"hits": [self._hit(d, body["docvalue_fields"]) for d in ids]}}


def test_only_candidates_whose_signature_can_make_them_copies_are_read_whole():
    [doc] = batch(1)
    text = f"{doc.source['title']}\n{doc.source['text']}"
    engine = IndexedCopies(text)
    clusters = RepostClusters(engine, "announcements", refresh="wait_for")  # type: ignore[arg-type]
    clusters.assign([doc])
    assert len(clusters.known.candidates([engine.sketches["old-copy"]], 20).ids) == 2  # both are candidates
    assert engine.read == [["old-copy"]]  # the other notice was turned down by its signature alone
    assert doc.source["cluster_id"] == "old-copy"


def test_a_candidate_that_can_pass_verification_always_passes_the_first_look():
    from indexer.clusters.sketch import sketch_text
    from indexer.clusters.verify import could_be_same, jaccard, same_document

    texts = [f"{d.source['title']}\n{d.source['text']}" for d in batch(5)]
    texts += [t[: len(t) // 2] for t in texts] + [t.replace("申报", "申请") for t in texts] + ["短", "短文"]
    sketches = [sketch_text(t, "zh") for t in texts]
    pairs = [(a, b) for a in sketches for b in sketches]
    assert sum(same_document(a, b) for a, b in pairs) > len(sketches)  # copies beyond each page itself
    for a, b in pairs:
        if same_document(a, b):
            assert could_be_same(a, jaccard(a, b), b.size)
