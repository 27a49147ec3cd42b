"""``policyradar extract``: the processors' extraction, offline, one JSON line per input file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from policyradar.errors import PolicyRadarError
from policyradar.schemas import RawRecord
from policyradar.settings import get_settings
from policyradar.textfiles import read_utf8_text
from processors.enrich import analysis_text, enrich, entities_from_doc, facts_from_doc
from processors.lang import detect_language
from processors.options import DEFAULT_OPTIONS, ExtractionOptions
from processors.pipeline import build_nlp


def extract_text(
    text: str,
    lang: str = "auto",
    options: ExtractionOptions = DEFAULT_OPTIONS,
    published_year: int | None = None,
) -> dict[str, Any]:
    """Entities and policy facts of one text, exactly as the process stage computes them (title +
    body as one text); ``published_year`` completes a deadline written without its year."""
    chosen = detect_language(text) if lang == "auto" else lang
    doc = build_nlp(chosen, options.profile, options.company_aliases)(text)
    facts = facts_from_doc(doc, published_year).model_dump(mode="json")
    return {"lang": chosen, **entities_from_doc(doc, options.rates), "facts": facts}


def read_document(path: Path) -> str:
    """A text file's content; a first line followed by the body is read as title + body."""
    return read_utf8_text(path)


def extract_command(args: argparse.Namespace) -> int:
    enriched_out = open(args.enriched_out, "w", encoding="utf-8") if args.enriched_out else None  # noqa: SIM115
    options = ExtractionOptions.from_settings(get_settings())
    try:
        for name in args.files:
            for doc_id, extra, text in _inputs(Path(name), args.raw):
                year = _year(extra.get("published_at"))
                result = {"id": doc_id, **extra, **extract_text(text, args.lang, options, year)}
                sys.stdout.write(
                    _pretty(result) if args.pretty else json.dumps(result, ensure_ascii=False) + "\n"
                )
                sys.stdout.flush()
            if enriched_out and args.raw:
                _write_enriched(Path(name), enriched_out, options)
    finally:
        if enriched_out:
            enriched_out.close()
    return 0


def _write_enriched(path: Path, out, options: ExtractionOptions) -> None:
    """The enriched records of a raw-records file, exactly as the process stage would produce them."""
    for line in read_document(path).splitlines():
        record = json.loads(line) if line.strip() else {}
        if "title" in record:
            out.write(enrich(RawRecord.model_validate(record), options).model_dump_json() + "\n")


def _inputs(path: Path, raw: bool):
    """(id, extra fields, text) per document: one per text file, or one per raw record line."""
    if not raw:
        yield path.stem, {}, read_document(path)
        return
    for number, line in enumerate(read_document(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PolicyRadarError(f"{path}:{number}: not a JSON record: {exc.msg}") from exc
        if "quarantined" in record:
            yield record["quarantined"]["url"], {"quarantined": record["quarantined"]["reason"]}, ""
            continue
        extra = {k: record.get(k) for k in ("url", "title", "published_at", "source_id")}
        yield record["id"], extra, analysis_text(record["title"], record["text"])


def _year(published_at: str | None) -> int | None:
    """The year of a raw record's ``published_at`` (ISO 8601), None when absent or unreadable."""
    try:
        return int(published_at[:4]) if published_at else None
    except ValueError:
        return None


def _pretty(result: dict[str, Any]) -> str:
    lines = [
        f"\n{(result.get('published_at') or '')[:10]}  {result.get('title') or result['id']}",
        f"    {result.get('url') or ''}",
    ]
    if result.get("quarantined"):
        return "\n".join([*lines, f"    QUARANTINED: {result['quarantined']}"]) + "\n"
    money = ", ".join(f"{m['text']}{' (subsidy)' if m['is_subsidy'] else ''}" for m in result["money"])
    for label, value in (
        ("money", money),
        ("ratios", ", ".join(p["text"] for p in result["percent"])),
        ("places", ", ".join(dict.fromkeys(p["canonical"] for p in result["places"]))),
        ("companies", ", ".join(dict.fromkeys(c["canonical"] for c in result["companies"]))),
        ("organizations", ", ".join(dict.fromkeys(o["text"] for o in result["organizations"]))),
        ("topics", ", ".join(result["topics"])),
        *_pretty_facts(result["facts"]),
    ):
        if value:
            lines.append(f"    {label}: {value}")
    return "\n".join(lines) + "\n"


def _pretty_facts(facts: dict[str, Any]) -> list[tuple[str, str]]:
    window = facts["deadline"] or ""
    if facts["apply_from"]:
        window = f"{facts['apply_from']} to {window}"
    return [
        ("type", facts["doc_type"] or ""),
        ("issuers", ", ".join(i["canonical"] for i in facts["issuers"])),
        ("number", facts["doc_number"] or ""),
        ("deadline", window),
    ]
