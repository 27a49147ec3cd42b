"""Source specs: one YAML file per source under ``sources/``, validated when loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from policyradar.errors import ConfigError


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListingEntry(_Spec):
    """An HTML listing page: links to announcements, optionally paginated."""

    kind: Literal["listing"] = "listing"
    url: str
    link_selector: str
    next_page_selector: str | None = None
    max_pages: int = Field(default=3, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        return value


class Selectors(_Spec):
    """CSS selectors for an announcement page; missing ones fall back to generic extraction."""

    title: str | None = None
    date: str | None = None
    body: str | None = None


class SourceSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1)
    publisher_kind: Literal["government", "company", "media"]
    jurisdiction: str = Field(min_length=1)
    language: Literal["en", "zh", "mixed"]
    entry_points: list[ListingEntry] = Field(min_length=1)
    selectors: Selectors = Selectors()
    enabled: bool = True

    @property
    def hosts(self) -> list[str]:
        return sorted({urlsplit(entry.url).hostname or "" for entry in self.entry_points})


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
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc'])!r}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc


def load_sources(directory: Path, only: list[str] | None = None) -> list[SourceSpec]:
    """Every source under ``directory`` (recursively), or those named in ``only``."""
    specs = [load_source(path) for path in sorted(directory.rglob("*.yaml"))]
    seen: dict[str, int] = {}
    for spec in specs:
        seen[spec.id] = seen.get(spec.id, 0) + 1
    duplicated = [sid for sid, count in seen.items() if count > 1]
    if duplicated:
        raise ConfigError(f"{directory}: source ids used by more than one file: {duplicated}")
    if only:
        unknown = sorted(set(only) - set(seen))
        if unknown:
            raise ConfigError(f"unknown source id(s) {unknown}; known: {sorted(seen)}")
        return [spec for spec in specs if spec.id in only]
    return specs
