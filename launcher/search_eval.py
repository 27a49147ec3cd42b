"""``policyradar eval-search``: nDCG@10 of the text search on judged queries, before and after folding
and the glossary (``indexer.search_eval``).

The corpus is the extraction dev set (``processors/eval/devset/*.txt``, id = file stem) and the demo
site's article pages (``deploy/demo_site/``, id = ``demo/`` + path without ``.html``), enriched by
the processors and indexed into a throwaway index on the running engine, deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from parsel import Selector

from crawlers.extract import extract_page
from crawlers.sources import Selectors
from indexer.engine import Engine, make_engine
from indexer.index_versions import ensure_index
from indexer.mapping import document_from_record
from indexer.search_eval import JUDGMENTS_PATH, evaluate, judged_documents, load_judgments, report
from indexer.writer import BulkDoc, BulkWriter, version_of
from launcher.demo_site import DEMO_SITE_DIR
from policyradar.errors import PolicyRadarError
from policyradar.ids import content_hash
from policyradar.schemas import RawRecord
from policyradar.settings import get_settings
from processors.enrich import enrich_many
from processors.evaluate import DEVSET_DIR
from processors.options import ExtractionOptions

# The demo site's article pages, read with the demo sources' selectors (sources/demo/).
DEMO_SELECTORS = Selectors(title="h1.article-title", date=".article-meta .pub-date", body=".article-body")
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _record(doc_id: str, title: str, text: str, published_at: datetime | None = None) -> RawRecord:
    return RawRecord(
        id=doc_id,
        url=f"http://127.0.0.1/eval/{doc_id}",
        source_id="search-eval",
        source_kind="government",
        jurisdiction="CN",
        language="mixed",  # detected per document
        title=title,
        published_at=published_at,
        fetched_at=FETCHED_AT,
        text=text,
        content_hash=content_hash(title, text),
    )


def devset_records(folder: Path = DEVSET_DIR) -> list[RawRecord]:
    """One record per dev-set text file: the first line is the title, the rest the body."""
    records = []
    for path in sorted(folder.glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        records.append(_record(path.stem, title.strip(), body.strip()))
    return records


def demo_records(root: Path = DEMO_SITE_DIR) -> list[RawRecord]:
    """One record per article page of the demo site (listing pages are left out)."""
    records = []
    for path in sorted(root.glob("*/*/**/*.html")):
        page = extract_page(Selector(text=path.read_text(encoding="utf-8")), DEMO_SELECTORS)
        doc_id = "demo/" + path.relative_to(root).with_suffix("").as_posix()
        records.append(_record(doc_id, page.title, page.text, page.published_at))
    return records


def index_corpus(engine: Engine, alias: str, records: list[RawRecord], options: ExtractionOptions) -> None:
    ensure_index(engine, alias)
    docs = [
        BulkDoc(r.id, version_of(r.fetched_at), document_from_record(r))
        for r in enrich_many(records, options=options)
    ]
    rejected = BulkWriter(engine, alias, refresh="wait_for").write(docs)
    if rejected:
        raise PolicyRadarError(f"search eval: the engine refused {len(rejected)} corpus documents")


def search_eval_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    queries = load_judgments(Path(args.judgments) if args.judgments else JUDGMENTS_PATH)
    records = devset_records() + demo_records()
    unknown = sorted(judged_documents(queries) - {r.id for r in records})
    if unknown:
        raise PolicyRadarError(f"judged documents not in the corpus: {', '.join(unknown[:5])}")
    engine = make_engine(settings)
    alias = f"{settings.index_alias}-search-eval-{os.getpid()}"
    try:
        index_corpus(engine, alias, records, ExtractionOptions.from_settings(settings))
        scores = evaluate(engine, alias, queries)
    finally:
        for index in engine.list_indices(f"{alias}-*"):
            engine.delete_index(index)
        engine.close()
    print(f"search: {len(queries)} judged queries over {len(records)} documents (dev set and demo pages)")
    print(report(scores, per_query=args.verbose_queries))
    return 0
