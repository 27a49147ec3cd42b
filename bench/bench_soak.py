"""A day in an hour: ``policyradar run`` with every part under a steady feed (issue 12).

    .venv/bin/python bench/bench_soak.py [--minutes 30] [--rate 5] [--alerts 10000] [--small]

Starts ``policyradar run`` (crawler on its schedule, processor, indexer, digest scheduler, web page,
each its own process) on topics, groups and an index alias of the bench's own, with 10,000 alerts
stored (``bench_percolation.make_alerts``) and the crawler given the demo site's three sources,
served by the bench on a free port. A feeder produces raw articles into the raw topic at ``--rate``
a second: variants of the dev-set texts (``bench/variants.py``: other places, companies, amounts,
years and paragraph orders, both languages). Every few seconds it samples, per consumer group, the
lag in records (end offsets minus committed offsets) and in seconds (the age of the oldest record
not yet committed), the RSS of every part (``/proc/<pid>/status``, its child processes included),
the engine's and Kafka's JVM heap, and one search through the web page's API. After ``--minutes``
the feed stops, the parts drain, ``run`` is stopped with SIGTERM, and it prints the lag (max, p95),
RSS per part after warm-up and at the end, the errors (ERROR lines in the parts' logs, restarts,
failed searches, dead letters) and the ledger: every distinct record of the raw topic is in the
index or a dead letter. Everything the bench made (topics, groups, indices, files) is deleted.
Needs the local stack.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_clusters import load_seeds  # noqa: E402
from bench.bench_percolation import make_alerts, vocabulary  # noqa: E402
from bench.variants import Variants  # noqa: E402
from indexer.alerts.store import AlertStore  # noqa: E402
from indexer.engine import Engine, make_engine  # noqa: E402
from indexer.index_versions import ensure_index  # noqa: E402
from indexer.mapping import IndexLayout  # noqa: E402
from policyradar.ids import content_hash  # noqa: E402
from policyradar.kafka_io import ensure_topics, make_producer  # noqa: E402
from policyradar.rates import rates_to_cny  # noqa: E402
from policyradar.schemas import RawRecord, dump_record  # noqa: E402
from policyradar.settings import Settings  # noqa: E402
from tests.fixtures.isolation import isolated_overrides, settings_with  # noqa: E402

DEMO_SITE = ROOT / "deploy" / "demo_site"
DEMO_SOURCES = ROOT / "sources" / "demo"
LAG_TARGET_SECONDS = 60.0
RSS_TOLERANCE = 0.10
_STARTED = re.compile(r"^\[run\] (\w+) started \(pid (\d+)\)")
_EXITED = re.compile(r"^\[run\] (\w+) exited with")


# The demo site and its sources -----------------------------------------------------------------------
class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_site() -> ThreadingHTTPServer:
    """The demo site on a free local port, served from a thread."""

    def handler(*args: Any, **kwargs: Any) -> QuietHandler:
        return QuietHandler(*args, directory=str(DEMO_SITE), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server


def write_sources(folder: Path, port: int) -> None:
    """The demo sources, pointed at ``port``."""
    for path in DEMO_SOURCES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("127.0.0.1:8765", f"127.0.0.1:{port}")
        (folder / path.name).write_text(text, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The feeder ------------------------------------------------------------------------------------------
class Feeder(threading.Thread):
    """Produces ``rate`` raw articles a second into the raw topic until stopped."""

    def __init__(self, settings: Settings, variants: Variants, rate: float) -> None:
        super().__init__(name="feeder", daemon=True)
        self.settings, self.variants, self.rate = settings, variants, rate
        self.stopping = threading.Event()
        self.produced = 0
        self.chars = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        producer = make_producer(self.settings, "bench-soak-feeder")
        began = time.monotonic()
        try:
            while not self.stopping.is_set():
                due = int((time.monotonic() - began) * self.rate) - self.produced
                for _ in range(due):
                    record = self.article()
                    producer.send(self.settings.topic_raw, key=record.id.encode(), value=dump_record(record))
                    self.produced += 1
                    self.chars += len(record.text)
                producer.flush(timeout=60)
                self.stopping.wait(0.2)
        except BaseException as exc:  # reported in the table: a feeder that stopped early
            self.error = exc
        finally:
            producer.flush(timeout=60)
            producer.close()

    def article(self) -> RawRecord:
        doc = self.variants.variant()
        now = datetime.now(UTC)
        return RawRecord(
            id=doc["id"],
            url=doc["url"],
            source_id=doc["source_id"],
            source_kind="government",
            jurisdiction="CN",
            language="mixed",
            title=doc["title"],
            published_at=datetime.fromisoformat(doc["published_at"].replace("Z", "+00:00")),
            fetched_at=now,
            text=doc["text"],
            content_hash=content_hash(doc["title"], doc["text"]),
        )


# Sampling --------------------------------------------------------------------------------------------
@dataclass
class Sample:
    at: float  # seconds since the start
    lag_records: dict[str, int]
    lag_seconds: dict[str, float]
    rss: dict[str, int]  # part -> bytes
    engine_heap: int | None
    kafka_heap: int | None
    search_ms: float | None


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    pids: dict[str, int] = field(default_factory=dict)
    failed_searches: int = 0  # once the page has answered a first time
    web_up: bool = False
    kafka_timeouts: int = 0  # samples the broker did not answer


class Lag:
    """Committed and end offsets of the two stages' groups, and the age of each group's oldest
    record not yet committed."""

    def __init__(self, settings: Settings) -> None:
        self.groups = {
            settings.group_processor: settings.topic_raw,
            settings.group_indexer: settings.topic_enriched,
        }
        self.admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="bench-soak")
        self.consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)

    def measure(self) -> tuple[dict[str, int], dict[str, float]]:
        records, seconds = {}, {}
        committed = self.admin.list_group_offsets({group: None for group in self.groups})
        now_ms = time.time() * 1000
        for group, topic in self.groups.items():
            partitions = [
                TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or [])
            ]
            ends = self.consumer.end_offsets(partitions) if partitions else {}
            begins = self.consumer.beginning_offsets(partitions) if partitions else {}
            mine = committed.get(group) or {}
            lag, oldest = 0, 0.0
            for tp in partitions:
                done = mine[tp].offset if tp in mine and mine[tp].offset >= 0 else begins[tp]
                lag += max(0, ends[tp] - done)
                if done < ends[tp]:
                    oldest = max(oldest, (now_ms - self._timestamp(tp, done)) / 1000)
            records[group], seconds[group] = lag, oldest
        return records, seconds

    def _timestamp(self, tp: TopicPartition, offset: int) -> float:
        self.consumer.assign([tp])
        self.consumer.seek(tp, offset)
        for found in self.consumer.poll(timeout_ms=2000, max_records=1).values():
            return float(found[0].timestamp)
        return time.time() * 1000

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (0 when it is gone)."""
    total = 0
    for one in [pid, *descendants(pid)]:
        try:
            status = Path(f"/proc/{one}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(found.group(1)) * 1024 if found else 0
    return total


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def kafka_heap() -> int | None:
    """Bytes in use in the local Kafka's heap (``jstat -gc`` on the stack's Kafka), if readable."""
    pid_file = ROOT / ".stack" / "kafka.pid"
    if not pid_file.exists() or not shutil.which("jstat"):
        return None
    try:
        out = subprocess.run(
            ["jstat", "-gc", pid_file.read_text().strip()], capture_output=True, text=True, timeout=10
        ).stdout.split("\n")
        header, values = out[0].split(), out[1].split()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None
    used = dict(zip(header, values, strict=False))
    return int(sum(float(used.get(name, 0)) for name in ("S0U", "S1U", "EU", "OU")) * 1024)


def engine_heap(settings: Settings) -> int | None:
    try:
        stats = httpx.get(f"{settings.search_url}/_nodes/stats/jvm", timeout=10).json()
        return int(next(iter(stats["nodes"].values()))["jvm"]["mem"]["heap_used_in_bytes"])
    except (httpx.HTTPError, KeyError, StopIteration, ValueError):
        return None


def search_once(port: int, words: list[str], n: int) -> float | None:
    """One search through the web page's API (milliseconds), None when it failed."""
    began = time.perf_counter()
    try:
        answer = httpx.get(
            f"http://127.0.0.1:{port}/api/search", params={"q": words[n % len(words)]}, timeout=30
        )
    except httpx.HTTPError:
        return None
    return (time.perf_counter() - began) * 1000 if answer.status_code == 200 else None


def read_pids(log: Path, soak: Soak) -> None:
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if found := _STARTED.match(line):
            soak.pids[found.group(1)] = int(found.group(2))


# The run ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of feeding")
    parser.add_argument("--rate", type=float, default=5.0, help="articles a second")
    parser.add_argument("--alerts", type=int, default=10_000, help="alerts stored")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--warmup-minutes", type=float, default=None, help="default: a fifth of the run")
    parser.add_argument(
        "--drain-minutes", type=float, default=10.0, help="longest wait for the parts to catch up"
    )
    parser.add_argument("--small", action="store_true", help="a one- to two-minute smoke run")
    args = parser.parse_args(argv)
    if args.small:
        args.minutes, args.rate, args.alerts, args.sample_seconds, args.drain_minutes = (
            1.0,
            2.0,
            200,
            3.0,
            3.0,
        )
    if args.warmup_minutes is None:
        args.warmup_minutes = args.minutes / 5
    overrides = isolated_overrides("bench-soak")
    settings = settings_with(overrides)
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    engine = make_engine(settings)
    print(f"index alias {settings.index_alias} (deleted at the end); logs in {workdir}")
    try:
        return run(engine, settings, overrides, workdir, args)
    finally:
        clean_up(engine, settings, workdir)


def run(
    engine: Engine, settings: Settings, overrides: dict[str, str], workdir: Path, args: argparse.Namespace
) -> int:
    seeds = load_seeds(12 if args.small else None)
    ensure_index(engine, settings.index_alias, layout=IndexLayout.from_settings(settings))
    ensure_topics(settings)
    vocab = vocabulary(seeds)
    store = AlertStore(engine, settings.index_alias, rates_to_cny(settings.fx_rates))
    began = time.perf_counter()
    for start in range(0, args.alerts, 5000):
        store.save_many(make_alerts(vocab, start, min(5000, args.alerts - start), random.Random(start)))
    print(f"{args.alerts:,} alerts stored in {time.perf_counter() - began:.0f} s")
    site = serve_site()
    sources = workdir / "sources"
    sources.mkdir()
    write_sources(sources, site.server_address[1])
    port = free_port()
    env = {
        **os.environ,
        **overrides,
        "POLICYRADAR_SOURCES_DIR": str(sources),
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps([f"127.0.0.1:{site.server_address[1]}"]),
        "POLICYRADAR_API_PORT": str(port),
        "POLICYRADAR_LOG_FORMAT": "json",
    }
    log = workdir / "run.log"
    with log.open("wb") as out:
        parts = subprocess.Popen(
            [sys.executable, "-m", "launcher", "run"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    feeder = Feeder(settings, Variants(seeds, seed=5, sketch=False), args.rate)
    soak = Soak()
    lag = Lag(settings)
    words = (vocab.words.get("zh", [])[:20] + vocab.words.get("en", [])[:20]) or ["subsidy"]
    try:
        feeder.start()
        sample_until(soak, lag, settings, log, port, words, args, feeder)
        feeder.stopping.set()
        feeder.join(timeout=120)
        drained = drain(lag, args.drain_minutes)
        print(
            f"feed stopped after {args.minutes:g} min; parts caught up: {'yes' if drained else 'no'}",
            flush=True,
        )
    finally:
        feeder.stopping.set()
        stop(parts)
        lag.close()
        site.shutdown()
    ledger = count_ledger(engine, settings)
    return report(soak, feeder, ledger, log, args)


def sample_until(
    soak: Soak,
    lag: Lag,
    settings: Settings,
    log: Path,
    port: int,
    words: list[str],
    args: argparse.Namespace,
    feeder: Feeder,
) -> None:
    """Every ``--sample-seconds`` until the run's minutes are over: lag, RSS, heaps, one search."""
    began = time.monotonic()
    n = 0
    while time.monotonic() - began < args.minutes * 60:
        time.sleep(args.sample_seconds)
        read_pids(log, soak)
        try:
            records, seconds = lag.measure()
        except KafkaError as exc:  # the broker did not answer in time: counted, the soak goes on
            soak.kafka_timeouts += 1
            print(f"  lag not sampled: Kafka did not answer ({type(exc).__name__})", flush=True)
            continue
        searched = search_once(port, words, n) if "web" in soak.pids else None
        soak.web_up |= searched is not None
        soak.failed_searches += searched is None and soak.web_up
        soak.samples.append(
            Sample(
                time.monotonic() - began,
                records,
                seconds,
                {part: rss_bytes(pid) for part, pid in soak.pids.items()},
                engine_heap(settings),
                kafka_heap(),
                searched,
            )
        )
        n += 1
        if n % max(1, int(60 / args.sample_seconds)) == 0:
            print(
                f"  {soak.samples[-1].at / 60:.0f} min: {feeder.produced:,} fed, lag "
                + ", ".join(f"{g.rsplit('-', 1)[-1]} {records[g]} ({seconds[g]:.0f} s)" for g in records),
                flush=True,
            )


def drain(lag: Lag, minutes: float) -> bool:
    """Wait until both groups have committed everything (at most ``minutes``)."""
    deadline = time.monotonic() + minutes * 60
    while time.monotonic() < deadline:
        try:
            records, _ = lag.measure()
        except KafkaError:
            time.sleep(3)
            continue
        if not any(records.values()):
            return True
        time.sleep(3)
    return False


def stop(parts: subprocess.Popen) -> None:
    if parts.poll() is None:
        parts.send_signal(signal.SIGTERM)
        try:
            parts.wait(timeout=120)
        except subprocess.TimeoutExpired:
            parts.kill()
            parts.wait()


@dataclass
class Ledger:
    raw: int  # distinct record ids in the raw topic (fed and crawled)
    indexed: int
    dead: int

    @property
    def lost(self) -> int:
        return self.raw - self.indexed - self.dead


def count_ledger(engine: Engine, settings: Settings) -> Ledger:
    engine.refresh(settings.index_alias)
    return Ledger(
        len(topic_keys(settings, settings.topic_raw)),
        engine.count(settings.index_alias),
        topic_size(settings, settings.topic_dlq),
    )


def topic_keys(settings: Settings, topic: str) -> set[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        keys: set[bytes] = set()
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for found in consumer.poll(timeout_ms=1000).values():
                keys.update(record.key for record in found)
        return keys
    finally:
        consumer.close()


def topic_size(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            return 0
        ends, begins = consumer.end_offsets(partitions), consumer.beginning_offsets(partitions)
        return sum(ends[tp] - begins[tp] for tp in partitions)
    finally:
        consumer.close()


# The report ------------------------------------------------------------------------------------------
def log_errors(log: Path) -> tuple[dict[str, int], int, list[str]]:
    """ERROR/CRITICAL lines per stage, restarts of parts, and the first few error messages."""
    errors: dict[str, int] = {}
    restarts, first = 0, []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if _EXITED.match(line):
            restarts += 1
            first.append(line)
            continue
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("level") in ("ERROR", "CRITICAL"):
                stage = str(entry.get("stage"))
                errors[stage] = errors.get(stage, 0) + 1
                first.append(f"{stage}: {entry.get('message', '')[:200]}")
        elif line.startswith("Traceback"):
            errors["traceback"] = errors.get("traceback", 0) + 1
    return errors, restarts, first[:5]


def report(soak: Soak, feeder: Feeder, ledger: Ledger, log: Path, args: argparse.Namespace) -> int:
    mib = 1024 * 1024
    warm = [s for s in soak.samples if s.at >= args.warmup_minutes * 60]
    lags = [max(s.lag_seconds.values(), default=0.0) for s in warm] or [0.0]
    lag_max, lag_p95 = max(lags), _p95(lags)
    records_max = max((max(s.lag_records.values(), default=0) for s in warm), default=0)
    errors, restarts, first = log_errors(log)
    rate = feeder.produced / (args.minutes * 60)
    print(
        f"\nfed {feeder.produced:,} articles in {args.minutes:g} min ({rate:.2f}/s, "
        f"{feeder.chars / max(feeder.produced, 1):,.0f} characters on average), {args.alerts:,} alerts stored"
    )
    if feeder.error is not None:
        print(f"the feeder stopped early: {feeder.error!r}")
    print("\n| measure | figure | target | |")
    print("|---|---|---|---|")
    rows = [
        (
            "consumer lag after warm-up, max",
            f"{lag_max:.1f} s ({records_max:,} records)",
            "<= 60 s",
            _met(lag_max <= 60),
        ),
        (
            "consumer lag after warm-up, p95",
            f"{lag_p95:.1f} s",
            "<= 60 s",
            _met(lag_p95 <= LAG_TARGET_SECONDS),
        ),
    ]
    flat = True
    for part in sorted(soak.pids):
        values = [s.rss.get(part, 0) for s in warm if s.rss.get(part)]
        if len(values) < 2:
            continue
        start, end = statistics.median(values[:3]), statistics.median(values[-3:])
        change = (end - start) / start
        flat &= abs(change) <= RSS_TOLERANCE
        rows.append(
            (
                f"RSS {part} (after warm-up -> end)",
                f"{start / mib:,.0f} -> {end / mib:,.0f} MiB ({change:+.0%})",
                "within 10 %",
                _met(abs(change) <= RSS_TOLERANCE),
            )
        )
    for name, values in (
        ("engine heap used", [s.engine_heap for s in soak.samples]),
        ("Kafka heap used", [s.kafka_heap for s in soak.samples]),
    ):
        known = [v for v in values if v]
        if known:
            rows.append(
                (
                    f"{name} (median / max)",
                    f"{statistics.median(known) / mib:,.0f} / {max(known) / mib:,.0f} MiB",
                    "",
                    "",
                )
            )
    searches = [s.search_ms for s in warm if s.search_ms is not None]
    if searches:
        rows.append(("web page search during the soak, p95", f"{_p95(searches):.0f} ms", "", ""))
    error_count = sum(errors.values()) + restarts + soak.failed_searches + ledger.dead + soak.kafka_timeouts
    rows += [
        ("ERROR lines (by part)", _by_part(errors), "0", _met(not errors)),
        ("parts restarted", str(restarts), "0", _met(not restarts)),
        ("lag samples Kafka did not answer", str(soak.kafka_timeouts), "0", _met(not soak.kafka_timeouts)),
        ("failed searches", str(soak.failed_searches), "0", _met(not soak.failed_searches)),
        ("dead letters", str(ledger.dead), "0", _met(not ledger.dead)),
    ]
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n| ledger | records |")
    print("|---|---|")
    print(f"| produced (distinct raw ids: {feeder.produced:,} fed, the rest crawled) | {ledger.raw:,} |")
    print(f"| indexed | {ledger.indexed:,} |")
    print(f"| dead-lettered | {ledger.dead:,} |")
    print(f"| lost | {ledger.lost:,} |")
    for line in first:
        print(f"  first errors: {line}")
    balanced = ledger.lost == 0
    print(f"\nledger balanced (produced = indexed + dead-lettered), none lost: {_met(balanced)}")
    print(f"lag <= {LAG_TARGET_SECONDS:.0f} s: {_met(lag_max <= LAG_TARGET_SECONDS)}")
    print(f"RSS flat within 10 %: {_met(flat)}")
    print(f"zero errors: {_met(error_count == 0)}")
    return 0 if balanced and feeder.error is None else 1


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _by_part(errors: dict[str, int]) -> str:
    return ", ".join(f"{part} {n}" for part, n in sorted(errors.items())) or "0"


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def clean_up(engine: Engine, settings: Settings, workdir: Path) -> None:
    """Delete the bench's indices, topics and groups, and its folder."""
    try:
        for index in engine.list_indices(f"{settings.index_alias}*"):
            engine.delete_index(index)
    finally:
        engine.close()
    topics = [settings.topic_raw, settings.topic_enriched, settings.topic_dlq]
    topics += [settings.topic_crawl_state, settings.topic_crawl_runs, settings.topic_source_health]
    try:
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="bench-soak-cleanup")
        try:
            admin.delete_topics([t for t in topics if t in set(admin.list_topics())])
            with contextlib.suppress(KafkaError):  # a group that never committed is not there to delete
                admin.delete_groups([settings.group_processor, settings.group_indexer])
        finally:
            admin.close()
    except KafkaError as exc:
        print(f"could not delete the topics {', '.join(topics)}: Kafka did not answer ({exc})")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
