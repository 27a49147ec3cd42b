"""``policyradar extract``: the processors' extraction, offline, one JSON line per input file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from policyradar.errors import PolicyRadarError
from policyradar.settings import get_settings
from processors.enrich import entities_from_doc
from processors.lang import detect_language
from processors.pipeline import build_nlp


def extract_text(text: str, lang: str = "auto") -> dict[str, Any]:
    """Entities of one text, exactly as the process stage computes them (title + body as one text)."""
    chosen = detect_language(text) if lang == "auto" else lang
    doc = build_nlp(chosen, get_settings().nlp_profile)(text)
    return {"lang": chosen, **entities_from_doc(doc)}


def read_document(path: Path) -> str:
    """A text file's content; a first line followed by the body is read as title + body."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyRadarError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise PolicyRadarError(f"{path}: cannot read: {exc.strerror}") from exc


def extract_command(args: argparse.Namespace) -> int:
    for name in args.files:
        path = Path(name)
        result = {"id": path.stem, **extract_text(read_document(path), args.lang)}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0
