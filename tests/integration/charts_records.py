"""Announcements for the chart tests, enriched by the real extractors, and what the charts must show
for them, computed here in plain Python from the records (not from the engine).

Five dated notices from January to April 2024 and one undated: Shenzhen (1000万元 written three times
and 50万元, all subsidies), Guangzhou (500万元), Beijing (5 million yuan), Shanghai with Shenzhen (two
provinces, 2 million yuan), Hangzhou (no money) and an undated Wuhan notice; plus, for the cluster
tests, a portal's copy of the Guangzhou notice in the same repost cluster.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from indexer.clusters.key import set_cluster
from indexer.engine import Engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.writer import BulkDoc, BulkWriter, version_of
from policyradar.schemas import EnrichedRecord
from processors.enrich import enrich
from tests.integration.conftest import make_raw

NOTICES = {
    "shenzhen": (
        datetime(2024, 1, 10),
        "zh",
        "深圳市发放算力券 最高1000万元补贴",
        "深圳市对人工智能企业给予最高1000万元补贴。符合条件的企业最高1000万元补贴，另有50万元奖励补贴。",
    ),
    "guangzhou": (
        datetime(2024, 2, 5),
        "zh",
        "广州市智能算力补贴公示",
        "广州市工业和信息化局对企业给予500万元补贴。",
    ),
    "beijing": (
        datetime(2024, 2, 20),
        "en",
        "Beijing announces computing subsidies",
        "The Beijing Municipal Commission will grant subsidies of up to 5 million yuan to AI companies.",
    ),
    "shanghai": (
        datetime(2024, 4, 3),
        "en",
        "Shanghai and Shenzhen share a fund",
        "Shanghai and Shenzhen will offer subsidies of 2 million yuan to model start-ups.",
    ),
    "hangzhou": (datetime(2024, 4, 15), "zh", "杭州市人工智能行动方案", "杭州市将推动人工智能产业发展。"),
    "undated": (None, "zh", "武汉市人工智能产业通知", "武汉市支持人工智能企业发展。"),
}


def chart_records() -> dict[str, EnrichedRecord]:
    records = {}
    for n, (name, (published, language, title, text)) in enumerate(NOTICES.items(), start=1):
        record = enrich(make_raw(n, language=language, title=title, text=text))
        records[name] = record.model_copy(update={"published_at": published})
    return records


def portal_copy(record: EnrichedRecord) -> EnrichedRecord:
    """Another site's copy of ``record`` (same text, another id and source)."""
    url = record.url.replace("/test/", "/portal/")
    return record.model_copy(update={"id": record.id + "-portal", "url": url, "source_id": "portal"})


def index_for_charts(
    engine: Engine, alias: str, records: list[EnrichedRecord], clusters: dict[str, str] | None = None
) -> None:
    """Index ``records``; with ``clusters`` (record id -> cluster id) each document gets its cluster."""
    ensure_index(engine, alias)
    docs = []
    for record in records:
        doc = document_from_record(record)
        if clusters is not None:
            set_cluster(doc, clusters[record.id])
        docs.append(BulkDoc(record.id, version_of(record.fetched_at), doc))
    assert BulkWriter(engine, alias, refresh="wait_for").write(docs) == []


def expected_provinces(
    records: list[EnrichedRecord], clusters: dict[str, str] | None = None
) -> dict[str, Any]:
    """Per province: the announcements (or clusters) naming it and the sum of their distinct subsidy
    amounts in CNY, each counted once per announcement (or cluster) and province."""
    units: dict[str, dict[str, set[float]]] = defaultdict(dict)
    for record in records:
        unit = clusters[record.id] if clusters else record.id
        amounts = {m.value_cny for m in record.entities.money if m.is_subsidy and m.value_cny is not None}
        for province in {p.province for p in record.entities.places if p.province}:
            units[province].setdefault(unit, set()).update(amounts)
    return {
        province: {"count": len(named), "subsidy_cny": sum(sum(a) for a in named.values())}
        for province, named in units.items()
    }
