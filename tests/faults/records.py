"""Varied announcements in both languages for the fault suite, and the poison that goes among them.

Every record is built from templates with a different place, company, amount and clause count, so
that batches hold short and long texts, Chinese and English, subsidy and non-subsidy amounts. Every
third record comes from the watched source the suite's alert subscribes to; every tenth is edited
later (same id, newer fetch time, new text), so the index must end with its newest version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from policyradar.ids import content_hash, document_id
from policyradar.schemas import RawRecord

WATCHED_SOURCE = "fault-watch"
ZH_PLACES = ["上海市", "北京市", "深圳市", "杭州市", "成都市", "武汉市", "广州市", "苏州市"]
EN_PLACES = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Guangzhou", "Suzhou"]
COMPANIES = ["华为", "阿里巴巴", "科大讯飞", "百度", "腾讯", "商汤科技", "智谱", "月之暗面"]
EN_COMPANIES = ["Huawei", "Alibaba", "iFlytek", "Baidu", "Tencent", "SenseTime", "Zhipu AI", "Moonshot AI"]


def zh_text(n: int, edition: int) -> tuple[str, str]:
    place, company = ZH_PLACES[n % 8], COMPANIES[(n // 8) % 8]
    clauses = "".join(
        f"第{k + 1}条 对使用智能算力的企业按合同金额的{10 + k % 4 * 10}%给予补贴，"
        f"单个企业最高{n % 50 + k + 1}00万元。"
        for k in range(1 + n % 7)
    )
    title = f"{place}关于支持人工智能大模型发展的若干措施（第{n}号，第{edition}版）"
    return title, f"{place}经济和信息化委员会发布通知。{company}等企业可申报。{clauses}"


def en_text(n: int, edition: int) -> tuple[str, str]:
    place, company = EN_PLACES[n % 8], EN_COMPANIES[(n // 8) % 8]
    clauses = " ".join(
        f"Clause {k + 1}: {place} covers {10 + k % 4 * 10} percent of compute spending, "
        f"capped at {n % 40 + k + 1} million yuan per company."
        for k in range(1 + n % 5)
    )
    title = f"{place} measures for large-model companies, notice {n} (edition {edition})"
    return title, f"{company} and other firms may apply. {clauses}"


def make_record(n: int, *, edition: int = 1, prefix: str = "f") -> RawRecord:
    url = f"https://fault.example.gov.cn/{prefix}/notice-{n}.html"
    title, text = (zh_text if n % 2 else en_text)(n, edition)
    fetched = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n, days=edition)
    return RawRecord(
        id=document_id(url),
        url=url,
        source_id=WATCHED_SOURCE if n % 3 == 0 else "fault-other",
        source_kind="government",
        jurisdiction="CN",
        language="zh" if n % 2 else "en",
        title=title,
        published_at=datetime(2026, 1, 1) + timedelta(hours=n),
        fetched_at=fetched,
        text=text,
        content_hash=content_hash(title, text),
    )


@dataclass(frozen=True)
class Workload:
    """What a scenario produces, in order, and what the index must hold afterwards."""

    records: list[RawRecord]  # in production order, edits after their originals
    newest: dict[str, RawRecord]  # id -> the version the index must end with

    def with_extra(self, record: RawRecord) -> Workload:
        """This workload plus one more record produced separately (e.g. an oversized one)."""
        return Workload([*self.records, record], {**self.newest, record.id: record})

    @property
    def watched_ids(self) -> set[str]:
        return {i for i, r in self.newest.items() if r.source_id == WATCHED_SOURCE}


def workload(count: int, prefix: str = "f") -> Workload:
    """``count`` distinct announcements, plus a second edition of every tenth one."""
    originals = [make_record(n, prefix=prefix) for n in range(1, count + 1)]
    edits = [make_record(n, edition=2, prefix=prefix) for n in range(10, count + 1, 10)]
    newest = {r.id: r for r in originals}
    newest.update({r.id: r for r in edits})
    return Workload(records=[*originals, *edits], newest=newest)


def poison_values() -> dict[str, bytes | None]:
    """Values no stage may choke on, by kind; each goes to the dead-letter topic with its reason."""
    good = json.loads(make_record(1, prefix="poison").model_dump_json())
    missing = {k: v for k, v in good.items() if k not in ("title", "fetched_at")}
    return {
        "invalid-json": b'{"id": "abc", "title": ',
        "deeply-nested": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "null-value": None,
        "missing-fields": json.dumps(missing).encode(),
        "binary-garbage": bytes(range(256)) * 8,
        "wrong-schema-version": json.dumps({**good, "schema_version": 99}).encode(),
        "not-an-object": b"[1, 2, 3]",
    }


def oversized_record(prefix: str = "big") -> RawRecord:
    """A valid record with about 5 MB of text: it must be cut to fit, never block its partition."""
    base = make_record(7, prefix=prefix)
    text = base.text * (5_000_000 // len(base.text.encode()) + 1)
    return base.model_copy(update={"text": text, "content_hash": content_hash(base.title, text)})
