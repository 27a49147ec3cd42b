"""The extra cost per document of repost clustering and version diffs in the indexer (issue 11).

    .venv/bin/python bench/bench_clusters.py [--sizes 10000 100000] [--stream 2000] [--small]

Fills a fresh index alias with enriched documents made from the dev-set texts
(``processors/eval/devset/``): sentences of one language drawn at random with their numbers changed
and most of them reworded (one in five kept as shared boilerplate), so most documents are distinct,
and one in ten a repost of an earlier one (a 来源/source line, junk lines, sometimes Traditional
script). The base load goes through the bulk writer with the cluster
fields precomputed and is not timed. Then a stream of new records (mostly new notices, some reposts of
indexed ones, some amended pages) is fed to the indexer's batch handler (``IndexBatch``), batch by
batch, alternating the plain handler (write and percolate) with the full one (versions, clusters,
write, settle, percolate), once with the engine refresh the indexer uses (``wait_for``) and once
without waiting (``false``), at each index size. Prints seconds per document, the extra share and the
targets: extra < 20 % of the indexer's time per document at the largest size, flat across sizes.
The alias and everything under it are deleted at the end. Needs the local stack.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.alerts.model import Alert  # noqa: E402
from indexer.alerts.store import AlertStore, MatchRecorder  # noqa: E402
from indexer.clusters.assign import RepostClusters, sketch_document  # noqa: E402
from indexer.clusters.key import set_cluster  # noqa: E402
from indexer.engine import Engine, make_engine  # noqa: E402
from indexer.index_versions import ensure_index  # noqa: E402
from indexer.mapping import IndexLayout, document_from_record  # noqa: E402
from indexer.run import IndexBatch  # noqa: E402
from indexer.versions.step import VersionStep  # noqa: E402
from indexer.writer import BulkDoc, BulkWriter, version_of  # noqa: E402
from policyradar.ids import content_hash, document_id  # noqa: E402
from policyradar.schemas import EnrichedRecord, RawRecord, dump_record  # noqa: E402
from policyradar.settings import Settings  # noqa: E402
from processors.enrich import enrich_many  # noqa: E402
from processors.options import ExtractionOptions  # noqa: E402
from tests.fixtures.isolation import isolated_overrides, settings_with  # noqa: E402

DEVSET = ROOT / "processors" / "eval" / "devset"
# The indexer's batch size (POLICYRADAR_INDEX_BATCH_SIZE's default).
BATCH = Settings.model_fields["index_batch_size"].default
LOAD_CHUNK = 1000
BOILERPLATE = 0.2  # share of a new notice's sentences kept word for word from the dev set
ALERTS = 10  # stored alerts every written document is percolated against
_SENTENCE = re.compile(r"(?<=[。！？；])|(?<=[.!?;])\s+|\n+")
_NUMBER = re.compile(r"\d+")
_JUNK = {
    "zh": [
        "点击上方蓝字关注我们",
        "扫码关注公众号，获取更多政策解读",
        "责任编辑：王敏",
        "【打印本页】【关闭窗口】",
    ],
    "en": [
        "Follow us for more policy updates",
        "Editor: Jane Smith",
        "Share to: WeChat | Weibo",
        "Print | Close",
    ],
}
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Seed:
    """A dev-set document, enriched once: its language, title, sentences and extracted fields."""

    record: EnrichedRecord
    sentences: list[str]


def load_seeds(limit: int | None = None) -> dict[str, list[Seed]]:
    """The dev-set texts (the first ``limit``), enriched with the rules profile, by language."""
    paths = sorted(DEVSET.glob("*.txt"))[:limit]
    raws = []
    for path in paths:
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        url = f"https://devset.example/{path.stem}.html"
        raws.append(
            RawRecord(
                id=document_id(url),
                url=url,
                source_id="devset",
                source_kind="government",
                jurisdiction="CN",
                language="mixed",
                title=title.strip(),
                published_at=START,
                fetched_at=START,
                text=body.strip(),
                content_hash=content_hash(title, body),
            )
        )
    seeds: dict[str, list[Seed]] = {"zh": [], "en": []}
    for record in enrich_many(raws, options=ExtractionOptions(profile="rules")):
        sentences = [s.strip() for s in _SENTENCE.split(record.text) if s and len(s.strip()) > 8]
        seeds.setdefault(record.detected_language, []).append(Seed(record, sentences))
    return {lang: found for lang, found in seeds.items() if found}


class Corpus:
    """Makes documents: new notices, reposts of earlier ones and amended versions."""

    def __init__(self, seeds: dict[str, list[Seed]], seed: int = 11) -> None:
        self.seeds = seeds
        self.pool = {lang: [s for seed in found for s in seed.sentences] for lang, found in seeds.items()}
        self.random = random.Random(seed)
        self.count = 0
        self.t2s = opencc.OpenCC("s2t")
        self.origin: dict[str, str] = {}  # repost id -> the id of the record it copies

    def _numbers(self, text: str) -> str:
        return _NUMBER.sub(
            lambda m: str(self.random.randrange(10 ** (len(m.group()) - 1), 10 ** len(m.group()))), text
        )

    def _reword(self, sentence: str, lang: str) -> str:
        """Most sentences of two distinct notices differ (one in five is kept word for word, as
        shared boilerplate is): every sixth character or word is swapped for one of another text."""
        if self.random.random() < BOILERPLATE:
            return sentence
        units = list(sentence) if lang == "zh" else sentence.split(" ")
        donor = self.random.choice(self.pool[lang])
        spare = list(donor) if lang == "zh" else donor.split(" ")
        for n in range(self.random.randrange(6), len(units), 6):
            units[n] = self.random.choice(spare)
        return ("" if lang == "zh" else " ").join(units)

    def notice(self, tag: str) -> EnrichedRecord:
        """A new notice: a dev-set title and 8 to 24 sentences of its language, numbers changed."""
        lang = self.random.choice(sorted(self.seeds))
        seed = self.random.choice(self.seeds[lang])
        self.count += 1
        title = f"{self._numbers(seed.record.title)} ({self.count})"
        sentences = self.random.sample(self.pool[lang], self.random.randint(8, 24))
        text = "\n".join(self._reword(self._numbers(s), lang) for s in sentences)
        url = f"https://{seed.record.source_id}-{self.random.randrange(40)}.example/{tag}/{self.count}.html"
        published = START + timedelta(minutes=self.count)
        return _record(seed.record, url, title, text, published, published)

    def repost(self, original: EnrichedRecord, tag: str) -> EnrichedRecord:
        """A copy on another site: a source line, junk lines, one in three in Traditional script."""
        self.count += 1
        lang = original.detected_language
        label = "来源：" if lang == "zh" else "Source: "
        lines = [f"{label}{original.source_id}", *original.text.splitlines()]
        lines.insert(self.random.randrange(1, len(lines)), self.random.choice(_JUNK[lang]))
        lines.append(self.random.choice(_JUNK[lang]))
        text, title = "\n".join(lines), original.title
        if lang == "zh" and self.random.random() < 1 / 3:
            text, title = self.t2s.convert(text), self.t2s.convert(title)
        url = f"https://repost-{self.random.randrange(40)}.example/{tag}/{self.count}.html"
        published = original.published_at + timedelta(days=1)
        copy = _record(original, url, title, text, published, published)
        self.origin[copy.id] = original.id
        return copy.model_copy(update={"source_id": "portal", "source_kind": "media"})

    def amend(self, original: EnrichedRecord) -> EnrichedRecord:
        """The same page fetched again with two of its sentences' numbers changed."""
        lines = original.text.splitlines()
        for n in self.random.sample(range(len(lines)), min(2, len(lines))):
            lines[n] = self._numbers(lines[n]) + (
                "（已更新）" if original.detected_language == "zh" else " (updated)"
            )
        fetched = original.fetched_at + timedelta(days=30)
        return _record(
            original, original.url, original.title, "\n".join(lines), original.published_at, fetched
        )


def _record(
    like: EnrichedRecord, url: str, title: str, text: str, published: datetime, fetched: datetime
) -> EnrichedRecord:
    return like.model_copy(
        update={
            "id": document_id(url),
            "url": url,
            "title": title,
            "text": text,
            "published_at": published,
            "fetched_at": fetched,
            "content_hash": content_hash(title, text),
        }
    )


def base_documents(corpus: Corpus, count: int, tag: str) -> list[EnrichedRecord]:
    """``count`` records: nine new notices for each repost of an earlier one."""
    records: list[EnrichedRecord] = []
    while len(records) < count:
        if records and corpus.random.random() < 0.1:
            records.append(corpus.repost(corpus.random.choice(records), tag))
        else:
            records.append(corpus.notice(tag))
    return records


def load_base(engine: Engine, alias: str, records: list[EnrichedRecord], origin: dict[str, str]) -> None:
    """Bulk-write ``records`` with their cluster fields (a repost joins its original's cluster)."""
    writer = BulkWriter(engine, alias, refresh="false")
    cluster_of: dict[str, str] = {}
    for start in range(0, len(records), LOAD_CHUNK):
        docs = []
        for record in records[start : start + LOAD_CHUNK]:
            source = document_from_record(record)
            source.update(sketch_document(source).to_fields())
            cluster_of[record.id] = cluster_of.get(origin.get(record.id, ""), record.id)
            set_cluster(source, cluster_of[record.id])
            source["is_original"] = record.source_kind == "government"
            docs.append(BulkDoc(record.id, version_of(record.fetched_at), source))
        rejected = writer.write(docs)
        if rejected:
            raise SystemExit(f"base load: the engine refused {rejected[0].id}: {rejected[0].reason}")
    engine.refresh(alias)


def stream(corpus: Corpus, indexed: list[EnrichedRecord], count: int, tag: str) -> list[EnrichedRecord]:
    """New records for the timed run: 80 % new notices, 15 % reposts, 5 % amended pages of
    ``indexed`` (each indexed page amended at most once)."""
    records: list[EnrichedRecord] = []
    amendable = [r for r in indexed if r.source_kind == "government"]
    corpus.random.shuffle(amendable)
    for _ in range(count):
        roll = corpus.random.random()
        if roll < 0.05 and amendable:
            records.append(corpus.amend(amendable.pop()))
        elif roll < 0.20:
            records.append(corpus.repost(corpus.random.choice(indexed), tag))
        else:
            records.append(corpus.notice(tag))
    return records


def messages(records: list[EnrichedRecord]) -> list[SimpleNamespace]:
    """The records as the consumer hands them to the batch handler."""
    return [
        SimpleNamespace(topic="bench", partition=0, offset=n, key=r.id.encode(), value=dump_record(r))
        for n, r in enumerate(records)
    ]


class StepTimer:
    """Wraps one step of the full handler and adds its seconds to ``totals[name]``."""

    def __init__(self, name: str, step: Callable[..., Any], totals: dict[str, float]) -> None:
        self.name, self.step, self.totals = name, step, totals

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.step(*args, **kwargs)
        finally:
            self.totals[self.name] += time.perf_counter() - started


STEPS = ("versions", "assign", "settle")  # what the full handler adds to the plain one


def handlers(
    engine: Engine, alias: str, settings: Settings, refresh: str
) -> tuple[IndexBatch, IndexBatch, dict[str, float]]:
    """The plain handler (write and percolate), the full one (versions and clusters too), and the
    seconds the full one spends in each step it adds (``STEPS``)."""
    settings = settings.model_copy(update={"index_refresh": refresh})
    writer = BulkWriter(engine, alias, refresh=refresh)
    recorder = MatchRecorder(engine, alias)
    plain = IndexBatch(writer, None, settings, recorder)  # type: ignore[arg-type]
    totals = dict.fromkeys(STEPS, 0.0)
    clusters = RepostClusters(engine, alias, {"devset": "devset"}, refresh=refresh)
    clusters.assign = StepTimer("assign", clusters.assign, totals)  # type: ignore[method-assign]
    clusters.settle = StepTimer("settle", clusters.settle, totals)  # type: ignore[method-assign]
    started = time.perf_counter()
    clusters.known.sync(datetime.now(UTC))  # what the indexer does at its first batch
    print(f"  read the bands of {len(clusters.known):,} documents in {time.perf_counter() - started:.1f} s")
    versions = StepTimer("versions", VersionStep.for_alias(engine, alias, settings), totals)
    full = IndexBatch(writer, None, settings, recorder, versions, clusters=clusters)  # type: ignore[arg-type]
    return plain, full, totals


def timed(handler: IndexBatch, batch: list[SimpleNamespace]) -> float:
    started = time.perf_counter()
    handler(batch)  # type: ignore[arg-type]
    if handler.dead_letters:
        raise SystemExit(f"{handler.dead_letters} record(s) dead-lettered during the bench")
    return time.perf_counter() - started


def measure(
    engine, alias, settings, corpus, indexed, count, refresh
) -> tuple[float, float, dict[str, float]]:
    """Seconds per document of the plain and the full handler over two streams of ``count`` records,
    fed in alternating batches, and of each step the full one adds. The new documents are deleted
    afterwards (amended pages stay), so the index keeps its size from one measurement to the next."""
    plain, full, totals = handlers(engine, alias, settings, refresh)
    first = stream(corpus, indexed[: len(indexed) // 2], count, f"plain-{refresh}")
    second = stream(corpus, indexed[len(indexed) // 2 :], count, f"full-{refresh}")
    spent = [0.0, 0.0]
    for start in range(0, count, BATCH):
        spent[0] += timed(plain, messages(first[start : start + BATCH]))
        spent[1] += timed(full, messages(second[start : start + BATCH]))
    known = {r.id for r in indexed}
    delete_documents(engine, alias, [r.id for r in first + second if r.id not in known])
    return spent[0] / count, spent[1] / count, {step: seconds / count for step, seconds in totals.items()}


def delete_documents(engine: Engine, alias: str, ids: list[str]) -> None:
    [index] = engine.alias_targets(alias)
    for start in range(0, len(ids), LOAD_CHUNK):
        engine.bulk(
            [{"delete": {"_index": index, "_id": doc_id}} for doc_id in ids[start : start + LOAD_CHUNK]]
        )
    engine.refresh(alias)


def store_alerts(engine: Engine, alias: str) -> None:
    store = AlertStore(engine, alias)
    queries = ["算力", "补贴", "subsidy", "人工智能", "model", "数据", "compute", "申报", "grant", "园区"]
    for n in range(ALERTS):
        store.save(Alert(name=f"bench-{n}", owner="bench", q=queries[n % len(queries)], every="daily"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000], help="documents in the index"
    )
    parser.add_argument("--stream", type=int, default=2000, help="new documents timed per handler and size")
    parser.add_argument("--refresh", nargs="+", default=["wait_for", "false"], choices=["wait_for", "false"])
    parser.add_argument("--small", action="store_true", help="tiny numbers (a smoke run of seconds)")
    args = parser.parse_args(argv)
    if args.small:
        args.sizes, args.stream = [100, 200], BATCH
    settings = settings_with(isolated_overrides("bench-clusters"))
    alias = settings.index_alias
    engine = make_engine(settings)
    print(f"index alias {alias} (deleted at the end)")
    try:
        return run(engine, alias, settings, args)
    finally:
        for index in engine.list_indices(f"{alias}-*"):
            engine.delete_index(index)
        engine.close()


def run(engine: Engine, alias: str, settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    corpus = Corpus(load_seeds(12 if args.small else None))
    print(f"dev-set seeds enriched in {time.perf_counter() - started:.1f} s")
    ensure_index(engine, alias, layout=IndexLayout.from_settings(settings))
    store_alerts(engine, alias)
    indexed: list[EnrichedRecord] = []
    rows = []
    for size in sorted(args.sizes):
        started = time.perf_counter()
        records = base_documents(corpus, size - engine.count(alias), f"base{size}")
        load_base(engine, alias, records, corpus.origin)
        indexed += records
        print(f"loaded {len(records):,} documents in {time.perf_counter() - started:.0f} s (not timed)")
        for refresh in args.refresh:
            plain, full, steps = measure(engine, alias, settings, corpus, indexed, args.stream, refresh)
            rows.append((size, refresh, plain, full, sum(steps.values())))
            parts = ", ".join(f"{step} {seconds * 1000:.2f}" for step, seconds in steps.items())
            print(
                f"  {size:>7,} docs, refresh {refresh}: {plain * 1000:.2f} / {full * 1000:.2f} ms a document"
                f" (full handler's added steps, ms a document: {parts})"
            )
    report(rows)
    return 0


def report(rows: list[tuple[int, str, float, float, float]]) -> None:
    """The extra read two ways: the difference between the handlers (which also holds writing the
    larger documents, and the swings of the refresh wait with ``wait_for``, up to a second a batch)
    and the added steps' own time."""
    print(
        "\n| documents | refresh | without (ms/doc) | with (ms/doc) | extra (ms/doc) | extra / without "
        "| added steps (ms/doc) | steps / without |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, refresh, plain, full, steps in rows:
        extra = full - plain
        cells = [
            f"{size:,}",
            refresh,
            *(f"{v * 1000:.2f}" for v in (plain, full, extra)),
            f"{extra / plain:.0%}",
            f"{steps * 1000:.2f}",
            f"{steps / plain:.0%}",
        ]
        print("| " + " | ".join(cells) + " |")
    print("\ntargets: extra < 20 % of the indexer's time per document at the largest size; flat across sizes")
    for refresh in dict.fromkeys(r[1] for r in rows):
        mine = [r for r in rows if r[1] == refresh]
        (small, _, p0, f0, s0), (large, _, p1, f1, s1) = mine[0], mine[-1]
        for name, extra_small, extra_large in (("handlers' difference", f0 - p0, f1 - p1), ("steps", s0, s1)):
            share = extra_large / p1
            growth = extra_large / extra_small if extra_small > 0 else float("nan")
            print(
                f"  refresh {refresh}, by the {name}: extra at {large:,} = {share:.0%} of the indexer's "
                f"time ({'met' if share < 0.2 else 'missed'}); at {large:,} / at {small:,} = {growth:.2f}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
