"""Latency from a record entering the enriched topic to (a) being searchable and (b) its instant
webhook delivery, with every service running on this machine.

    .venv/bin/python bench/bench_latency.py [--records 30] [--interval 0.5]

Starts its own ``policyradar index`` and ``policyradar scheduler`` processes on fresh topics and a
fresh index alias, creates an instant alert whose webhook is a local receiver, then produces enriched
records one by one and times each. Prints p50/p95/max next to the configured refresh policy and
digest tick. Needs the local stack (``policyradar stack up``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.alerts.model import Alert  # noqa: E402
from indexer.alerts.store import AlertStore, new_webhook_secret  # noqa: E402
from indexer.engine import make_engine  # noqa: E402
from indexer.index_versions import ensure_index  # noqa: E402
from policyradar.ids import content_hash, document_id  # noqa: E402
from policyradar.kafka_io import ensure_topics, make_producer, send_all  # noqa: E402
from policyradar.schemas import EnrichedRecord, Entities, dump_record  # noqa: E402
from policyradar.settings import Settings  # noqa: E402
from tests.fixtures.isolation import isolated_overrides  # noqa: E402
from tests.fixtures.receivers import webhook_receiver  # noqa: E402


def record(n: int, tag: str) -> EnrichedRecord:
    url = f"http://127.0.0.1:8765/bench/{tag}/{n}.html"
    title, text = f"Latency probe {n} on subsidies", f"Probe {n}: Beijing offers subsidies."
    return EnrichedRecord(
        id=document_id(url),
        url=url,
        source_id="bench",
        source_kind="government",
        jurisdiction="CN",
        language="en",
        title=title,
        fetched_at=datetime.now(UTC),
        text=text,
        content_hash=content_hash(title, text),
        detected_language="en",
        entities=Entities(),
        topics=["subsidy"],
        extractor_version="bench",
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between records")
    parser.add_argument("--tick", type=float, default=1.0, help="digest scheduler tick (seconds)")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]  # keeps the probes' URLs, hence document ids, unique to this run
    overrides = {
        **isolated_overrides("bench"),
        "POLICYRADAR_DIGEST_TICK_SECONDS": str(args.tick),
        "POLICYRADAR_ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]',
    }
    os.environ.update(overrides)
    settings = Settings()
    ensure_topics(settings)
    engine = make_engine(settings)
    ensure_index(engine, settings.index_alias)
    env = {**os.environ, **overrides}
    delivered: dict[str, float] = {}
    with webhook_receiver() as (url, hook):
        AlertStore(engine, settings.index_alias).save(
            Alert(
                name="latency",
                owner="bench",
                q="subsidies",
                every="instant",
                webhook_url=url,
                webhook_secret=new_webhook_secret(),
            )
        )
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "launcher", command],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for command in ("index", "scheduler")
        ]

        def watch_hook() -> None:
            seen = 0
            while not stop.is_set():
                with hook.lock:
                    fresh = hook.deliveries[seen:]
                    seen = len(hook.deliveries)
                for _, body in fresh:
                    for item in json.loads(body)["items"]:
                        delivered.setdefault(item["id"], time.monotonic())
                time.sleep(0.02)

        stop = threading.Event()
        threading.Thread(target=watch_hook, daemon=True).start()
        time.sleep(8)  # let both processes join their group / take the lease
        producer = make_producer(settings, client_id="bench")
        searchable, webhook = [], []
        try:
            for n in range(args.records):
                probe = record(n, tag)
                sent = time.monotonic()
                send_all(producer, [(settings.topic_enriched, probe.id, dump_record(probe))])
                found_at = wait(
                    lambda probe=probe: (
                        engine.count(settings.index_alias, {"ids": {"values": [probe.id]}}) == 1
                    )
                )
                hook_at = wait(lambda probe=probe: probe.id in delivered)
                searchable.append(found_at - sent)
                webhook.append(hook_at - sent)
                time.sleep(args.interval)
        finally:
            stop.set()
            producer.close()
            for child in children:
                child.terminate()
                child.wait(timeout=60)
            for index in engine.list_indices(f"{settings.index_alias}*"):
                engine.delete_index(index)
            engine.close()
    print(
        f"{args.records} records, one every {args.interval}s; refresh policy of bulk writes: "
        f"{settings.index_refresh} (engine refresh interval 1s); digest tick {args.tick}s; "
        f"poll timeout {settings.poll_timeout_ms} ms\n"
    )
    print(f"{'':<28}{'p50':>8}{'p95':>8}{'max':>8}   target p95")
    for label, values, target in (
        ("enriched -> searchable", searchable, 5),
        ("enriched -> instant webhook", webhook, 10),
    ):
        print(
            f"{label:<28}{statistics.median(values):>7.2f}s{percentile(values, 0.95):>7.2f}s"
            f"{max(values):>7.2f}s   <= {target}s"
        )


def wait(condition, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.02)
    raise TimeoutError("a probe did not arrive within a minute")


if __name__ == "__main__":
    main()
