"""The announcements index, declared once: settings, mapping and the document built from a record.

Indices are versioned (``announcements-v2``) behind the alias (``announcements``), so a mapping
change or a reprocess can build a new version and swap the alias without search downtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.text_fold import folded_copy
from indexer.versions.drafts import title_key
from policyradar.schemas import ENTITY_FIELDS, EnrichedRecord, PolicyFacts
from policyradar.settings import Settings

# The version a new index is made with. Fields are only ever added to a version (``ensure_index``
# adds them to an existing index); a new version is made by ``reprocess``, which also fills the new
# fields of old documents. 2: ``folded`` (Traditional Chinese folded to Simplified, issue 14).
MAPPING_VERSION = 2

_KEYWORD = {"type": "keyword"}
_DATE = {"type": "date"}
# A name filtered exactly (facets) and found by words in free text (``companies.text``).
# Names as keywords (filters, facets) and as English-analysed text (free-text search beside the titles,
# which use the same analyzer: a stop word in the query must not be required in a name).
_NAME = {"type": "keyword", "fields": {"text": {"type": "text", "analyzer": "english"}}}
_OFFSET = {"type": "integer", "index": False}
_FOLDED = {"type": "text", "analyzer": "cjk"}
_TEXT = {
    "type": "text",
    "analyzer": "english",
    "fields": {"cjk": {"type": "text", "analyzer": "cjk"}},
}

# The mapping of each entity field; the index maps exactly the fields the schema declares
# (policyradar.schemas.ENTITY_FIELDS), so a field added there without a mapping fails at import.
_ENTITY_PROPERTIES: dict[str, Any] = {
    "money": {
        "type": "nested",
        "properties": {
            "text": _KEYWORD,
            "value": {"type": "double"},
            "currency": _KEYWORD,
            "value_cny": {"type": "double"},
            "is_subsidy": {"type": "boolean"},
            "qualifier": _KEYWORD,
            "start": _OFFSET,
            "end": _OFFSET,
        },
    },
    "percent": {
        "properties": {
            "text": _KEYWORD,
            "value": {"type": "double"},
            "start": _OFFSET,
            "end": _OFFSET,
        }
    },
    "places": {
        "properties": {
            "text": _KEYWORD,
            "canonical": _KEYWORD,
            "level": _KEYWORD,
            "province": _KEYWORD,
            "start": _OFFSET,
            "end": _OFFSET,
        }
    },
    "companies": {
        "properties": {
            "text": _KEYWORD,
            "canonical": _KEYWORD,
            "parent": _KEYWORD,
            "start": _OFFSET,
            "end": _OFFSET,
        }
    },
    "organizations": {"properties": {"text": _KEYWORD, "kind": _KEYWORD, "start": _OFFSET, "end": _OFFSET}},
    "people": {"properties": {"text": _KEYWORD, "start": _OFFSET, "end": _OFFSET}},
    "dates": {"properties": {"text": _KEYWORD, "start": _OFFSET, "end": _OFFSET}},
}

# The policy facts (``policyradar.schemas.PolicyFacts``); like the entities, every declared field is mapped.
_FACT_PROPERTIES: dict[str, Any] = {
    "doc_type": _KEYWORD,
    "issuers": {"properties": {"text": _KEYWORD, "canonical": _NAME, "start": _OFFSET, "end": _OFFSET}},
    "doc_number": _KEYWORD,
    "deadline": _DATE,
    "apply_from": _DATE,
}

INDEX_BODY: dict[str, Any] = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "id": _KEYWORD,
            "url": _KEYWORD,
            "source_id": _KEYWORD,
            "source_kind": _KEYWORD,
            "jurisdiction": _KEYWORD,
            "language": _KEYWORD,
            "detected_language": _KEYWORD,
            "title": {
                **_TEXT,
                "fields": {**_TEXT["fields"], "raw": {"type": "keyword", "ignore_above": 512}},
            },
            "text": _TEXT,
            "text_truncated": {"type": "boolean"},
            # Title and body with Traditional Chinese folded to Simplified (``indexer.text_fold``),
            # written only when folding changes them; searched with the folded query, never shown.
            "folded": {"properties": {"title": _FOLDED, "text": _FOLDED}},
            "published_at": {"type": "date"},
            "fetched_at": {"type": "date"},
            "content_hash": _KEYWORD,
            "extractor_version": _KEYWORD,
            "topics": _KEYWORD,
            # Flat facets for filtering and aggregations.
            "place_names": _KEYWORD,
            "provinces": _KEYWORD,
            # Each company's canonical name and its parent's: a filter on the group finds its arms.
            "companies": _NAME,
            "max_subsidy_cny": {"type": "double"},
            "doc_type": _KEYWORD,
            "issuer_names": _NAME,
            "deadline": _DATE,
            # Set by the indexer (issue 11): how many versions the page has had, and the ids of the
            # indexed documents it says it revises or repeals.
            "version_count": {"type": "integer"},
            "revises": _KEYWORD,
            # Draft and final versions are two documents, linked (indexer/versions/drafts.py): the
            # name of the document a page is about, and a final document's drafts (ids).
            "title_key": _KEYWORD,
            "drafts": _KEYWORD,
            # Repost clusters (issue 11, set by the indexer: indexer/clusters/): copies of one notice
            # share ``cluster_id``; ``lsh_bands`` finds candidates (never returned: searches name their
            # fields); ``repost_sketch`` is what verifying a candidate needs, kept in doc values (read
            # with ``docvalue_fields``, without loading the candidate's whole source) and not searched.
            # ``indexed_at``: when an indexer last wrote the document (clusters settle over the recent
            # ones only), and ``indexed_by`` which indexer process did (each keeps the bands it wrote
            # in memory and reads the others' from the index). ``cluster_key``: a number standing for
            # ``cluster_id``, which searches count clusters by (indexer/clusters/key.py; only its doc
            # values are kept).
            "cluster_id": _KEYWORD,
            "cluster_key": {"type": "long", "index": False},
            "is_original": {"type": "boolean"},
            "lsh_bands": {"type": "keyword", "doc_values": False},
            "indexed_at": {"type": "date"},
            "indexed_by": _KEYWORD,
            "repost_sketch": {
                "properties": {
                    "signature": {"type": "binary", "doc_values": True},
                    "head": {"type": "binary", "doc_values": True},
                    "size": {"type": "integer", "index": False},
                    "clauses": {"type": "keyword", "index": False},
                    "draft": {"type": "boolean", "index": False},
                    "title_numbers": {"type": "keyword", "index": False},
                }
            },
            "entities": {"properties": {name: _ENTITY_PROPERTIES[name] for name in ENTITY_FIELDS}},
            "facts": {"properties": {name: _FACT_PROPERTIES[name] for name in PolicyFacts.model_fields}},
        },
    },
}


@dataclass(frozen=True)
class IndexLayout:
    """Primary shards of a new index and replicas of every index (``POLICYRADAR_INDEX_SHARDS`` and
    ``POLICYRADAR_INDEX_REPLICAS``)."""

    shards: int = 1
    replicas: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexLayout:
        return cls(settings.index_shards, settings.index_replicas)

    def index_settings(self) -> dict[str, int]:
        return {"number_of_shards": self.shards, "number_of_replicas": self.replicas}


def index_body(layout: IndexLayout) -> dict[str, Any]:
    """The announcement index's settings and mapping for ``layout``."""
    return {**INDEX_BODY, "settings": layout.index_settings()}


def versioned_index(alias: str, version: int = MAPPING_VERSION) -> str:
    return f"{alias}-v{version}"


def document_from_record(record: EnrichedRecord) -> dict[str, Any]:
    """The indexed document: the record (minus its schema version) plus flat facets."""
    doc = record.model_dump(mode="json", exclude={"schema_version"})
    entities = record.entities
    doc["place_names"] = sorted({p.canonical for p in entities.places})
    doc["provinces"] = sorted({p.province for p in entities.places if p.province})
    doc["companies"] = sorted(
        {c.canonical for c in entities.companies} | {c.parent for c in entities.companies if c.parent}
    )
    subsidies = [m.value_cny for m in entities.money if m.is_subsidy and m.value_cny is not None]
    doc["max_subsidy_cny"] = max(subsidies) if subsidies else None
    facts = record.facts
    doc["doc_type"] = facts.doc_type
    doc["issuer_names"] = list(dict.fromkeys(i.canonical for i in facts.issuers))
    doc["deadline"] = facts.deadline.isoformat() if facts.deadline else None
    doc["title_key"] = title_key(doc["title"])
    folded = {name: copy for name in ("title", "text") if (copy := folded_copy(doc[name]))}
    if folded:
        doc["folded"] = folded
    return doc
