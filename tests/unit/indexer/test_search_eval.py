"""nDCG@10 and the judged queries of ``policyradar eval-search``."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from indexer.search_eval import JUDGMENTS_PATH, JudgedQuery, QueryScore, load_judgments, ndcg_at, report
from policyradar.errors import ConfigError


def test_a_perfect_ranking_scores_one_and_a_ranking_without_relevant_documents_zero():
    relevant = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b", "x"], relevant) == pytest.approx(1.0)
    assert ndcg_at(["x", "y"], relevant) == 0.0
    assert ndcg_at(["a"], {}) == 0.0


def test_a_relevant_document_lower_in_the_list_counts_less():
    relevant = {"a": 2, "b": 1}
    swapped = (1 / math.log2(2) + 3 / math.log2(3)) / (3 / math.log2(2) + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], relevant) == pytest.approx(swapped)
    assert ndcg_at(["x"] * 10 + ["a"], relevant) == 0.0  # beyond the tenth place


def test_the_shipped_judgments_have_forty_queries_half_in_each_language():
    queries = load_judgments()
    langs = [q.lang for q in queries]
    assert len(queries) >= 40 and langs.count("en") == langs.count("zh")
    assert sum("traditional" in q.tags for q in queries) >= 4
    assert all(q.relevant for q in queries)
    assert JUDGMENTS_PATH.name == "search_judgments.yaml"


def test_a_judgment_with_a_bad_grade_is_refused_naming_the_file_and_the_query(tmp_path: Path):
    path = tmp_path / "judged.yaml"
    path.write_text("queries:\n  - {id: q1, lang: en, q: x, relevant: {doc: 3}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"judged\.yaml: query q1: 'relevant' must map"):
        load_judgments(path)


def test_the_report_gives_the_mean_before_and_after_per_language():
    def scored(lang: str, before: float, after: float) -> QueryScore:
        return QueryScore(JudgedQuery("q", lang, "x", (), {"d": 1}), {"before": before, "after": after})

    text = report([scored("en", 0.2, 0.4), scored("en", 0.4, 0.8), scored("zh", 0.5, 0.5)])
    rows = {line[:24].strip(): line[24:].split() for line in text.splitlines()}
    assert rows["English queries"] == ["2", "0.300", "0.600"]
    assert rows["Chinese queries"] == ["1", "0.500", "0.500"]
    assert rows["all queries"] == ["3", "0.367", "0.567"]
