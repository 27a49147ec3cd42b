"""``policyradar sources list|validate|add|health|check``: manage and inspect source files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawlers.sources import load_source, load_sources
from policyradar.errors import ConfigError, PolicyRadarError
from policyradar.settings import get_settings


def list_command(args: argparse.Namespace) -> int:
    specs = load_sources(get_settings().sources_dir)
    rows = [
        {
            "id": s.id,
            "name": s.name,
            "publisher_kind": s.publisher_kind,
            "jurisdiction": s.jurisdiction,
            "language": s.language,
            "enabled": s.enabled,
            "entry_kinds": s.entry_kinds,
            "schedule": s.schedule.every or s.schedule.cron,
            "hosts": s.hosts,
        }
        for s in specs
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        flag = "on " if row["enabled"] else "off"
        print(
            f"{flag} {row['id']:<34} {row['jurisdiction']:<22} {row['language']:<5} "
            f"{','.join(row['entry_kinds']):<16} {row['name']}"
        )
    print(f"{len(rows)} sources, {sum(r['enabled'] for r in rows)} enabled")
    return 0


def validate_command(args: argparse.Namespace) -> int:
    paths = _yaml_files([Path(p) for p in args.paths] or [get_settings().sources_dir])
    errors, seen = [], {}
    for path in paths:
        try:
            spec = load_source(path)
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        if spec.id in seen:
            errors.append(f"{path}: field 'id': {spec.id!r} is already used by {seen[spec.id]}")
        seen[spec.id] = path
    for error in errors:
        print(f"INVALID {error}", file=sys.stderr)
    print(f"{len(paths) - len(errors)} of {len(paths)} source files valid")
    return 1 if errors else 0


def _yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.yaml")))
        elif path.exists():
            files.append(path)
        else:
            raise PolicyRadarError(f"{path}: no such file or folder")
    return files
