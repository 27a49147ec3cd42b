"""Search at 200,000 documents, the bulk writer against the client's own bulk helper, index size and
the engine's heap (issue 12).

    .venv/bin/python bench/bench_search.py [--docs 200000] [--queries 300] [--small]

Documents are variants of the dev-set texts (``bench/variants.py``: each text enriched once with the
rules profile, then other places, companies, amounts, years, sources and paragraph orders; one in
ten a repost in the cluster of a recent one), with the repost-cluster fields the indexer adds. They are
made chunk by chunk (not timed) and each chunk is written twice, into two fresh indices with the
project's mapping: once through the project's ``BulkWriter`` and once through the client library's
``helpers.streaming_bulk`` (same actions: id, external version), the order alternating between
chunks. Throughput is documents per second of write time for each; target writer >= 0.9 x raw.
The raw index is then deleted, and searches go through ``indexer.search.run_search`` (what
``GET /api/search`` runs: text, filters, every facet, reposts collapsed) with queries made from the
documents (a word of a title in either language and two filters the document has: place, province,
company, topic, document type, language, minimum amount or publication year): a warm-up, then the
measured ones, one at a time. Target p95 <= 200 ms. Prints the store size per document and the
engine's JVM heap (used during the load, after it and during the searches) that the local stack's
heap setting is sized from. Everything under the bench's alias is deleted at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_clusters import load_seeds  # noqa: E402
from bench.variants import Variants  # noqa: E402
from indexer.engine import Engine, make_engine  # noqa: E402
from indexer.index_versions import ensure_index  # noqa: E402
from indexer.mapping import IndexLayout  # noqa: E402
from indexer.query import SearchRequest  # noqa: E402
from indexer.search import SearchUnavailable, run_search  # noqa: E402
from indexer.writer import BulkDoc, BulkWriter, version_of  # noqa: E402
from policyradar.rates import rates_to_cny  # noqa: E402
from policyradar.settings import Settings  # noqa: E402
from tests.fixtures.isolation import isolated_overrides, settings_with  # noqa: E402

CHUNK = 500  # documents per bulk request, for both (streaming_bulk's default chunk size)
QUERY_SAMPLE = 4000  # documents kept to make queries from
P95_TARGET_MS = 200.0
THROUGHPUT_TARGET = 0.9
_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")
_WORD = re.compile(r"[A-Za-z]{5,}")
_COMMON = {"notice", "about", "measures", "their", "which", "would", "under"}


@dataclass
class Load:
    docs: int = 0
    writer_seconds: float = 0.0
    raw_seconds: float = 0.0
    make_seconds: float = 0.0
    rejected: int = 0
    raw_errors: int = 0
    heap: list[int] = field(default_factory=list)  # bytes used, sampled after chunks


def raw_client(settings: Settings) -> Any:
    """The engine's client library, connected as the project connects it."""
    if settings.engine == "elasticsearch":
        from elasticsearch import Elasticsearch

        return Elasticsearch(settings.search_url, request_timeout=60)
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[settings.search_url], timeout=60)


def streaming_bulk(settings: Settings) -> Any:
    if settings.engine == "elasticsearch":
        from elasticsearch.helpers import streaming_bulk as helper
    else:
        from opensearchpy.helpers import streaming_bulk as helper
    return helper


def heap_used(client: Any) -> tuple[int, int]:
    """(heap used, heap max) of the engine's node, in bytes (the first node: one locally)."""
    nodes = client.nodes.stats(metric="jvm")["nodes"]
    jvm = next(iter(nodes.values()))["jvm"]["mem"]
    return int(jvm["heap_used_in_bytes"]), int(jvm["heap_max_in_bytes"])


def load(
    engine: Engine, client: Any, settings: Settings, variants: Variants, count: int, sample: list
) -> Load:
    """Write ``count`` documents into the alias (BulkWriter) and the raw index (streaming_bulk)."""
    alias = settings.index_alias
    raw_index = ensure_index(engine, f"{alias}-raw", layout=IndexLayout.from_settings(settings))
    writer = BulkWriter(engine, alias, refresh="false")
    helper = streaming_bulk(settings)
    result = Load()
    progress = time.monotonic()
    for start in range(0, count, CHUNK):
        began = time.perf_counter()
        chunk = [variants.document() for _ in range(min(CHUNK, count - start))]
        result.make_seconds += time.perf_counter() - began
        _keep(sample, chunk, start, variants.random)
        docs = [BulkDoc(d["id"], _version(d), d) for d in chunk]
        writes = [(_write, (writer, docs, result)), (_raw, (helper, client, raw_index, docs, result))]
        for write, write_args in writes if (start // CHUNK) % 2 == 0 else writes[::-1]:
            write(*write_args)
        result.docs += len(chunk)
        if (start // CHUNK) % 20 == 0:
            result.heap.append(heap_used(client)[0])
        if time.monotonic() - progress > 30:
            progress = time.monotonic()
            print(f"  {result.docs:,} documents written twice", flush=True)
    engine.refresh(alias)
    engine.refresh(raw_index)
    return result


def _version(doc: dict[str, Any]) -> int:
    return version_of(datetime.fromisoformat(doc["fetched_at"].replace("Z", "+00:00")))


def _keep(sample: list, chunk: list[dict[str, Any]], start: int, rng: random.Random) -> None:
    """Reservoir sample of the documents, for queries."""
    for n, doc in enumerate(chunk, start):
        if len(sample) < QUERY_SAMPLE:
            sample.append(doc)
        elif (slot := rng.randrange(n + 1)) < QUERY_SAMPLE:
            sample[slot] = doc


def _write(writer: BulkWriter, docs: list[BulkDoc], result: Load) -> None:
    began = time.perf_counter()
    rejected = writer.write(docs)
    result.writer_seconds += time.perf_counter() - began
    result.rejected += len(rejected)
    if rejected:
        print(f"  the engine refused {rejected[0].id}: {rejected[0].reason}", flush=True)


def _raw(helper: Any, client: Any, index: str, docs: list[BulkDoc], result: Load) -> None:
    actions = (
        {
            "_op_type": "index",
            "_index": index,
            "_id": d.id,
            "version": d.version,
            "version_type": "external_gte",
            "_source": d.source,
        }
        for d in docs
    )
    began = time.perf_counter()
    for ok, item in helper(client, actions, chunk_size=CHUNK, raise_on_error=False, max_retries=5):
        if not ok:
            result.raw_errors += 1
            if result.raw_errors == 1:
                print(f"  streaming_bulk: {item}", flush=True)
    result.raw_seconds += time.perf_counter() - began


# Queries ---------------------------------------------------------------------------------------------
FILTERS = ("places", "provinces", "companies", "topics", "doc_types", "languages", "min_amount", "year")


def make_queries(sample: list[dict[str, Any]], count: int, rng: random.Random) -> list[SearchRequest]:
    """Searches people make: a word of a document's title and two filters that document meets."""
    queries = []
    while len(queries) < count:
        doc = rng.choice(sample)
        word = _title_word(doc, rng)
        options = {name: value for name in FILTERS if (value := _filter(doc, name, rng)) is not None}
        if word is None or len(options) < 2:
            continue
        chosen = dict(rng.sample(sorted(options.items()), 2))
        year = chosen.pop("year", None)
        if year is not None:
            chosen.update(date_from=f"{year}-01-01", date_to=f"{year}-12-31")
        queries.append(SearchRequest(q=word, **chosen))
    return queries


def _title_word(doc: dict[str, Any], rng: random.Random) -> str | None:
    if doc["detected_language"] == "zh":
        runs = _HAN.findall(doc["title"])
        pairs = [run[i : i + 2] for run in runs for i in range(len(run) - 1)]
        return rng.choice(pairs) if pairs else None
    words = [w for w in _WORD.findall(doc["title"]) if w.lower() not in _COMMON]
    return rng.choice(words).lower() if words else None


def _filter(doc: dict[str, Any], name: str, rng: random.Random) -> Any:
    if name == "min_amount":
        amounts = [m["value_cny"] for m in doc["entities"]["money"] if m.get("value_cny")]
        return float(round(min(amounts) / 2)) if amounts else None
    if name == "year":
        return doc["published_at"][:4]
    if name == "doc_types":
        return [doc["doc_type"]] if doc.get("doc_type") else None
    if name == "languages":
        return [doc["detected_language"]]
    values = doc.get({"places": "place_names"}.get(name, name)) or []
    return [rng.choice(values)] if values else None


@dataclass
class Latency:
    millis: list[float]
    empty: int
    heap: int  # the most heap the engine used, sampled every 20 searches
    failed: int  # searches the engine refused


def measure(
    engine: Engine, client: Any, alias: str, queries: list[SearchRequest], rates: dict[str, float]
) -> Latency:
    """One search at a time, timed around ``run_search`` (the API's own call)."""
    millis, empty, heap, failed = [], 0, 0, 0
    for n, request in enumerate(queries):
        began = time.perf_counter()
        try:
            result = run_search(engine, alias, request, rates=rates)
        except SearchUnavailable as exc:  # e.g. the engine's memory breaker refused it (429)
            failed += 1
            if failed == 1:
                print(f"  a search failed: {exc}", flush=True)
            continue
        millis.append((time.perf_counter() - began) * 1000)
        empty += result["total"] == 0
        if n % 20 == 0:
            heap = max(heap, heap_used(client)[0])
    return Latency(millis, empty, heap, failed)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# Report ---------------------------------------------------------------------------------------------
def store_size(engine: Engine, client: Any, alias: str) -> tuple[int, int]:
    """(documents, store bytes of the primaries) of the alias (the engine's own document count
    there includes the nested entity documents, so documents are counted with a search)."""
    stats = client.indices.stats(index=alias, metric="store")["_all"]["primaries"]
    return engine.count(alias), int(stats["store"]["size_in_bytes"])


def report(result: Load, latency: Latency, size: tuple[int, int], heaps: dict[str, Any]) -> bool:
    writer_rate = result.docs / result.writer_seconds
    raw_rate = result.docs / result.raw_seconds
    ratio = writer_rate / raw_rate
    p50, p95, p99 = (percentile(latency.millis or [float("nan")], s) for s in (0.5, 0.95, 0.99))
    docs, store = size
    mib = 1024 * 1024
    print("\n| measure | figure | target | |")
    print("|---|---|---|---|")
    rows = [
        ("documents loaded (each index)", f"{result.docs:,}", "", ""),
        ("documents made (not timed)", f"{result.make_seconds:.0f} s", "", ""),
        ("BulkWriter", f"{writer_rate:,.0f} docs/s ({result.writer_seconds:.0f} s)", "", ""),
        ("raw streaming_bulk", f"{raw_rate:,.0f} docs/s ({result.raw_seconds:.0f} s)", "", ""),
        ("writer / raw", f"{ratio:.2f}", f">= {THROUGHPUT_TARGET}", _met(ratio >= THROUGHPUT_TARGET)),
        (
            "rejected (writer / raw)",
            f"{result.rejected} / {result.raw_errors}",
            "0",
            _met(not result.rejected),
        ),
        ("searches measured", f"{len(latency.millis)} ({latency.empty} with no hit)", ">= 200", ""),
        ("searches refused by the engine", str(latency.failed), "0", _met(not latency.failed)),
        ("search p50", f"{p50:.0f} ms", "", ""),
        ("search p95", f"{p95:.0f} ms", f"<= {P95_TARGET_MS:.0f} ms", _met(p95 <= P95_TARGET_MS)),
        ("search p99", f"{p99:.0f} ms", "", ""),
        (
            "store size per document",
            f"{store / max(docs, 1) / 1024:.1f} KiB ({store / mib:,.0f} MiB)",
            "",
            "",
        ),
        ("engine heap max", f"{heaps['max'] / mib:,.0f} MiB", "", ""),
        ("heap used during load (median / max)", heaps["load"], "", ""),
        ("heap used after load", f"{heaps['after_load'] / mib:,.0f} MiB", "", ""),
        ("heap used during searches (max)", f"{heaps['search'] / mib:,.0f} MiB", "", ""),
    ]
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nsearch p95 <= {P95_TARGET_MS:.0f} ms: {_met(p95 <= P95_TARGET_MS)}")
    print(f"writer throughput >= {THROUGHPUT_TARGET} x raw: {_met(ratio >= THROUGHPUT_TARGET)}")
    print(f"every document indexed: {_met(docs == result.docs)} ({docs:,} of {result.docs:,})")
    return docs == result.docs and not result.rejected and not result.raw_errors and not latency.failed


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


# The run ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200_000, help="documents loaded")
    parser.add_argument("--queries", type=int, default=300, help="searches measured (after a warm-up)")
    parser.add_argument("--warmup", type=int, default=50, help="searches run first, not measured")
    parser.add_argument("--small", action="store_true", help="small numbers (a smoke run)")
    args = parser.parse_args(argv)
    if args.small:
        args.docs, args.queries, args.warmup = 3000, 40, 5
    settings = settings_with(isolated_overrides("bench-search"))
    engine = make_engine(settings)
    client = raw_client(settings)
    print(f"index alias {settings.index_alias} (deleted at the end)")
    try:
        return run(engine, client, settings, args)
    finally:
        for index in engine.list_indices(f"{settings.index_alias}*"):
            engine.delete_index(index)
        engine.close()
        client.close()


def run(engine: Engine, client: Any, settings: Settings, args: argparse.Namespace) -> int:
    alias = settings.index_alias
    began = time.perf_counter()
    variants = Variants(load_seeds(12 if args.small else None))
    print(f"dev-set seeds enriched in {time.perf_counter() - began:.1f} s")
    ensure_index(engine, alias, layout=IndexLayout.from_settings(settings))
    sample: list[dict[str, Any]] = []
    result = load(engine, client, settings, variants, args.docs, sample)
    print(
        f"loaded {result.docs:,} documents into each index: BulkWriter "
        f"{result.docs / result.writer_seconds:,.0f} docs/s, raw streaming_bulk "
        f"{result.docs / result.raw_seconds:,.0f} docs/s",
        flush=True,
    )
    for index in engine.list_indices(f"{alias}-raw*"):
        engine.delete_index(index)
    after_load, heap_max = heap_used(client)
    rng = random.Random(7)
    rates = rates_to_cny(settings.fx_rates)
    queries = make_queries(sample, args.warmup + args.queries, rng)
    measure(engine, client, alias, queries[: args.warmup], rates)
    latency = measure(engine, client, alias, queries[args.warmup :], rates)
    heaps = {
        "max": heap_max,
        "load": _median_max(result.heap),
        "after_load": after_load,
        "search": latency.heap,
    }
    ok = report(result, latency, store_size(engine, client, alias), heaps)
    return 0 if ok else 1


def _median_max(values: list[int]) -> str:
    mib = 1024 * 1024
    return f"{statistics.median(values) / mib:,.0f} / {max(values) / mib:,.0f} MiB" if values else "-"


if __name__ == "__main__":
    raise SystemExit(main())
