"""The web page's sources desk (``indexer.sources_desk.SourcesDesk``), built from the functions the
``policyradar sources`` commands use: the health records (``sources health``), ``discover_site`` and
``build_spec`` (``sources add``), ``crawl_records`` and ``enrich_records`` (``sources preview``).

It lives in the launcher because it needs the crawlers and (through child processes) the
processors, which the indexer's API may not import; ``policyradar serve`` hands it to the app.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers.discover import (
    build_spec,
    default_source_id,
    discover_site,
    found_anything,
    review_folder,
    write_review_spec,
)
from crawlers.health import FOLD_CHUNK, HealthBook, SourceHealth
from crawlers.health_checkpoint import PositionedBook, load_checkpoint
from crawlers.run_feed import RunFeed
from crawlers.sources import SourceSpec, load_sources
from indexer.sources_desk import NothingToPreview, SourceIdTaken
from launcher.preview import crawl_records, enrich_records
from policyradar.settings import Settings, child_environment
from policyradar.urlsafety import check_url

CRAWL_SECONDS = 120.0
EXTRACT_SECONDS = 300.0  # the first extraction loads the language models
REVIEW_NOTE = "submitted from the web page by {user}; review the selectors, then set enabled: true"
KEPT_WINDOWS = 4  # health records kept for this many window lengths (the page offers 7, 14, 30, 90 days)


class LauncherSourcesDesk:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # The children check URLs with the same exceptions as this process.
        self.env = child_environment(
            POLICYRADAR_ALLOW_PRIVATE_HOSTS=json.dumps(list(settings.allow_private_hosts)),
            POLICYRADAR_SOURCES_DIR=str(settings.sources_dir),
        )
        # Per window length asked for: every source's health record and how far the crawl-run
        # topic has been read into it (from the freshest checkpoint of that window, or its start),
        # so each call reads only the summaries written since.
        self.books: OrderedDict[int, tuple[PositionedBook, RunFeed]] = OrderedDict()
        self.books_lock = threading.Lock()

    def health(self, days: int) -> list[dict[str, Any]]:
        specs = load_sources(self.settings.sources_dir)
        report = self._assess([spec.id for spec in specs], days)
        folder = review_folder(self.settings.sources_dir)
        in_review = {spec.id for spec in load_sources(folder)} if folder.is_dir() else set()
        return [
            {
                "id": spec.id,
                "name": spec.name,
                "enabled": spec.enabled,
                "in_review": spec.id in in_review,
                "jurisdiction": spec.jurisdiction,
                "language": spec.language,
                "publisher_kind": spec.publisher_kind,
                "entry_kinds": spec.entry_kinds,
                "hosts": spec.hosts,
                **asdict(health),
            }
            for spec, health in zip(specs, report, strict=True)
        ]

    def _assess(self, source_ids: list[str], days: int) -> list[SourceHealth]:
        """Fold the summaries written since the last call into the ``days`` book (those since the
        checkpoint, or the whole topic, the first time) and assess each source; raises when Kafka
        cannot be read."""
        with self.books_lock:
            positioned, feed = self._book(days)
            try:
                for chunk in feed.chunks(FOLD_CHUNK):
                    positioned.fold(chunk)
            finally:
                feed.close()  # the position is kept; no connection stays open between calls
            now = datetime.now(UTC)
            return [positioned.book.assess(source_id, now, days) for source_id in source_ids]

    def _book(self, days: int) -> tuple[PositionedBook, RunFeed]:
        if days not in self.books:
            checkpoint = load_checkpoint(self.settings, days)
            positioned = checkpoint.positioned if checkpoint else PositionedBook(HealthBook(days))
            self.books[days] = (positioned, RunFeed(self.settings, positioned.positions))
            while len(self.books) > KEPT_WINDOWS:
                self.books.popitem(last=False)
        self.books.move_to_end(days)
        return self.books[days]

    def discover(self, url: str, source_id: str | None) -> dict[str, Any]:
        found = discover_site(url, self.settings.allow_private_hosts)
        spec = build_spec(found, source_id or default_source_id(found.url)) if found_anything(found) else None
        return {**asdict(found), "spec": spec}

    def preview(self, spec: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        checked = self._checked(spec)
        with tempfile.TemporaryDirectory(prefix="policyradar-web-preview-") as folder:
            sources = Path(folder) / "sources"
            write_review_spec(spec, sources)
            dry_run = crawl_records(
                checked.id, limit, Path(folder), sources_dir=sources, capture=True, env=self.env,
                timeout=CRAWL_SECONDS,
            )  # fmt: skip
            if dry_run.records is None:
                raise NothingToPreview(
                    f"source {checked.id!r} yielded no records: {_why(dry_run.crawl.stderr)}"
                )
            extract, enriched = enrich_records(
                dry_run.records, pretty=False, capture=True, env=self.env, timeout=EXTRACT_SECONDS
            )
            if extract.returncode != 0:
                raise NothingToPreview(
                    f"the records of {checked.id!r} could not be read: {_why(extract.stderr)}"
                )
            return _quarantined(dry_run.records) + _json_lines(enriched)

    def save(self, spec: dict[str, Any], submitted_by: str) -> str:
        checked = self._checked({**spec, "enabled": False})
        taken = {s.id for s in load_sources(self.settings.sources_dir)}
        if checked.id in taken:
            raise SourceIdTaken(
                f"source id {checked.id!r} is already used by a file under the sources folder"
            )
        data = {**spec, "enabled": False, "notes": REVIEW_NOTE.format(user=submitted_by)}
        return str(write_review_spec(data, review_folder(self.settings.sources_dir)))

    def _checked(self, spec: dict[str, Any]) -> SourceSpec:
        """The spec as the loader reads it, its entry URLs passed through URL safety (raises
        pydantic's ValidationError naming the field, or UnsafeUrlError)."""
        checked = SourceSpec.model_validate(spec)
        for entry in checked.entry_points:
            check_url(entry.url, self.settings.allow_private_hosts)
        return checked


def _why(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line or "refused" in line]
    return ((errors or lines or ["the crawl found nothing"])[-1])[-300:]


def _quarantined(records: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["quarantined"] for row in rows if "quarantined" in row]


def _json_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
