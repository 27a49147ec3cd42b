"""A draft (征求意见稿) and its final version are two documents in two repost clusters, and the final
one links to its draft (issue 11). Through the real index stage (Kafka and OpenSearch)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.test_versions import index_through_kafka, notice

pytestmark = pytest.mark.integration

MEASURES = "北京市算力券管理办法"
BODY = (
    "第一条 为降低企业算力使用成本，制定本办法。第二条 对租用智能算力的企业，按照合同金额的30%给予补贴，"
    "单个企业每年最高{cap}。第三条 算力券按季度申报，由市经济和信息化局审核发放。"
    "第四条 本办法自发布之日起施行。"
)
DRAFT = notice(
    "500万元",
    5e6,
    date(2024, 3, 31),
    n=21,
    title=f"关于公开征求《{MEASURES}（征求意见稿）》意见的通知",
    text="现将《北京市算力券管理办法（征求意见稿）》公开征求意见。" + BODY.format(cap="500万元"),
)
DRAFT = DRAFT.model_copy(update={"facts": DRAFT.facts.model_copy(update={"doc_type": "draft"})})
FINAL = notice(
    "1000万元",
    1e7,
    date(2024, 6, 30),
    n=22,
    later=60,
    title=f"关于印发《{MEASURES}》的通知",
    text="现将《北京市算力券管理办法》印发给你们，请认真贯彻执行。" + BODY.format(cap="1000万元"),
)
OTHER = notice("300万元", 3e6, date(2024, 6, 30), n=23, title="关于印发《北京市数据券管理办法》的通知")


def stored(engine, alias: str) -> dict[str, dict]:
    engine.refresh(alias)
    hits = engine.search(alias, {"size": 10, "query": {"match_all": {}}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def test_a_final_version_links_to_its_draft_and_stays_a_document_of_its_own(settings, engine):
    index_through_kafka(settings, engine, [DRAFT])
    index_through_kafka(settings, engine, [FINAL, OTHER])
    docs = stored(engine, settings.index_alias)
    assert docs[FINAL.id]["drafts"] == [DRAFT.id]
    assert docs[FINAL.id]["cluster_id"] != docs[DRAFT.id]["cluster_id"]
    assert "drafts" not in docs[OTHER.id] and "drafts" not in docs[DRAFT.id]
