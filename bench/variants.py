"""Many realistic documents from the dev-set texts, for the scale benches (issue 12).

Each dev-set text (``processors/eval/devset/``) is enriched once with the real processor
(``bench_clusters.load_seeds``). A variant of a seed is the same notice as another place or company
would publish it: its paragraphs shuffled and one sometimes left out, its places and companies
swapped for others of the same language (text, title and entities together), its amounts scaled,
its years (title, text, dates, deadline, document number) moved, a new source and address. The
entities stay those the processor found, renamed, so facets and filters behave as on real data.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.bench_clusters import Seed
from indexer.clusters.assign import sketch_document
from indexer.clusters.key import set_cluster
from indexer.mapping import document_from_record
from indexer.text_fold import folded_copy
from policyradar.ids import content_hash, document_id

_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_YEAR = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
SCALES = (0.2, 0.5, 0.8, 1, 1, 1.5, 2, 3, 5, 10)
REPOST_SHARE = 0.1  # one document in ten is a copy of a recent one on another site


@dataclass
class Pools:
    """What variants draw from, by language: place and company entities, and source names."""

    places: dict[str, list[dict[str, Any]]]
    companies: dict[str, list[dict[str, Any]]]
    sources: dict[str, list[str]]


def pools(docs: dict[str, list[dict[str, Any]]]) -> Pools:
    places, companies, sources = {}, {}, {}
    for lang, found in docs.items():
        places[lang] = _unique(e for doc in found for e in doc["entities"]["places"])
        companies[lang] = _unique(e for doc in found for e in doc["entities"]["companies"])
        names = sorted({p["canonical"] for p in places[lang]} or {"national"})
        slugs = [re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "cn" for name in names]
        sources[lang] = [f"{kind}-{slug}-{n}" for slug in slugs for kind in ("gov", "dept") for n in range(3)]
    return Pools(places, companies, sources)


def _unique(entities: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({e["text"]: e for e in entities}.values())


class Variants:
    """An endless supply of indexed-document dicts (``document_from_record`` shape, with the repost
    cluster fields the indexer adds), or of their title and text alone (``raw``)."""

    def __init__(self, seeds: dict[str, list[Seed]], seed: int = 12, sketch: bool = True) -> None:
        self.docs = {lang: [document_from_record(s.record) for s in found] for lang, found in seeds.items()}
        self.pools = pools(self.docs)
        self.random = random.Random(seed)
        self.sketch = sketch
        self.count = 0
        self.recent: list[dict[str, Any]] = []

    def document(self) -> dict[str, Any]:
        """The next document: nine in ten a new variant, one in ten a repost of a recent one."""
        if self.recent and self.random.random() < REPOST_SHARE:
            return self._repost(self.random.choice(self.recent))
        doc = self.variant()
        self.recent = [*self.recent[-199:], doc]
        return doc

    def variant(self) -> dict[str, Any]:
        rng = self.random
        lang = rng.choice(sorted(self.docs))
        base = rng.choice(self.docs[lang])
        doc = _copy(base)
        renames = self._renames(doc, lang)
        shift = rng.choice((-5, -4, -3, -2, -1, -1, 0, 0, 0, 1))
        doc["title"] = _years(_rename(base["title"], renames), shift)
        doc["text"] = _years(_rename(self._paragraphs(base["text"]), renames), shift)
        _rename_entities(doc, renames, shift)
        self.count += 1
        self._place(doc, lang, shift)
        return doc

    def _renames(self, doc: dict[str, Any], lang: str) -> dict[str, Any]:
        """Surface text -> (new surface, new entity) for its places, companies and amounts."""
        rng = self.random
        renames: dict[str, Any] = {}
        for kind, pool in (("places", self.pools.places[lang]), ("companies", self.pools.companies[lang])):
            for entity in doc["entities"][kind]:
                if entity["text"] not in renames and pool and rng.random() < 0.8:
                    donor = rng.choice(pool)
                    renames[entity["text"]] = (donor["text"], donor)
        for money in doc["entities"]["money"]:
            if money["text"] not in renames and _DIGITS.search(money["text"]):
                scale = rng.choice(SCALES)
                renames[money["text"]] = (_scaled(money["text"], scale), scale)
        return renames

    def _paragraphs(self, text: str) -> str:
        """The first paragraph kept; the others shuffled one time in two, one left out one in three."""
        parts = [p for p in text.split("\n") if p.strip()]
        head, rest = parts[:1], parts[1:]
        if len(rest) > 2 and self.random.random() < 0.5:
            self.random.shuffle(rest)
        if len(rest) > 3 and self.random.random() < 1 / 3:
            rest.pop(self.random.randrange(len(rest)))
        return "\n".join(head + rest)

    def _place(self, doc: dict[str, Any], lang: str, shift: int) -> None:
        """A source, address, dates, hashes and the derived fields for the renamed document."""
        rng = self.random
        source = rng.choice(self.pools.sources[lang])
        published = datetime(2024 + shift, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_000))
        doc["url"] = f"https://{source}.example/{published:%Y%m}/t{self.count}.html"
        doc["id"] = document_id(doc["url"])
        doc["source_id"], doc["source_kind"] = source, "government"
        doc["published_at"] = _iso(published)
        doc["fetched_at"] = _iso(published + timedelta(hours=rng.randrange(1, 48)))
        doc["content_hash"] = content_hash(doc["title"], doc["text"])
        _derive(doc)
        set_cluster(doc, doc["id"])
        doc["is_original"] = True
        if self.sketch:
            doc.update(sketch_document(doc).to_fields())
        doc["indexed_at"] = _iso(datetime.now(UTC))

    def _repost(self, original: dict[str, Any]) -> dict[str, Any]:
        """The same notice on a portal: a source line on top, the cluster of the original."""
        doc = _copy(original)
        self.count += 1
        zh = doc["detected_language"] == "zh"
        line = f"{'来源：' if zh else 'Source: '}{original['source_id']}\n"
        doc["text"] = line + doc["text"]
        for kind in ("money", "percent", "places", "companies", "organizations", "people", "dates"):
            for entity in doc["entities"][kind]:
                entity["start"], entity["end"] = entity["start"] + len(line), entity["end"] + len(line)
        doc["url"] = f"https://portal-{self.random.randrange(40)}.example/news/{self.count}.html"
        doc["id"] = document_id(doc["url"])
        doc["source_id"], doc["source_kind"], doc["is_original"] = "portal", "media", False
        doc["content_hash"] = content_hash(doc["title"], doc["text"])
        _derive(doc)
        return doc

    def raw(self) -> tuple[str, str, str]:
        """(language, title, text) of a new variant, for a feeder (no sketch, no derived fields)."""
        doc = self.variant()
        return doc["detected_language"], doc["title"], doc["text"]


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy whose entities, facts and their items can be changed without touching ``doc``."""
    facts = doc["facts"]
    return {
        **doc,
        "entities": {kind: [dict(e) for e in found] for kind, found in doc["entities"].items()},
        "facts": {**facts, "issuers": [dict(i) for i in facts.get("issuers") or []]},
    }


def _rename(text: str, renames: dict[str, Any]) -> str:
    """Each surface replaced by its new one, longest first, through placeholders (a new name is
    never renamed again)."""
    keys = sorted((k for k in renames if k in text), key=len, reverse=True)
    for n, key in enumerate(keys):
        text = text.replace(key, f"\x00{n}\x00")
    for n, key in enumerate(keys):
        text = text.replace(f"\x00{n}\x00", renames[key][0])
    return text


def _years(text: str, shift: int) -> str:
    return _YEAR.sub(lambda m: str(int(m.group()) + shift), text) if shift else text


def _scaled(surface: str, scale: float) -> str:
    """``1000万元`` scaled by 3: ``3000万元`` (the first number of the surface, same decimals)."""

    def scale_number(match: re.Match[str]) -> str:
        written = match.group()
        value = float(written.replace(",", "")) * scale
        if "." in written:
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return f"{round(value):,}" if "," in written else str(round(value))

    return _DIGITS.sub(scale_number, surface, count=1)


def _rename_entities(doc: dict[str, Any], renames: dict[str, Any], shift: int) -> None:
    """The entities of the renamed text: new names and values, spans found again, dates moved."""
    entities, text = doc["entities"], doc["text"]
    for kind in ("places", "companies"):
        for entity in entities[kind]:
            new = renames.get(entity["text"])
            if new:
                entity.update({k: v for k, v in new[1].items() if k not in ("start", "end")})
    for money in entities["money"]:
        new = renames.get(money["text"])
        if new:
            money["text"] = new[0]
            money["value"] = money["value"] * new[1]
            if money.get("value_cny") is not None:
                money["value_cny"] = money["value_cny"] * new[1]
    for entity in entities["dates"]:
        entity["text"] = _years(entity["text"], shift)
    for found in entities.values():
        for entity in found:
            start = text.find(entity["text"])
            if start >= 0:
                entity["start"], entity["end"] = start, start + len(entity["text"])
    facts = doc["facts"]
    for name in ("deadline", "apply_from"):
        if facts.get(name):
            facts[name] = _shifted_day(facts[name], shift)
    if facts.get("doc_number"):
        facts["doc_number"] = _years(facts["doc_number"], shift)
    for issuer in facts.get("issuers") or []:
        start = text.find(issuer["text"])
        if start >= 0:
            issuer["start"], issuer["end"] = start, start + len(issuer["text"])


def _shifted_day(day: str, shift: int) -> str:
    """``2024-02-29`` moved ``shift`` years (the 28th where the year has no 29 February)."""
    moment = date.fromisoformat(day)
    try:
        return moment.replace(year=moment.year + shift).isoformat()
    except ValueError:
        return moment.replace(year=moment.year + shift, day=28).isoformat()


def _derive(doc: dict[str, Any]) -> None:
    """The flat facet fields ``document_from_record`` derives from the entities and facts."""
    entities = doc["entities"]
    doc["place_names"] = sorted({p["canonical"] for p in entities["places"]})
    doc["provinces"] = sorted({p["province"] for p in entities["places"] if p.get("province")})
    doc["companies"] = sorted(
        {c["canonical"] for c in entities["companies"]}
        | {c["parent"] for c in entities["companies"] if c.get("parent")}
    )
    subsidies = [
        m["value_cny"] for m in entities["money"] if m["is_subsidy"] and m.get("value_cny") is not None
    ]
    doc["max_subsidy_cny"] = max(subsidies) if subsidies else None
    doc["deadline"] = doc["facts"].get("deadline")
    folded = {name: text for name in ("title", "text") if (text := folded_copy(doc[name]))}
    doc.pop("folded", None)
    if folded:
        doc["folded"] = folded


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
