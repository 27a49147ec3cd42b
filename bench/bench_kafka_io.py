"""Kafka produce and read cost per record with kafka-python's pure-Python CRC-32C and with ``crc32c``.

kafka-python checks the CRC-32C of every record batch it reads and computes it for every batch it
writes. Without the ``crc32c`` package it does so in pure Python; the bench produces the same
enriched records (dev-set notices, as the processor writes them) into a fresh topic and reads the
topic back whole (as ``read_topic`` does) with each implementation in turn, alternating, and prints
the milliseconds a record and the ratio. The topic is deleted at the end.

    .venv/bin/python bench/bench_kafka_io.py [--records 2000] [--rounds 2] [--small]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kafka.record import util
from kafka.record._crc32c import crc as pure_python_crc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_clusters import Corpus, base_documents, load_seeds
from policyradar.kafka_io import ensure_topics, make_producer, read_topic
from policyradar.schemas import dump_record
from policyradar.settings import Settings
from tests.fixtures.isolation import delete_isolated_topics, isolated_overrides, settings_with

Crc = Callable[[memoryview], int]
C_CRC: Crc = util._crc32c


def use_crc(implementation: Crc) -> None:
    """Make kafka-python compute CRC-32C with ``implementation`` (it binds the function as a default
    argument of ``calc_crc32c`` when it is imported)."""
    util._crc32c = implementation
    util.calc_crc32c.__defaults__ = (implementation,)


def produce(settings: Settings, keyed: list[tuple[bytes, bytes]]) -> float:
    """Seconds to send every record and have it acknowledged."""
    producer = make_producer(settings, client_id="bench-kafka-io")
    try:
        started = time.perf_counter()
        for key, value in keyed:
            producer.send(settings.topic_enriched, key=key, value=value)
        producer.flush()
        return time.perf_counter() - started
    finally:
        producer.close()


def read_all(settings: Settings) -> tuple[float, int]:
    """Seconds to read the whole topic, and how many records it held."""
    started = time.perf_counter()
    count = sum(1 for _ in read_topic(settings, settings.topic_enriched))
    return time.perf_counter() - started, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000, help="records produced per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each implementation")
    parser.add_argument("--small", action="store_true", help="tiny numbers (a smoke run of seconds)")
    args = parser.parse_args(argv)
    if args.small:
        args.records, args.rounds = 50, 1
    if C_CRC is pure_python_crc:
        raise SystemExit("the crc32c package is not installed: `make install` installs it")
    settings = settings_with(isolated_overrides("bench-kafka-io"))
    print(f"topic {settings.topic_enriched} (deleted at the end)")
    ensure_topics(settings)
    try:
        return run(settings, args.records, args.rounds)
    finally:
        use_crc(C_CRC)
        delete_isolated_topics(settings)


def run(settings: Settings, count: int, rounds: int) -> int:
    corpus = Corpus(load_seeds(12 if count < 200 else None))
    keyed = [(r.id.encode(), dump_record(r)) for r in base_documents(corpus, count, "kafka-io")]
    size = sum(len(value) for _, value in keyed) / len(keyed) / 1024
    print(f"{len(keyed)} enriched records, {size:.1f} KB on average, {rounds} round(s) of each")
    spent = {name: [0.0, 0.0] for name in ("pure Python", "crc32c")}
    read_records = {name: 0 for name in spent}
    for _ in range(rounds):
        for name, implementation in (("pure Python", pure_python_crc), ("crc32c", C_CRC)):
            use_crc(implementation)
            spent[name][0] += produce(settings, keyed)
            seconds, held = read_all(settings)
            spent[name][1] += seconds
            read_records[name] += held
    print("\n| CRC-32C | produce (ms/record) | read whole topic (ms/record) |")
    print("|---|---|---|")
    for name, (produced, read) in spent.items():
        per_read = read / read_records[name] * 1000
        print(f"| {name} | {produced / (count * rounds) * 1000:.3f} | {per_read:.3f} |")
    pure, fast = spent["pure Python"], spent["crc32c"]
    print(
        f"\npure Python / crc32c: produce {pure[0] / fast[0]:.1f}x, "
        f"read {pure[1] / read_records['pure Python'] / (fast[1] / read_records['crc32c']):.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
