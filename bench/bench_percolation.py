"""What stored alerts cost the indexer, and whether percolation loses a match (issue 12).

    .venv/bin/python bench/bench_percolation.py [--sizes 0 1000 10000 100000] [--stream 1024] [--small]

Generates alerts from the vocabulary of the dev set (``processors/eval/devset/``, enriched with the
rules profile): one or two words of its texts (Chinese two-character words, English words), places,
provinces, companies, topics, document types, issuers, amounts from its money mentions, subsidies
only, open calls; most alerts have a word and one or two filters, as subscriptions do. At each size
(alerts added to reach it, the load timed), a stream of new notices made from the dev-set texts
(``bench_clusters.Corpus``) goes through the indexer's batch handler (``IndexBatch``: bulk write with
the indexer's refresh, then percolation and the match sets recorded), batch by batch; then the
digest scheduler's share, the sets turned into matches, is timed apart (it is not the indexer's
time). Prints seconds per record, the ratio to no alerts, the percolation share, finding the
matches alone (as the indexer does, with every alert percolated, and with every query run), and
the matches recorded against a brute-force
count: every alert's filters evaluated in Python on every document, its text condition by one plain
search per distinct query text over the stream's documents (the same analyzers, no percolator).
Lost or extra matches fail the run. At the size nearest 10,000 it also measures the digest
scheduler: requests per tick (every request to the engine counted) with every daily alert due.
Everything under the bench's alias is deleted at the end. Needs the local stack.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_clusters import BATCH, Corpus, Seed, load_seeds, messages  # noqa: E402
from indexer.alerts.digest import DUE_PAGE, DigestService  # noqa: E402
from indexer.alerts.model import Alert  # noqa: E402
from indexer.alerts.store import AlertStore, MatchRecorder, search_pages  # noqa: E402
from indexer.clusters.assign import RepostClusters  # noqa: E402
from indexer.engine import Engine, make_engine  # noqa: E402
from indexer.index_versions import ensure_index  # noqa: E402
from indexer.mapping import IndexLayout, document_from_record  # noqa: E402
from indexer.query import DEADLINE_ZONE, FACETS, text_query  # noqa: E402
from indexer.run import IndexBatch  # noqa: E402
from indexer.versions.step import VersionStep  # noqa: E402
from indexer.writer import BulkWriter  # noqa: E402
from policyradar.rates import rates_to_cny, to_cny  # noqa: E402
from policyradar.settings import Settings  # noqa: E402
from tests.fixtures.isolation import isolated_overrides, settings_with  # noqa: E402

LOAD_CHUNK = 5000  # alerts per save_many call (bulk requests of 1,000 inside)
_ENGLISH = re.compile(r"[A-Za-z]{5,}")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_STOP = {"which", "their", "there", "these", "those", "shall", "other", "about", "where", "should"}


@dataclass
class Vocabulary:
    """What alerts are made of: the dev set's words, facet values and amounts."""

    words: dict[str, list[str]]  # by language
    facets: dict[str, list[str]]  # by condition name (places, companies, ...)
    amounts: list[float]  # CNY amounts mentioned


def vocabulary(seeds: dict[str, list[Seed]]) -> Vocabulary:
    docs = [document_from_record(seed.record) for found in seeds.values() for seed in found]
    facets = {
        name: sorted({v for doc in docs for v in _values(doc, field)}) for name, field in FACETS.items()
    }
    facets.pop("sources")  # one source in the dev set: not a condition anyone would set
    facets.pop("languages")
    amounts = sorted({m["value_cny"] for doc in docs for m in doc["entities"]["money"] if m.get("value_cny")})
    words = {lang: _frequent_words(lang, found) for lang, found in seeds.items()}
    return Vocabulary(words, facets, amounts)


def _frequent_words(lang: str, seeds: list[Seed], keep: int = 300) -> list[str]:
    """Words found in at least two texts and at most 20 % of them (subjects, not the words every
    notice uses), the most frequent first."""
    frequency: Counter[str] = Counter()
    for seed in seeds:
        text = f"{seed.record.title}\n{seed.record.text}"
        if lang == "zh":
            found = {run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)}
        else:
            found = {w.lower() for w in _ENGLISH.findall(text)} - _STOP
        frequency.update(found)
    ceiling = max(2, 0.2 * len(seeds))  # a handful of seeds (--small) still gives words
    return [w for w, n in frequency.most_common() if 2 <= n <= ceiling][:keep]


def _values(doc: dict[str, Any], field: str) -> list[str]:
    value = doc.get(field)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def make_alerts(vocab: Vocabulary, start: int, count: int, rng: random.Random) -> list[Alert]:
    return [make_alert(vocab, n, rng) for n in range(start, start + count)]


def make_alert(vocab: Vocabulary, n: int, rng: random.Random) -> Alert:
    """A subscription as people write them: a word or two about a subject and where or who it is
    about (a place, province, company or issuer, 85 % of alerts), sometimes a topic, a document
    type, an amount or a deadline condition; one in eight watches a whole subject with no filter."""
    conditions: dict[str, Any] = {}
    if rng.random() < 0.85:
        name = rng.choices(["places", "provinces", "companies", "issuers"], weights=[5, 2, 3, 1])[0]
        values = vocab.facets[name]
        if values:
            conditions[name] = rng.sample(values, min(rng.choice([1, 1, 2]), len(values)))
    for name, share in (("topics", 0.2), ("doc_types", 0.2)):
        if vocab.facets.get(name) and rng.random() < share:
            conditions[name] = [rng.choice(vocab.facets[name])]
    roll = rng.random()
    if roll < 0.15 and vocab.amounts:
        conditions["min_amount"] = float(round(rng.choice(vocab.amounts) * rng.choice([0.5, 1, 2])))
    elif roll < 0.2 and vocab.amounts:
        conditions["max_amount"] = float(round(rng.choice(vocab.amounts) * rng.choice([1, 2])))
    if rng.random() < 0.1:
        conditions["subsidy_only"] = True
    if rng.random() < 0.05:
        conditions["open_only"] = True
    lang = rng.choice(sorted(vocab.words))
    words = vocab.words[lang]
    q = " ".join(rng.sample(words, min(rng.choices([1, 2], weights=[7, 3])[0], len(words))))
    every = rng.choices(["daily", "instant", "weekly"], weights=[7, 2, 1])[0]
    return Alert(name=f"a{n:06d}", owner=f"user{n % 500:03d}", q=q, conditions=conditions, every=every)


# The independent count ------------------------------------------------------------------------------
def expected_matches(
    engine: Engine, alias: str, alerts: list[Alert], docs: list[dict[str, Any]], rates: dict[str, float]
) -> set[tuple[str, str]]:
    """Every (alert id, document id) pair: filters in Python, text by one search per distinct text."""
    by_id = {doc["id"]: doc for doc in docs}
    texts = {alert.q for alert in alerts}
    matching = {q: _text_matches(engine, alias, q, list(by_id)) for q in texts}
    today = datetime.now(ZoneInfo(DEADLINE_ZONE)).date()
    pairs = set()
    for alert in alerts:
        for doc_id in matching[alert.q]:
            if filters_hold(alert, by_id[doc_id], rates, today):
                pairs.add((alert.id, doc_id))
    return pairs


def _text_matches(engine: Engine, alias: str, q: str, ids: list[str]) -> set[str]:
    if not q.strip():
        return set(ids)
    body = {
        # The text match every search and alert uses (script folding and glossary expansion included).
        "query": {"bool": {"must": [text_query(q)], "filter": [{"ids": {"values": ids}}]}},
        "size": len(ids),
        "_source": False,
    }
    return {hit["_id"] for hit in engine.search(alias, body)["hits"]["hits"]}


def filters_hold(alert: Alert, doc: dict[str, Any], rates: dict[str, float], today: date) -> bool:
    """The alert's conditions other than its text, evaluated on the document in Python."""
    c = alert.conditions
    for name, field in FACETS.items():
        wanted = getattr(c, name)
        if wanted and not set(wanted) & set(_values(doc, field)):
            return False
    if c.min_amount is not None or c.max_amount is not None or c.subsidy_only:
        low = None if c.min_amount is None else to_cny(c.min_amount, c.currency, rates)
        high = None if c.max_amount is None else to_cny(c.max_amount, c.currency, rates)
        if not any(_amount_fits(m, low, high, c.subsidy_only) for m in doc["entities"]["money"]):
            return False
    deadline = date.fromisoformat(doc["deadline"][:10]) if doc.get("deadline") else None
    if c.deadline_from or c.deadline_to or c.open_only:
        if deadline is None:
            return False
        if (c.deadline_from and deadline < c.deadline_from) or (c.deadline_to and deadline > c.deadline_to):
            return False
        if c.open_only and deadline < today:
            return False
    return True


def _amount_fits(money: dict[str, Any], low: float | None, high: float | None, subsidy: bool) -> bool:
    value = money.get("value_cny")
    if (low is not None or high is not None) and value is None:
        return False
    if (low is not None and value < low) or (high is not None and value > high):
        return False
    return not subsidy or money.get("is_subsidy") is True


def recorded_matches(engine: Engine, recorder: MatchRecorder, doc_ids: list[str]) -> set[tuple[str, str]]:
    body = {"query": {"terms": {"doc_id": doc_ids}}, "_source": ["alert_id", "doc_id"]}
    pages = search_pages(engine, recorder.names["matches"], body, ["alert_id", "doc_id"])
    return {(hit["_source"]["alert_id"], hit["_source"]["doc_id"]) for page in pages for hit in page}


# Timing --------------------------------------------------------------------------------------------
def _rss_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class TimedRecorder(MatchRecorder):
    """The recorder the indexer uses, timing its percolation and keeping the documents it saw. Its
    book of local alerts is read at once, as a running indexer's is at its first batch: that read is
    timed apart (``book_seconds``, and the memory it took, ``book_mib``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds = 0.0
        self.seen: list[dict[str, Any]] = []
        rss, started = _rss_mib(), time.perf_counter()
        self.local_book.refresh()
        self.book_seconds = time.perf_counter() - started
        self.book_mib = _rss_mib() - rss

    def percolate(self, docs: list[dict[str, Any]]) -> int:
        started = time.perf_counter()
        try:
            return super().percolate(docs)
        finally:
            self.seconds += time.perf_counter() - started
            self.seen += docs


@dataclass
class Row:
    alerts: int
    load_seconds: float
    per_record: float
    percolation: float
    recorded: int
    expected: int
    lost: int
    extra: int
    narrowed: float | None = None
    unnarrowed: float | None = None
    taken_in: float = 0.0  # the scheduler's seconds per record turning match sets into matches
    percolated: float | None = None  # finding matches with every alert percolated (none in Python)
    book_seconds: float = 0.0  # reading the local alerts into memory at start
    book_mib: float = 0.0  # the memory that took


def index_stream(engine: Engine, alias: str, settings: Settings, corpus: Corpus, count: int, tag: str):
    """The indexer's batch handler as ``policyradar index`` builds it (versions, repost clusters,
    bulk write with the indexer's refresh, percolation), fed ``count`` new notices batch by batch."""
    recorder = TimedRecorder(engine, alias)
    writer = BulkWriter(engine, alias, refresh=settings.index_refresh)
    versions = VersionStep.for_alias(engine, alias, settings)
    clusters = RepostClusters(engine, alias, {"devset": "devset"})
    handler = IndexBatch(writer, None, settings, recorder, versions, clusters=clusters)  # type: ignore[arg-type]
    records = [corpus.notice(tag) for _ in range(count)]
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        handler(messages(records[start : start + BATCH]))  # type: ignore[arg-type]
    spent = time.perf_counter() - started
    if handler.dead_letters:
        raise SystemExit(f"{handler.dead_letters} record(s) dead-lettered during the bench")
    return recorder, spent / count


def take_in_seconds(recorder: MatchRecorder) -> float:
    """Seconds the scheduler's share takes: every pending match set turned into matches."""
    started = time.perf_counter()
    recorder.take_in(everything=True)
    return time.perf_counter() - started


def percolation_only(
    engine: Engine, alias: str, docs: list[dict[str, Any]], narrow: bool, local: bool = True
) -> float:
    """Seconds per document to find the matches (nothing recorded): narrowed or running every query,
    with the alerts Python can decide decided in Python (``local``) or every alert percolated."""
    recorder = MatchRecorder(engine, alias, narrow=narrow, local=local)
    if local:
        recorder.local_book.refresh()  # read at start, as the indexer's is
    started = time.perf_counter()
    for start in range(0, len(docs), BATCH):
        recorder.matching_alerts(docs[start : start + BATCH])
    return (time.perf_counter() - started) / len(docs)


class CountingEngine:
    """The engine with every call counted (the digest scheduler's requests per tick)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._engine, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


def scheduler_ticks(
    engine: Engine, alias: str, settings: Settings, ticks: int, page: int
) -> list[tuple[int, int, int]]:
    """(requests, of which searches, digests sent) per tick, eight days from now: every daily and
    weekly alert is due (and the instant ones with matches waiting). The service looks at ``page``
    alerts per kind of work a tick (``DUE_PAGE`` in the scheduler; fewer here to keep the bench short:
    each digest costs a few ledger writes that wait for a refresh)."""
    counting = CountingEngine(engine)
    service = DigestService(counting, alias, settings, due_page=page)  # type: ignore[arg-type]
    now = datetime.now(UTC) + timedelta(days=8)
    rows = []
    for _ in range(ticks):
        counting.calls.clear()
        sent = service.run_due(now)
        calls = counting.calls
        rows.append((sum(calls.values()), calls["search"] + calls["count"] + calls["get_docs"], len(sent)))
    return rows


# The run -------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1_000, 10_000, 100_000])
    parser.add_argument("--stream", type=int, default=4 * BATCH, help="new records indexed at each size")
    parser.add_argument("--ticks", type=int, default=3, help="scheduler ticks measured near 10,000 alerts")
    parser.add_argument(
        "--tick-page", type=int, default=20, help="alerts per kind of work in a measured tick"
    )
    parser.add_argument("--small", action="store_true", help="tiny numbers (a smoke run)")
    args = parser.parse_args(argv)
    if args.small:
        args.sizes, args.stream, args.ticks, args.tick_page = [0, 50, 300], BATCH, 2, 5
    settings = settings_with(isolated_overrides("bench-percolation"))
    engine = make_engine(settings)
    print(f"index alias {settings.index_alias} (deleted at the end)")
    try:
        return run(engine, settings, args)
    finally:
        for index in engine.list_indices(f"{settings.index_alias}*"):
            engine.delete_index(index)
        engine.close()


def run(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    alias = settings.index_alias
    started = time.perf_counter()
    seeds = load_seeds(12 if args.small else None)
    corpus, vocab = Corpus(seeds), vocabulary(seeds)
    print(
        f"dev-set seeds enriched in {time.perf_counter() - started:.1f} s; vocabulary: "
        + ", ".join(f"{len(v)} {k}" for k, v in {**vocab.words, **vocab.facets}.items())
        + f", {len(vocab.amounts)} amounts"
    )
    ensure_index(engine, alias, layout=IndexLayout.from_settings(settings))
    rates = rates_to_cny(settings.fx_rates)
    store = AlertStore(engine, alias, rates)
    rng = random.Random(12)
    alerts: list[Alert] = []
    rows: list[Row] = []
    scheduler_size = min(args.sizes, key=lambda size: abs(size - 10_000))
    ticks: list[tuple[int, int, int]] = []
    # The first size measured would otherwise pay for the engine's warm-up (its JIT, caches): the
    # handler's time with no alerts, which every ratio is taken against.
    index_stream(engine, alias, settings, corpus, args.stream, "warm-up")
    print(f"engine warmed up with {args.stream:,} records (not timed)")
    for size in sorted(args.sizes):
        load = _add_alerts(store, vocab, alerts, size, rng)
        recorder, per_record = index_stream(engine, alias, settings, corpus, args.stream, f"s{size}")
        docs = recorder.seen
        taken_in = take_in_seconds(recorder) / max(len(docs), 1)
        expected = expected_matches(engine, alias, alerts, docs, rates)
        recorded = recorded_matches(engine, recorder, [doc["id"] for doc in docs])
        narrowed = percolation_only(engine, alias, docs, narrow=True)
        unnarrowed = percolation_only(engine, alias, docs, narrow=False) if size <= 10_000 else None
        percolated = percolation_only(engine, alias, docs, narrow=True, local=False)
        row = Row(
            size,
            load,
            per_record,
            recorder.seconds / len(docs),
            len(recorded),
            len(expected),
            len(expected - recorded),
            len(recorded - expected),
            narrowed,
            unnarrowed,
            taken_in,
            percolated,
            recorder.book_seconds,
            recorder.book_mib,
        )
        rows.append(row)
        print(
            f"  {size:>7,} alerts: {per_record * 1000:.1f} ms a record, percolation "
            f"{row.percolation * 1000:.1f} ms, taken in by the scheduler {taken_in * 1000:.1f} ms; "
            f"{row.recorded:,} matches recorded, {row.expected:,} expected; local alerts read into "
            f"memory at start in {row.book_seconds:.1f} s, {row.book_mib:.0f} MiB"
        )
        if size == scheduler_size and size:
            ticks = scheduler_ticks(engine, alias, settings, args.ticks, args.tick_page)
    report(rows, ticks, scheduler_size, args.tick_page)
    return 1 if any(row.lost or row.extra for row in rows) else 0


def _add_alerts(
    store: AlertStore, vocab: Vocabulary, alerts: list[Alert], size: int, rng: random.Random
) -> float:
    """Store alerts until there are ``size``; the seconds it took."""
    started = time.perf_counter()
    while len(alerts) < size:
        batch = make_alerts(vocab, len(alerts), min(LOAD_CHUNK, size - len(alerts)), rng)
        store.save_many(batch)
        alerts += batch
    return time.perf_counter() - started


def report(rows: list[Row], ticks: list[tuple[int, int, int]], scheduler_size: int, page: int) -> None:
    base = rows[0].per_record if rows and rows[0].alerts == 0 else None
    print(
        "\n| alerts | load (s) | s per record | ratio to no alerts | percolation (ms/record) "
        "| finding matches (ms/record) | same, every alert percolated | same, every query run "
        "| taken in by the scheduler (ms/record) "
        "| matches recorded | brute-force count | lost | extra |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = f"{row.per_record / base:.2f}" if base else "-"
        narrowed = f"{row.narrowed * 1000:.1f}" if row.narrowed is not None else "-"
        unnarrowed = f"{row.unnarrowed * 1000:.1f}" if row.unnarrowed is not None else "-"
        percolated = f"{row.percolated * 1000:.1f}" if row.percolated is not None else "-"
        cells = [
            f"{row.alerts:,}",
            f"{row.load_seconds:.0f}",
            f"{row.per_record:.4f}",
            ratio,
            f"{row.percolation * 1000:.1f}",
            narrowed,
            percolated,
            unnarrowed,
            f"{row.taken_in * 1000:.1f}",
            f"{row.recorded:,}",
            f"{row.expected:,}",
            str(row.lost),
            str(row.extra),
        ]
        print("| " + " | ".join(cells) + " |")
    _targets(rows, base)
    if ticks:
        print(f"\ndigest scheduler at {scheduler_size:,} alerts, every daily alert due")
        print(f"(at most {page} alerts per kind of work a tick; the scheduler's own page is {DUE_PAGE}):")
        for n, (requests, searches, sent) in enumerate(ticks, 1):
            print(f"  tick {n}: {requests} requests ({searches} searches), {sent} digest(s) sent")


def _targets(rows: list[Row], base: float | None) -> None:
    lost = sum(row.lost for row in rows)
    print(f"\nzero matches lost at every size: {'met' if lost == 0 else f'missed ({lost} lost)'}")
    by_size = {row.alerts: row for row in rows}
    if base and 10_000 in by_size:
        # Two readings: the whole handler's time (its bulk writes wait for a refresh, up to a second
        # a batch, which is noise of that size), and the percolation's own time beyond its time with
        # no alerts, against the whole handler's time with no alerts.
        extra = by_size[10_000].per_record / base - 1
        own = (by_size[10_000].percolation - rows[0].percolation) / base
        verdict = "met" if max(extra, own) <= 0.5 else "missed"
        print(
            f"percolation adds {extra:.0%} at 10,000 alerts by the handler's time, {own:.0%} by its own "
            f"time (target <= 50 %): {verdict}"
        )
    if base and 10_000 in by_size and 100_000 in by_size:
        # The growth is read from the percolation's own time. The handler's time is printed too, but
        # what 10,000 alerts add to it (a few tenths of a ms) is smaller than the percolation's own
        # time and than the swing of the bulk write's refresh wait, so its ratio is noise.
        cost = {n: by_size[n].per_record - base for n in (10_000, 100_000)}
        growth = cost[100_000] / cost[10_000] if cost[10_000] > 0 else float("inf")
        own = {n: by_size[n].percolation - rows[0].percolation for n in (10_000, 100_000)}
        own_growth = own[100_000] / own[10_000] if own[10_000] > 0 else float("inf")
        verdict = "met" if own_growth <= 3 else "missed"
        print(
            f"100,000 alerts cost {own_growth:.2f}x what 10,000 cost by the percolation's own time "
            f"(target <= 3): {verdict}; by the handler's time {growth:.2f}x "
            f"({cost[10_000] * 1000:.1f} and {cost[100_000] * 1000:.1f} ms a record over no alerts)"
        )


if __name__ == "__main__":
    raise SystemExit(main())
