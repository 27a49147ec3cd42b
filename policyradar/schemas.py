"""Record schemas for the Kafka topics, validated on both sides of every topic."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policyradar.errors import SchemaError

RAW_SCHEMA_VERSION = 1
ENRICHED_SCHEMA_VERSION = 1

PublisherKind = Literal["government", "company", "media"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Span(_Record):
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Money(Span):
    value: float
    currency: str = Field(min_length=3, max_length=3)
    is_subsidy: bool
    qualifier: Literal["max", "min"] | None = None
    value_cny: float | None = None


class Percent(Span):
    value: float


class Place(Span):
    canonical: str
    level: str
    province: str | None = None


class Company(Span):
    canonical: str
    # The group a subsidiary belongs to (Alibaba Cloud -> Alibaba); a search for the parent finds both.
    parent: str | None = None


class Organization(Span):
    kind: str = "organization"


class Entities(_Record):
    money: list[Money] = []
    percent: list[Percent] = []
    places: list[Place] = []
    companies: list[Company] = []
    organizations: list[Organization] = []
    people: list[Span] = []
    dates: list[Span] = []


DocType = Literal["notice", "measures", "plan", "publicity", "draft", "news"]
DOC_TYPES: tuple[str, ...] = ("notice", "measures", "plan", "publicity", "draft", "news")


class Issuer(Span):
    """An issuing body of the document, with its canonical English name."""

    canonical: str


class PolicyFacts(_Record):
    """What kind of document it is, who issued it, its number (文号) and its application window."""

    doc_type: DocType | None = None
    issuers: list[Issuer] = []
    # The 文号 as written, brackets normalised to 〔〕 (京经信发〔2024〕12号).
    doc_number: str | None = None
    # The last day to apply or submit, and the first when the text gives a window.
    deadline: date | None = None
    apply_from: date | None = None


# The entity fields, in one place: the process stage fills them, the index maps them, the CLI and
# the evaluation read them. Add a field to ``Entities`` and every user follows.
ENTITY_FIELDS: tuple[str, ...] = tuple(Entities.model_fields)


class RawRecord(_Record):
    schema_version: Literal[1] = RAW_SCHEMA_VERSION
    id: str = Field(min_length=8)
    url: str
    source_id: str
    source_kind: PublisherKind
    jurisdiction: str
    language: str
    title: str
    published_at: datetime | None = None
    fetched_at: datetime
    text: str
    # True when ``text`` was cut to the configured maximum length (see ``cap_text``).
    text_truncated: bool = False
    content_hash: str


class EnrichedRecord(RawRecord):
    schema_version: Literal[1] = ENRICHED_SCHEMA_VERSION  # type: ignore[assignment]
    detected_language: str
    entities: Entities
    topics: list[str] = []
    facts: PolicyFacts = PolicyFacts()
    extractor_version: str


def parse_record(model: type[BaseModel], payload: bytes | str | None) -> BaseModel:
    """Decode and validate one record; raise SchemaError naming the first bad field.

    Whatever the bytes (none at all, binary garbage, JSON nested past the parser's depth), the
    outcome is a record or a SchemaError, never another exception.
    """
    if payload is None:
        raise SchemaError("empty value (a null record, e.g. a tombstone), not a record")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise SchemaError("JSON nested too deeply to parse") from exc
    if not isinstance(data, dict):
        raise SchemaError(f"expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise SchemaError(f"{model.__name__} field {where!r}: {first['msg']}") from exc


def dump_record(record: BaseModel) -> bytes:
    """Serialise a record for Kafka (UTF-8 JSON, non-ASCII kept readable)."""
    return record.model_dump_json().encode("utf-8")


def cap_text(record: RawRecord, max_chars: int) -> RawRecord:
    """``record`` with its text cut to ``max_chars`` characters and marked, if it was longer."""
    if len(record.text) <= max_chars:
        return record
    return record.model_copy(update={"text": record.text[:max_chars], "text_truncated": True})
