"""Companies under one canonical short name, from an alias table that users can extend."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from policyradar.errors import ConfigError
from processors.extractors.gazetteer import Gazetteer, Hit

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "companies.yaml"


def read_aliases(path: Path) -> dict[str, list[str]]:
    """``{canonical: [alias, ...]}`` from a YAML file; errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read company aliases: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of canonical name to a list of aliases")
    for canonical, aliases in data.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str | int) for a in aliases):
            raise ConfigError(f"{path}: entry {canonical!r} must be a list of alias strings")
    return {str(k): [str(a) for a in v] for k, v in data.items()}


@lru_cache(maxsize=4)
def company_gazetteer(extra_file: str = "") -> Gazetteer[str]:
    """Shipped aliases plus the user's ``extra_file`` (``POLICYRADAR_COMPANY_ALIASES``; user wins)."""
    tables = [read_aliases(ALIASES_FILE)]
    if extra_file:
        tables.insert(0, read_aliases(Path(extra_file)))
    forms = [
        (alias, canonical)
        for table in tables
        for canonical, aliases in table.items()
        for alias in [canonical, *aliases]
    ]
    return Gazetteer(forms)


def find_companies(text: str, extra_file: str = "") -> list[Hit[str]]:
    return list(company_gazetteer(extra_file).find(text))
