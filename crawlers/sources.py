"""Source specs: one YAML file per source under ``sources/``, validated when loaded."""

from __future__ import annotations

import logging
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from cssselect import SelectorError
from parsel import Selector
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from policyradar.crontab import crontab_trigger
from policyradar.errors import ConfigError

log = logging.getLogger("policyradar.sources")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


HttpUrl = Annotated[str, AfterValidator(lambda v: _check_http_url(v))]


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    return value


_EMPTY_PAGE = Selector(text="<html></html>")


def _check_css(value: str) -> str:
    """A selector parsel can run (CSS with Scrapy's ``::text`` and ``::attr(...)``)."""
    try:
        _EMPTY_PAGE.css(value)
    except (SelectorError, ValueError) as exc:
        raise ValueError(f"{value!r} is not a valid CSS selector: {exc}") from exc
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from exc
    return value


CssSelector = Annotated[str, AfterValidator(_check_css)]
Regex = Annotated[str, AfterValidator(_check_regex)]


class ListingEntry(_Spec):
    """An HTML listing page: links to announcements, optionally paginated."""

    kind: Literal["listing"] = "listing"
    url: HttpUrl
    link_selector: CssSelector
    next_page_selector: CssSelector | None = None
    # For pagers drawn by script (TRS createPageHTML): further pages as URLs relative to ``url``,
    # e.g. ``index_{n}.html`` for n = 1 … max_pages - 1.
    page_url_template: str | None = Field(default=None, pattern=r"\{n\}")
    max_pages: int = Field(default=3, ge=1, le=100)


class FeedEntry(_Spec):
    """An RSS or Atom feed; each item links to an announcement."""

    kind: Literal["feed"]
    url: HttpUrl


class SitemapEntry(_Spec):
    """A sitemap, sitemap index or news sitemap; ``url_pattern`` keeps only matching URLs."""

    kind: Literal["sitemap"]
    url: HttpUrl
    url_pattern: Regex | None = None
    max_urls: int = Field(default=200, ge=1, le=10_000)


class JsonApiEntry(_Spec):
    """A JSON listing API: ``items_path`` (dotted) points at the list, ``url_field`` at each link."""

    kind: Literal["json_api"]
    url: HttpUrl
    items_path: str = ""
    url_field: str
    title_field: str | None = None
    date_field: str | None = None
    page_param: str | None = None
    max_pages: int = Field(default=1, ge=1, le=100)


EntryPoint = Annotated[ListingEntry | FeedEntry | SitemapEntry | JsonApiEntry, Field(discriminator="kind")]


class Schedule(_Spec):
    """How often to crawl: ``every`` (e.g. ``30m``, ``6h``, ``1d``) or a five-field ``cron`` expression."""

    every: str | None = Field(default=None, pattern=r"^\d+\s*[smhd]$")
    cron: str | None = None
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if len(value.split()) != 5:
            raise ValueError("cron must have five fields (minute hour day month weekday)")
        try:
            crontab_trigger(value, "UTC")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of 'every' or 'cron'")
        return self


class Politeness(_Spec):
    """Per-source overrides of the crawl defaults."""

    download_delay: float | None = Field(default=None, ge=0, le=120)
    concurrency: int | None = Field(default=None, ge=1, le=16)
    obey_robots: bool = True
    headers: dict[str, str] = {}  # extra request headers some sites need (e.g. a Referer)


class Selectors(_Spec):
    """CSS selectors for an announcement page; missing ones fall back to generic extraction."""

    title: CssSelector | None = None
    date: CssSelector | None = None
    body: CssSelector | None = None


class SourceSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1)
    publisher_kind: Literal["government", "company", "media"]
    jurisdiction: str = Field(min_length=1)
    language: Literal["en", "zh", "mixed"]
    entry_points: list[EntryPoint] = Field(min_length=1)
    selectors: Selectors = Selectors()
    allow: list[Regex] = []
    deny: list[Regex] = []
    extra_hosts: list[str] = []  # hosts announcements may live on besides the entry points' hosts
    encoding: str | None = None
    schedule: Schedule = Schedule(every="6h")
    politeness: Politeness = Politeness()
    homepage: str | None = None
    notes: str | None = None
    enabled: bool = True

    @property
    def entry_kinds(self) -> list[str]:
        return sorted({entry.kind for entry in self.entry_points})

    @property
    def hosts(self) -> list[str]:
        entry_hosts = {urlsplit(entry.url).hostname or "" for entry in self.entry_points}
        return sorted(entry_hosts | set(self.extra_hosts))


def load_source(path: Path) -> SourceSpec:
    """Read and validate one source file; errors name the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read source file: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a source file must be a YAML mapping")
    try:
        return SourceSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"field {_field_path(err['loc'])!r}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc


def _field_path(loc: tuple) -> str:
    """``entry_points.0.url``: the location pydantic reports, without the union's tag."""
    kinds = {"listing", "feed", "sitemap", "json_api"}
    parts = [str(p) for i, p in enumerate(loc) if not (p in kinds and i and isinstance(loc[i - 1], int))]
    return ".".join(parts) or "(file)"


def load_sources(directory: Path, only: list[str] | None = None) -> list[SourceSpec]:
    """Every source under ``directory`` (recursively), or those named in ``only``.

    Without ``only`` any file that does not load is an error. With it, files that do not load are
    passed over (logged) as long as every named source is found: one broken file must not stop
    the crawls of the others."""
    specs, unreadable = [], []
    for path in sorted(directory.rglob("*.yaml")):
        try:
            specs.append(load_source(path))
        except ConfigError as exc:
            if not only:
                raise
            unreadable.append(str(exc))
    seen: dict[str, int] = {}
    for spec in specs:
        seen[spec.id] = seen.get(spec.id, 0) + 1
    duplicated = [sid for sid, count in seen.items() if count > 1]
    if duplicated:
        raise ConfigError(f"{directory}: source ids used by more than one file: {duplicated}")
    if only:
        unknown = sorted(set(only) - set(seen))
        if unknown:
            also = f"; files that do not load: {' | '.join(unreadable)}" if unreadable else ""
            raise ConfigError(f"unknown source id(s) {unknown}; known: {sorted(seen)}{also}")
        for problem in unreadable:
            log.warning("passed over: %s", problem)
        return [spec for spec in specs if spec.id in only]
    return specs
