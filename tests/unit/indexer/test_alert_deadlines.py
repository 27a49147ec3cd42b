"""Which matches an amended deadline changes (the engine's part is in tests/integration/test_reminders)."""

from indexer.alerts.deadlines import _is_stale, new_deadlines
from indexer.versions.store import Amended


def hit(match: str, alert: str, doc: str, deadline: str | None) -> dict:
    return {"_id": match, "_source": {"alert_id": alert, "doc_id": doc, "deadline": deadline}}


def test_the_newest_version_of_each_document_gives_its_deadline():
    changes = [
        Amended("d1", "v2", "v1", {"facts": {"deadline": "2030-03-20"}}, []),
        Amended("d1", "v3", "v2", {"facts": {"deadline": "2030-03-31"}}, []),
        Amended("d2", "v5", "v4", {"facts": None}, []),
    ]
    assert new_deadlines(changes) == {"d1": "2030-03-31", "d2": None}


def test_only_matches_whose_deadline_differs_are_stale_and_amendment_entries_never_are():
    deadlines = {"d1": "2030-03-31", "d2": None}
    assert _is_stale(hit("a|d1", "a", "d1", "2030-03-20"), deadlines)
    assert not _is_stale(hit("a|d1", "a", "d1", "2030-03-31T00:00:00"), deadlines)
    assert _is_stale(hit("a|d2", "a", "d2", "2030-01-01"), deadlines)  # the deadline was dropped
    assert not _is_stale(hit("a|d2", "a", "d2", None), deadlines)
    assert not _is_stale(hit("a|v7", "a", "d1", None), deadlines)  # an amendment entry of d1
