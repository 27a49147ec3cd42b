"""The local alerts kept in memory: read once, kept current by the changes, read again when unsure."""

from __future__ import annotations

from typing import Any

from indexer.alerts import local_book
from indexer.alerts.local_book import LocalBook
from indexer.alerts.local_match import BatchFacts


def alert(key: str, clauses: list[str] | None = None, places: list[str] | None = None, **more: Any) -> dict:
    return {
        "alert_id": key,
        "alert": {"every": more.pop("every", "daily"), "conditions": {}},
        "clauses": clauses or [],
        "narrow": {"places": places or ["*"]},
        "local": more.pop("local", True),
        "paused": more.pop("paused", False),
    }


class FakeAlertIndex:
    """One shard of alerts: every write takes the next sequence number; searches are recorded by kind."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[int, dict[str, Any]]] = {}
        self.next_seq = 0
        self.requests: list[str] = []

    def save(self, source: dict[str, Any]) -> None:
        self.docs[source["alert_id"]] = (self.next_seq, source)
        self.next_seq += 1

    def delete(self, key: str) -> None:
        del self.docs[key]
        self.next_seq += 1

    def _held(self) -> list[tuple[str, int]]:
        return sorted(
            (key, seq) for key, (seq, source) in self.docs.items() if source["local"] and not source["paused"]
        )

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        query = body["query"]
        if "range" in query:
            return self._changes(query["range"]["_seq_no"]["gt"], body)
        if "ids" in query:
            self.requests.append("read")
            keys = [key for key in query["ids"]["values"] if key in self.docs]
            return {"hits": {"hits": [self._hit(key) for key in keys]}}
        if "match_all" in query:
            self.requests.append("top")
            seqs = sorted((seq for seq, _ in self.docs.values()), reverse=True)
            return {"hits": {"hits": [{"_seq_no": seq} for seq in seqs[:1]]}}
        self.requests.append("listing")
        after = (body.get("search_after") or [""])[0]
        held = [(key, seq) for key, seq in self._held() if key > after][: body["size"]]
        hits = [{"fields": {"alert_id": [key]}, "_seq_no": seq, "sort": [key]} for key, seq in held]
        return {"hits": {"hits": hits}}

    def _changes(self, above: int, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append("changes")
        after = (body.get("search_after") or [above])[0]
        changed = sorted((seq, key) for key, (seq, _) in self.docs.items() if seq > after)
        hits = [{**self._hit(key), "sort": [seq]} for seq, key in changed[: body["size"]]]
        response: dict[str, Any] = {"hits": {"hits": hits}}
        if "aggs" in body:
            response["aggregations"] = {"book": {"held": {"doc_count": len(self._held())}}}
        return response

    def _hit(self, key: str) -> dict[str, Any]:
        seq, source = self.docs[key]
        return {"_id": key, "_seq_no": seq, "_source": source}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def book_of(*alerts: dict[str, Any]) -> tuple[LocalBook, FakeAlertIndex, Clock]:
    index, clock = FakeAlertIndex(), Clock()
    for source in alerts:
        index.save(source)
    book = LocalBook(index, "alerts", clock=clock)  # type: ignore[arg-type]
    book.refresh()
    return book, index, clock


DOCS = [{"place_names": ["Beijing"]}, {"place_names": ["Shanghai"]}]


def matches(book: LocalBook, clause_slots: dict[str, set[int]]) -> set[tuple[str, int, bool]]:
    return {
        (key, slot, instant)
        for slot, alerts in book.matches(BatchFacts(DOCS, clause_slots)).items()
        for key, instant in alerts.items()
    }


def test_the_first_refresh_reads_every_local_alert_that_is_not_paused():
    book, index, _ = book_of(
        alert("u/a", ["c1"]), alert("u/b", paused=True), alert("u/c", local=False), alert("u/d")
    )
    assert sorted(book.alerts) == ["u/a", "u/d"]
    assert index.requests == ["top", "listing", "read"]


def test_candidates_come_from_the_clauses_facets_and_rules_of_the_batch():
    book, _, _ = book_of(
        alert("u/a", ["c1"]),
        alert("u/b", ["c1", "c2"]),
        alert("u/shanghai", places=["Shanghai", "Shenzhen"], every="instant"),
        alert("u/guangzhou", places=["Guangzhou"]),
        alert("u/everything"),
    )
    found = matches(book, {"c1": {0}})
    assert found == {
        ("u/a", 0, False),
        ("u/shanghai", 1, True),
        ("u/everything", 0, False),
        ("u/everything", 1, False),
    }  # u/b needs c2 as well; nothing of the batch is in Guangzhou
    assert matches(book, {"c1": {0, 1}, "c2": {1}}) >= {("u/b", 1, False), ("u/a", 1, False)}


def test_alerts_asking_the_same_share_one_rule():
    book, _, _ = book_of(*(alert(f"u/{n:02d}", ["c1"], places=["Beijing"]) for n in range(50)))
    assert len(book.rules) == 1 and len(book.members[0]) == 50
    found = book.matches(BatchFacts(DOCS, {"c1": {0, 1}}))
    assert list(found) == [0] and list(found[0]) == [f"u/{n:02d}" for n in range(50)]


def test_rules_changed_since_the_table_was_built_are_decided_one_by_one(monkeypatch):
    monkeypatch.setattr(local_book, "STALE_MIN", 3)
    book, index, _ = book_of(alert("u/a", ["c1"]), alert("u/b", ["c2"]))
    assert matches(book, {"c1": {0}, "c2": {1}}) == {("u/a", 0, False), ("u/b", 1, False)}
    built = book.table
    # u/a's old rule, the rule it now shares with u/b, and u/c's: left out of the table, decided in Python
    index.save(alert("u/a", ["c2"]))
    index.save(alert("u/c", ["c1"], every="instant"))
    book.refresh()
    assert matches(book, {"c1": {0}, "c2": {1}}) == {("u/a", 1, False), ("u/b", 1, False), ("u/c", 0, True)}
    assert book.table is built and len(book.stale) == 3
    index.save(alert("u/d", ["c3"]))  # a fourth rule changed is more than the table may leave out
    book.refresh()
    assert {key for key, _, _ in matches(book, {"c2": {0}, "c3": {0}})} == {"u/a", "u/b", "u/d"}
    assert book.table is not built and book.stale == set()


def test_changes_are_applied_without_reading_the_rest_again():
    book, index, _ = book_of(alert("u/a", ["c1"]), alert("u/b", ["c1"]))
    index.requests.clear()
    book.refresh()
    assert index.requests == ["changes"]  # nothing changed: one request
    index.save(alert("u/a", ["c2"]))  # edited: listed under its new clause
    index.save(alert("u/b", ["c1"], paused=True))  # paused: left out
    index.save(alert("u/new", ["c1"]))
    book.refresh()
    assert index.requests == ["changes", "changes"]
    assert {key for key, _, _ in matches(book, {"c1": {0}})} == {"u/new"}
    assert {key for key, _, _ in matches(book, {"c2": {0}})} == {"u/a"}


def test_a_removed_alert_makes_the_book_read_the_listing_again():
    book, index, _ = book_of(alert("u/a", ["c1"]), alert("u/b", ["c1"]))
    index.delete("u/b")
    index.requests.clear()
    book.refresh()
    assert index.requests == ["changes", "top", "listing"]  # counts differed; nothing to read again
    assert sorted(book.alerts) == ["u/a"] and list(book.members.values()) == [{"u/a": False}]


def test_the_listing_is_read_again_after_a_while_in_any_case(monkeypatch):
    monkeypatch.setattr(local_book, "LISTING_PAGE", 2)
    book, index, clock = book_of(*(alert(f"u/{n}", ["c1"]) for n in range(5)))
    index.requests.clear()
    clock.now = local_book.FULL_READ_SECONDS
    book.refresh()
    assert index.requests == ["top", "listing", "listing", "listing"] and len(book) == 5


def test_many_changes_are_read_a_page_at_a_time(monkeypatch):
    monkeypatch.setattr(local_book, "CHANGES_PAGE", 2)
    book, index, _ = book_of()
    for n in range(5):
        index.save(alert(f"u/{n}", ["c1"]))
    index.requests.clear()
    book.refresh()
    assert index.requests == ["changes"] * 3 and len(book) == 5


def test_a_rule_is_forgotten_with_its_last_alert():
    book, index, _ = book_of(alert("u/a", ["c1"]), alert("u/b", ["c1"]), alert("u/c", places=["Beijing"]))
    index.save(alert("u/a", ["c1"], paused=True))
    index.save(alert("u/c", places=["Beijing"], paused=True))
    book.refresh()
    assert list(book.members.values()) == [{"u/b": False}] and len(book.rules) == 1
    index.save(alert("u/b", ["c1"], paused=True))
    book.refresh()
    assert book.members == {} and book.rules == {} and book.rule_numbers == {} and len(book) == 0
    assert matches(book, {"c1": {0, 1}}) == set()
