"""``Engine.search_many`` on the real OpenSearch node: answers in order, failures as our exceptions."""

from __future__ import annotations

import pytest

from indexer.engine import EngineError, EngineNotFound

pytestmark = pytest.mark.integration


def test_search_many_answers_each_body_in_order(settings, engine):
    index = f"{settings.index_alias}-many"
    engine.create_index(index, {"mappings": {"properties": {"n": {"type": "integer"}}}})
    try:
        for n in range(3):
            engine.index_doc(index, str(n), {"n": n}, refresh="true")
        bodies = [{"query": {"term": {"n": n}}} for n in (2, 0, 7)]
        answers = engine.search_many(index, bodies)
        assert [[hit["_id"] for hit in a["hits"]["hits"]] for a in answers] == [["2"], ["0"], []]
        assert engine.search_many(index, []) == []
    finally:
        engine.delete_index(index)


def test_search_many_raises_the_engines_refusal_naming_the_index(settings, engine):
    with pytest.raises(EngineNotFound, match=f"{settings.index_alias}-absent"):
        engine.search_many(f"{settings.index_alias}-absent", [{"query": {"match_all": {}}}])
    index = f"{settings.index_alias}-many-bad"
    engine.create_index(index, {"mappings": {"properties": {"n": {"type": "integer"}}}})
    try:
        with pytest.raises(EngineError):
            engine.search_many(index, [{"query": {"range": {"n": {"gte": "not a number"}}}}])
    finally:
        engine.delete_index(index)
