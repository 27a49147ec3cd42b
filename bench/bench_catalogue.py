"""Can one crawler process keep up with a catalogue of 10,000 sources? (issue 12)

    .venv/bin/python bench/bench_catalogue.py [--sources 10000] [--minutes 10] [--interval-minutes 30]
    .venv/bin/python bench/bench_catalogue.py --small     # 200 sources, 1.5 minutes, polled every 40 s

Generates ``--sources`` source files on simulated sites (``tests/fixtures/catalogue_site.py``: one
asyncio server listening on ``sources / 20`` addresses 127.1.x.y, 20 sources per host, five notices
per listing, new notices and edits at a realistic rate, 1 % slow and 0.4 % hanging hosts, 1 % of
sources answering 500 and 1 % redesigned). The crawl state a previous run would have left (the ETag
of every listed notice) is produced to an isolated state topic first, so checks are those of a
crawler that has been running for a while. Then it runs ``policyradar crawl --schedule`` for
``--minutes`` (every source ``every: --interval-minutes``, ``--host-delay`` 1 s per host) and prints:

- source checks per second, sustained over the measured window;
- the crawler's CPU per check (every check counted; most are of unchanged sources);
- scheduler lag p95 (how late checks started after their slot, from the crawler's log);
- the crawler's peak RSS;
- politeness violations (the fixture server logs arrivals per host: a request less than 0.8 x the
  host's delay after the previous one to that host is a violation; gaps under the delay itself,
  from network and server jitter, are counted and printed too);
- changed pages emitted against expected: every notice version served in full that the seeded state
  did not know must be in the raw topic exactly once, and nothing else.

Topics are isolated per run and deleted at the end. Needs Kafka. BENCH_DEBUG=1 lists every gap under
the delay with the two paths.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawlers.state import PageState  # noqa: E402
from policyradar.ids import document_id  # noqa: E402
from policyradar.kafka_io import ensure_topics, make_producer, read_topic, send_all  # noqa: E402
from policyradar.settings import Settings, get_settings  # noqa: E402
from tests.fixtures.catalogue_site import Log, Model, etag, serve  # noqa: E402

EARLY = 0.8  # a request sooner than this share of the host's delay after the previous one is a violation
TARGETS = {"checks": 5.5, "cpu_ms": 50.0, "lag_p95": 60.0, "rss_mb": 1024.0}
SPEC = """\
id: {id}
name: simulated bureau {n}
publisher_kind: government
jurisdiction: CN
language: en
entry_points:
  - kind: listing
    url: {url}
    link_selector: "ul.news li a::attr(href)"
selectors:
  title: "h1::text"
  date: "span.date::text"
  body: "div.content"
schedule:
  every: {every}s
politeness:
  download_delay: {delay}
  concurrency: 1
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run = uuid.uuid4().hex[:8]
    overrides = topic_overrides(run)
    model = Model(sources=args.sources, port=free_port(), interval=args.interval_minutes * 60)
    print(
        f"catalogue bench {run}: {model.sources:,} sources on {model.hosts:,} hosts, each checked every "
        f"{model.interval:.0f} s, measured for {args.minutes:g} min",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as folder:
        write_specs(Path(folder), model, args.host_delay)
        server, connection = start_server(model)
        try:
            seeded = seed_state(overrides, model)
            outcome = crawl(overrides, model, Path(folder), args.minutes)
            connection.send("stop")
            site = connection.recv()
            emitted = read_emitted(overrides)
        finally:
            if server.is_alive():
                server.terminate()
            server.join(timeout=10)
            delete_topics(overrides)
    return report(outcome, site, seeded, emitted, args.host_delay)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=10.0, help="measured run (default 10)")
    parser.add_argument("--interval-minutes", type=float, default=30.0, help="each source's polling interval")
    parser.add_argument("--host-delay", type=float, default=1.0, help="seconds between requests to a host")
    parser.add_argument(
        "--small",
        action="store_true",
        help="smoke size: 200 sources, 1.5 minutes, every 40 s, 0.2 s per host",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.sources, args.minutes, args.interval_minutes, args.host_delay = 200, 1.5, 40 / 60, 0.2
    return args


def topic_overrides(run: str) -> dict[str, str]:
    return {
        f"POLICYRADAR_TOPIC_{name}": f"bench.catalogue.{name.lower()}.{run}"
        for name in ("RAW", "DLQ", "CRAWL_STATE", "ENRICHED", "CRAWL_RUNS", "SOURCE_HEALTH")
    }


def as_settings(overrides: dict[str, str]) -> Settings:
    base = get_settings()
    names = {key.removeprefix("POLICYRADAR_").lower(): value for key, value in overrides.items()}
    return base.model_copy(update=names)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_specs(folder: Path, model: Model, delay: float) -> None:
    for n in range(model.sources):
        text = SPEC.format(
            id=f"bench-{n:05d}", n=n, url=model.listing_url(n), every=round(model.interval), delay=delay
        )
        (folder / f"bench-{n:05d}.yaml").write_text(text, encoding="utf-8")


def start_server(model: Model) -> tuple[multiprocessing.Process, object]:
    here, there = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(model, time.time(), there), daemon=True)
    server.start()
    if not here.poll(60) or here.recv() != "ready":
        raise SystemExit("the fixture server did not start")
    return server, here


def seed_state(overrides: dict[str, str], model: Model) -> set[tuple[str, int]]:
    """The state a previous run left: every notice listed now, with its ETag (no content hash)."""
    settings = as_settings(overrides)
    ensure_topics(settings)
    producer = make_producer(settings, client_id="bench-catalogue-seed")
    known: set[tuple[str, int]] = set()
    messages = []
    for source in range(model.sources):
        for notice in model.listed(source, 0.0):
            version = model.version(source, notice, 0.0)
            url = model.article_url(source, notice)
            state = PageState(url, f"bench-{source:05d}", "seeded", etag(source, notice, version))
            messages.append(state.to_message(settings.topic_crawl_state, document_id(url)))
            known.add((url, version))
    try:
        send_all(producer, messages)
    finally:
        producer.close(timeout=10)
    print(f"seeded the crawl state of {len(known):,} pages", flush=True)
    return known


def crawl(overrides: dict[str, str], model: Model, folder: Path, minutes: float) -> dict:
    allowed = [f"{model.address(h)}:{model.port}" for h in range(model.hosts)]
    env = {
        **os.environ,
        **overrides,
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": json.dumps(allowed),
        "POLICYRADAR_METRICS_PORT": "-1",
    }
    log_path = folder.parent / f"{folder.name}.log"
    command = [sys.executable, "-m", "launcher", "crawl", "--schedule", "--sources-dir", str(folder)]
    with log_path.open("w") as sink:
        proc = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        began = wait_for_start(proc, log_path)
        cpu_before, peak = cpu_seconds(proc.pid), 0.0
        while time.monotonic() - began < minutes * 60 and proc.poll() is None:
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(2)
        cpu = cpu_seconds(proc.pid) - cpu_before
        window = time.monotonic() - began
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=120)
    text = log_path.read_text(errors="replace")
    log_path.unlink()
    return {"cpu": cpu, "window": window, "rss": peak, "exit": code, "log": text}


def wait_for_start(proc: subprocess.Popen, log_path: Path, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "scheduling " in log_path.read_text(errors="replace"):
            return time.monotonic()
        if proc.poll() is not None:
            raise SystemExit(f"the crawler exited:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)
    raise SystemExit("the crawler did not start scheduling in time")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def read_emitted(overrides: dict[str, str]) -> list[tuple[str, int]]:
    settings = as_settings(overrides)
    emitted = []
    for record in read_topic(settings, settings.topic_raw):
        raw = json.loads(record.value)
        match = re.search(r"\(revision (\d+)\)", raw["title"])
        emitted.append((raw["url"], int(match[1]) if match else -1))
    return emitted


def delete_topics(overrides: dict[str, str]) -> None:
    from kafka import KafkaAdminClient

    settings = as_settings(overrides)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="bench-catalogue")
    try:
        existing = set(admin.list_topics())
        admin.delete_topics([topic for topic in overrides.values() if topic in existing])
    finally:
        admin.close()


def report(outcome: dict, site: dict, seeded: set, emitted: list, delay: float) -> int:
    text = outcome["log"]
    finished = re.findall(
        r"crawl of \S+ finished \(exit (\d)\) \S+: (\d+) records produced, (\d+) unchanged", text
    )
    lags = sorted(float(x) for x in re.findall(r"started \(([\d.]+) s after its slot\)", text))
    checks = len(finished)
    quiet = sum(1 for _, records, _ in finished if records == "0")
    rate = checks / outcome["window"]
    cpu_ms = 1000 * outcome["cpu"] / max(checks, 1)
    p95 = lags[int(0.95 * (len(lags) - 1))] if lags else float("nan")
    log = Log(arrivals=site["arrivals"])
    violations, smallest = log.politeness(delay, (1 - EARLY) * delay)
    under_delay, _ = log.politeness(delay, 0.0)
    expected = {pair for pair in set(site["served"]) if pair not in seeded}
    counts = Counter(emitted)
    # A check still running when the crawler stops commits nothing: its pages come again after a restart.
    cut = set(re.findall(r"crawl of bench-0*(\d+) stopped unfinished", text))
    missing = {(url, v) for url, v in expected - set(counts) if _source_of(url) not in cut}
    twice = sum(1 for pair, n in counts.items() if n > 1)
    unexpected = set(counts) - expected
    print(f"checks: {checks:,} finished ({quiet:,} without a new page), {site['requests']:,} requests served")
    print("| measure | value | target | met |")
    print("|---|---|---|---|")
    rows = [
        ("source checks per second", f"{rate:.2f}", f">= {TARGETS['checks']}", rate >= TARGETS["checks"]),
        ("CPU ms per check", f"{cpu_ms:.1f}", f"<= {TARGETS['cpu_ms']:.0f}", cpu_ms <= TARGETS["cpu_ms"]),
        ("scheduler lag p95 (s)", f"{p95:.1f}", f"<= {TARGETS['lag_p95']:.0f}", p95 <= TARGETS["lag_p95"]),
        (
            "crawler peak RSS (MB)",
            f"{outcome['rss']:.0f}",
            f"<= {TARGETS['rss_mb']:.0f}",
            outcome["rss"] <= 1024,
        ),
        ("politeness violations", f"{violations}", "0", violations == 0),
        ("changed pages emitted / expected", f"{len(counts)} / {len(expected)}", "all, once", not missing),
        (
            "of them cut by the stop (sent after a restart)",
            f"{len(expected - set(counts)) - len(missing)}",
            "-",
            True,
        ),
        (
            "emitted twice / not expected",
            f"{twice} / {len(unexpected)}",
            "0 / 0",
            not twice and not unexpected,
        ),
    ]
    for name, value, target, met in rows:
        print(f"| {name} | {value} | {target} | {'yes' if met else 'NO'} |")
    print(
        f"smallest gap between two requests to one host: {smallest:.3f} s (delay {delay:g} s; "
        f"{under_delay} gaps under the delay, a violation is under {EARLY:g} x the delay)"
    )
    print(f"crawler exit code after SIGTERM: {outcome['exit']}")
    if os.environ.get("BENCH_DEBUG"):
        for host, times in site["arrivals"].items():
            paths = site["paths"][host]
            for i in range(1, len(times)):
                if times[i] - times[i - 1] < delay:
                    print("gap", host, round(times[i] - times[i - 1], 3), paths[i - 1], paths[i])
    correct = outcome["exit"] == 0 and violations == 0 and not missing and not twice and not unexpected
    print(f"correctness (clean stop, politeness, each changed page once): {'met' if correct else 'NOT met'}")
    return 0 if correct else 1


def _source_of(url: str) -> str:
    return str(int(re.search(r"/s(\d+)/", url)[1]))


if __name__ == "__main__":
    raise SystemExit(main())
