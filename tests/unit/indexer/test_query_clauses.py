"""Splitting a search text into the top-level clauses the engine joins with AND."""

from __future__ import annotations

import pytest

from indexer.query import text_clauses, text_query
from indexer.query_clauses import top_level_clauses


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("算力 补贴", ["算力", "补贴"]),
        ('(large models) | "大模型"', None),  # an OR at the top level
        ('(大模型 | "大语言模型")  (补贴 | "subsidy")', ['(大模型 | "大语言模型")', '(补贴 | "subsidy")']),
        ('"compute voucher" Shanghai', ['"compute voucher"', "Shanghai"]),
        ('"a b (c"', ['"a b (c"']),  # a parenthesis inside quotes is text
        ("semi*  chips ", ["semi*", "chips"]),
        ("chips -Beijing", None),  # a NOT at the top level
        ("+chips", None),
        ("(chips", None),
        ("chips)", None),
        ('"chips', None),
        (r"COVID\-19 relief", [r"COVID\-19", "relief"]),  # an escaped operator is text
        ("", []),
        ("   ", []),
    ],
)
def test_top_level_clauses(text, clauses):
    assert top_level_clauses(text) == clauses


def test_each_clause_is_searched_over_the_fields_of_the_whole_text():
    whole = text_query("alibaba 补贴")["simple_query_string"]
    clauses = text_clauses("alibaba 补贴")
    assert clauses is not None and len(clauses) == 2
    assert {tuple(c["simple_query_string"]["fields"]) for c in clauses} == {tuple(whole["fields"])}
    assert whole["query"] == " ".join(c["simple_query_string"]["query"] for c in clauses)


@pytest.mark.parametrize("text", ["", "chips | Beijing", "臺灣 晶片"])
def test_texts_that_cannot_be_split_are_left_whole(text):
    assert text_clauses(text) is None
