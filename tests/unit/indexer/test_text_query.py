"""The text match of a search: folded to Simplified script, glossary terms expanded, the folded fields
searched when the query holds Chinese, and the text as written kept when folding changed it."""

from __future__ import annotations

from indexer.query import FOLDED_FIELDS, SEARCH_FIELDS, text_query


def sqs(query: dict) -> dict:
    return query["simple_query_string"]


def test_an_english_term_brings_its_chinese_equivalents_and_the_folded_fields():
    match = sqs(text_query("computing voucher"))
    assert '"算力券"' in match["query"]
    assert match["fields"] == SEARCH_FIELDS + FOLDED_FIELDS


def test_text_without_chinese_or_glossary_terms_is_sent_as_written_over_the_usual_fields():
    assert sqs(text_query("Lhasa tender")) == {
        "query": "Lhasa tender",
        "fields": SEARCH_FIELDS,
        "default_operator": "and",
        "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE|PRECEDENCE",
    }


def test_a_traditional_query_is_folded_and_also_matched_as_written():
    query = text_query("數據標註")
    folded, written = query["bool"]["should"]
    assert query["bool"]["minimum_should_match"] == 1
    assert sqs(folded)["query"].startswith("(数据标注 | ")
    assert '"data annotation"' in sqs(folded)["query"]
    assert sqs(folded)["fields"] == SEARCH_FIELDS + FOLDED_FIELDS
    assert sqs(written) == {**sqs(written), "query": "數據標註", "fields": SEARCH_FIELDS}


def test_before_folding_and_the_glossary_the_query_is_the_old_one():
    assert sqs(text_query("數據標註 computing voucher", fold=False, expand=False)) == {
        "query": "數據標註 computing voucher",
        "fields": SEARCH_FIELDS,
        "default_operator": "and",
        "flags": "AND|OR|NOT|PHRASE|PREFIX|WHITESPACE|PRECEDENCE",
    }
