"""Free text searches titles and bodies, and company and issuer names by a query of their own: a title
with stop words ("subsidies for developers") is still found though the name fields keep stop words."""

from __future__ import annotations

import pytest

from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.search import run_search
from indexer.writer import BulkDoc, BulkWriter, version_of
from processors.enrich import enrich
from tests.integration.conftest import make_raw

pytestmark = pytest.mark.integration
TITLE = "Beijing expands computing subsidies for large model developers"


def test_a_title_with_stop_words_and_a_parent_company_name_both_find_the_document(settings, engine):
    alias = settings.index_alias
    ensure_index(engine, alias)
    record = enrich(
        make_raw(1, language="en", title=TITLE, text="Alibaba Cloud and Zhipu will receive vouchers.")
    )
    assert {c.parent for c in record.entities.companies} >= {"Alibaba"}
    BulkWriter(engine, alias, refresh="wait_for").write(
        [BulkDoc(record.id, version_of(record.fetched_at), document_from_record(record))]
    )
    assert [hit["id"] for hit in run_search(engine, alias, TITLE)["hits"]] == [record.id]
    assert [hit["id"] for hit in run_search(engine, alias, "Alibaba")["hits"]] == [record.id]
    assert run_search(engine, alias, "Tencent")["hits"] == []
