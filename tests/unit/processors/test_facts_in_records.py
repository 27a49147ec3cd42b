"""The facts component, the enriched record's ``facts`` and ``policyradar extract``'s output."""

from __future__ import annotations

from datetime import UTC, date, datetime

from policyradar.schemas import EnrichedRecord, Entities, Issuer, PolicyFacts, RawRecord
from processors.enrich import _cut_text, enrich
from processors.extract_cli import extract_text
from processors.pipeline import OUR_COMPONENTS, build_nlp

NOTICE_BODY = (
    "各有关单位：\n为降低企业算力使用成本，现组织开展2024年度算力券申报工作。\n"
    "申报时间：5月6日至5月31日，逾期不予受理。\n\n深圳市工业和信息化局\n深圳市财政局"
)
NOTICE_TITLE = "关于开展算力券申报工作的通知"


def raw_record(title: str, text: str, published_at: datetime | None) -> RawRecord:
    return RawRecord(
        id="0123456789abcdef",
        url="http://127.0.0.1/notice.html",
        source_id="demo",
        source_kind="government",
        jurisdiction="CN",
        language="zh",
        title=title,
        published_at=published_at,
        fetched_at=datetime(2024, 5, 7, tzinfo=UTC),
        text=text,
        content_hash="abc",
    )


def test_the_facts_component_runs_last_in_both_pipelines_and_writes_one_dict():
    assert OUR_COMPONENTS[-1] == "policyradar_facts"
    doc = build_nlp("zh", "rules")("京经信发〔2024〕12号\n" + NOTICE_TITLE + "\n" + NOTICE_BODY)
    assert doc._.facts["doc_number"] == "京经信发〔2024〕12号"
    assert doc._.facts["deadline"] == "2024-05-31"
    assert doc._.facts["issuers"][0]["canonical"] == "Shenzhen Industry and Information Technology Bureau"


def test_enrich_fills_the_facts_and_a_year_less_window_takes_the_published_year():
    record = enrich(raw_record(NOTICE_TITLE, NOTICE_BODY, datetime(2023, 5, 6, tzinfo=UTC)))
    assert record.facts.doc_type == "notice"
    assert [i.canonical for i in record.facts.issuers] == [
        "Shenzhen Industry and Information Technology Bureau",
        "Shenzhen Finance Bureau",
    ]
    assert (record.facts.apply_from, record.facts.deadline) == (date(2023, 5, 6), date(2023, 5, 31))
    first = record.facts.issuers[0]
    assert f"{record.title}\n\n{record.text}"[first.start : first.end] == "深圳市工业和信息化局"


def test_a_year_the_text_gives_wins_over_the_published_date():
    body = NOTICE_BODY + "\n2024年5月6日"
    record = enrich(raw_record(NOTICE_TITLE, body, datetime(2023, 1, 1, tzinfo=UTC)))
    assert record.facts.deadline == date(2024, 5, 31)


def test_without_any_year_a_year_less_deadline_is_left_out():
    record = enrich(raw_record(NOTICE_TITLE, NOTICE_BODY, None))
    assert (record.facts.deadline, record.facts.apply_from) == (None, None)


def test_cutting_the_text_drops_the_issuers_past_the_cut_and_keeps_the_other_facts():
    facts = PolicyFacts(
        doc_type="notice",
        issuers=[
            Issuer(text="北京市财政局", start=0, end=6, canonical="Beijing Finance Bureau"),
            Issuer(
                text="海淀区人民政府", start=500, end=507, canonical="Haidian District People's Government"
            ),
        ],
        doc_number="京财发〔2024〕3号",
        deadline=date(2024, 5, 31),
    )
    record = EnrichedRecord(
        **raw_record("", "字" * 600, None).model_dump(exclude={"schema_version"}),
        detected_language="zh",
        entities=Entities(),
        facts=facts,
        extractor_version="test",
    )
    cut = _cut_text(record, 100)
    assert [i.canonical for i in cut.facts.issuers] == ["Beijing Finance Bureau"]
    assert (cut.facts.doc_number, cut.facts.deadline) == ("京财发〔2024〕3号", date(2024, 5, 31))


def test_extract_emits_the_facts_as_json_values():
    result = extract_text(NOTICE_TITLE + "\n" + NOTICE_BODY, "zh", published_year=2024)
    assert result["facts"] == {
        "doc_type": "notice",
        "issuers": [
            {
                "text": "深圳市工业和信息化局",
                "start": result["facts"]["issuers"][0]["start"],
                "end": result["facts"]["issuers"][0]["end"],
                "canonical": "Shenzhen Industry and Information Technology Bureau",
            },
            {
                "text": "深圳市财政局",
                "start": result["facts"]["issuers"][1]["start"],
                "end": result["facts"]["issuers"][1]["end"],
                "canonical": "Shenzhen Finance Bureau",
            },
        ],
        "doc_number": None,
        "deadline": "2024-05-31",
        "apply_from": "2024-05-06",
    }


def test_english_news_gets_facts_too():
    text = (
        "Shanghai opens AI voucher applications\nSHANGHAI — Companies can apply until June 30, 2024, the "
        "Shanghai Municipal Commission of Economy and Informatization said on Friday."
    )
    facts = extract_text(text, "en")["facts"]
    assert facts["doc_type"] == "news"
    assert [i["canonical"] for i in facts["issuers"]] == [
        "Shanghai Economy and Information Technology Commission"
    ]
    assert facts["deadline"] == "2024-06-30"
