"""What the API's sources routes need from the crawler side, as a seam.

The indexer may not import the crawlers or the processors (docs/architecture.md), so the routes in
``indexer.routes.sources`` type against ``SourcesDesk`` and the launcher hands them its
implementation (``launcher.sources_desk``), which calls the same functions as ``policyradar
sources health``, ``sources add`` and ``sources preview``. An app built without one has no
``/api/sources`` routes.

Errors: ``policyradar.urlsafety.UnsafeUrlError`` (a refused URL), ``FetchError`` (the site failed,
or its page is too large), ``pydantic.ValidationError`` (a spec the loader would refuse), and the
two below.
"""

from __future__ import annotations

from typing import Any, Protocol

from policyradar.errors import PolicyRadarError


class SourceIdTaken(PolicyRadarError):
    """A spec was saved under an id another source file already uses."""


class NothingToPreview(PolicyRadarError):
    """The dry-run crawl of a spec yielded no records (the message says what the crawl reported)."""


class SourcesDesk(Protocol):
    def health(self, days: int) -> list[dict[str, Any]]:
        """Each source file with its health over the last ``days`` days (``sources health``)."""
        ...

    def discover(self, url: str, source_id: str | None) -> dict[str, Any]:
        """Fetch ``url`` once and say what it offers: feeds, sitemaps, a listing selector, sample
        links and the spec ``sources add`` would write (``spec`` is None when nothing was found)."""
        ...

    def preview(self, spec: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        """Dry-run crawl of ``spec`` (nothing reaches Kafka): enriched records (``EnrichedRecord``
        fields) and, for pages that could not be read, ``{"url", "quarantined"}``."""
        ...

    def save(self, spec: dict[str, Any], submitted_by: str) -> str:
        """Write ``spec``, disabled, where ``sources add`` writes specs for review; the path."""
        ...
