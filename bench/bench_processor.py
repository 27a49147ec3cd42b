"""Throughput of the process stage against bare ``nlp.pipe`` over the same components and texts.

    .venv/bin/python bench/bench_processor.py [--docs 400] [--repeat 3]

For each pipeline profile it times, on the same texts:
  baseline  bare ``nlp.pipe`` with the same pipeline (English and Chinese texts each through their own);
  enrich    the processor's transform (language choice, ``nlp.pipe``, entity collection, record building);
  stage     enrich plus decoding raw records from JSON bytes and encoding enriched ones, as on Kafka.
It prints the best of ``--repeat`` runs, the ratios baseline/enrich and baseline/stage (1.0 = no
overhead over spaCy), and tokens per second. Texts are the demo site pages and the dev set.
It then prints the cost of the Chinese NER (LAC, ``policyradar_zh_ner``) alone on the Chinese texts:
tokens (characters, as the zh pipeline segments) per second, and its share of the zh pipeline's time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsel import Selector  # noqa: E402

from crawlers.extract import extract_page  # noqa: E402
from crawlers.sources import Selectors  # noqa: E402
from policyradar.ids import content_hash, document_id  # noqa: E402
from policyradar.schemas import RawRecord, dump_record, parse_record  # noqa: E402
from processors.enrich import analysis_text, enrich_many, pick_language  # noqa: E402
from processors.extractors.zh_ner import lac_words  # noqa: E402
from processors.options import ExtractionOptions  # noqa: E402
from processors.pipeline import PROFILES, build_nlp  # noqa: E402

SELECTORS = Selectors(title="h1.article-title", date=".article-meta .pub-date", body=".article-body")


def corpus() -> list[RawRecord]:
    """Raw records built from the demo pages and the dev-set documents."""
    texts: list[tuple[str, str, str]] = []
    for page in sorted((ROOT / "deploy" / "demo_site").rglob("*.html")):
        if "index" not in page.name:
            fields = extract_page(Selector(text=page.read_text(encoding="utf-8")), SELECTORS)
            texts.append((str(page), fields.title, fields.text))
    for doc in sorted((ROOT / "processors" / "eval" / "devset").glob("*.txt")):
        title, _, body = doc.read_text(encoding="utf-8").partition("\n")
        texts.append((str(doc), title, body.strip()))
    now = datetime.now(UTC)
    return [
        RawRecord(
            id=document_id(f"file://{name}"),
            url=f"file://{name}",
            source_id="bench",
            source_kind="government",
            jurisdiction="CN",
            language="mixed",
            title=title,
            fetched_at=now,
            text=text,
            content_hash=content_hash(title, text),
        )
        for name, title, text in texts
    ]


def best_of(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_profile(profile: str, records: list[RawRecord], repeat: int) -> dict[str, float]:
    texts = [analysis_text(r.title, r.text) for r in records]
    by_lang = {lang: [t for t in texts if pick_language("mixed", t) == lang] for lang in ("en", "zh")}
    pipelines = {lang: build_nlp(lang, profile) for lang in by_lang}
    tokens = sum(len(doc) for lang, group in by_lang.items() for doc in pipelines[lang].pipe(group))
    payloads = [dump_record(r) for r in records]

    def baseline() -> None:
        for lang, group in by_lang.items():
            for _ in pipelines[lang].pipe(group, batch_size=32):
                pass

    def enrich() -> None:
        for _ in enrich_many(records, options=ExtractionOptions(profile=profile)):
            pass

    def stage() -> None:
        raw = [parse_record(RawRecord, payload) for payload in payloads]
        for record in enrich_many(raw, options=ExtractionOptions(profile=profile)):
            dump_record(record)

    baseline()  # warm caches before timing
    timings = {
        name: best_of(repeat, fn)
        for name, fn in (("baseline", baseline), ("enrich", enrich), ("stage", stage))
    }
    return {**timings, "tokens": tokens}


def bench_zh_ner(records: list[RawRecord], repeat: int) -> dict[str, float]:
    """Time LAC alone and the whole default zh pipeline on the Chinese texts."""
    texts = [analysis_text(r.title, r.text) for r in records]
    chinese = [t for t in texts if pick_language("mixed", t) == "zh"]
    nlp = build_nlp("zh", "default")
    tokens = sum(len(doc) for doc in nlp.pipe(chinese))
    ner = best_of(repeat, lambda: [lac_words(t) for t in chinese])
    pipeline = best_of(repeat, lambda: list(nlp.pipe(chinese, batch_size=32)))
    return {"tokens": tokens, "ner": ner, "zh_pipeline": pipeline}


def print_zh_ner(r: dict[str, float]) -> None:
    print(
        f"\nChinese NER (LAC): {r['tokens']:,.0f} tokens in {r['ner']:.2f} s = "
        f"{r['tokens'] / r['ner']:,.0f} tokens/s alone; the zh pipeline runs "
        f"{r['tokens'] / r['zh_pipeline']:,.0f} tokens/s, LAC being "
        f"{r['ner'] / r['zh_pipeline']:.0%} of its time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=400, help="documents per run (the corpus is repeated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--profiles", nargs="+", default=["default", "rules"], choices=sorted(PROFILES))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    base = corpus()
    records = [base[i % len(base)] for i in range(args.docs)]
    print(f"{len(records)} documents ({len(base)} distinct), best of {args.repeat} runs\n")
    print(
        f"{'profile':<9}{'baseline s':>11}{'enrich s':>10}{'stage s':>9}{'enrich ratio':>14}"
        f"{'stage ratio':>13}{'tokens/s (stage)':>18}"
    )
    results = {}
    for profile in args.profiles:
        r = bench_profile(profile, records, args.repeat)
        results[profile] = r
        print(
            f"{profile:<9}{r['baseline']:>11.2f}{r['enrich']:>10.2f}{r['stage']:>9.2f}"
            f"{r['baseline'] / r['enrich']:>14.2f}{r['baseline'] / r['stage']:>13.2f}"
            f"{r['tokens'] / r['stage']:>18,.0f}"
        )
    print("\nratio = baseline time / our time (1.00 = no overhead over bare nlp.pipe; target >= 0.90)")
    results["zh_ner"] = bench_zh_ner(records, args.repeat)
    print_zh_ner(results["zh_ner"])
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
