"""Companies under one canonical short name, from an alias table that users can extend.

An entry is either ``Canonical: [alias, ...]`` or, for a subsidiary or a company with a group,
``Canonical: {aliases: [alias, ...], parent: Group}`` where ``Group`` is another entry's canonical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from policyradar.errors import ConfigError
from processors.extractors.gazetteer import Gazetteer, Hit

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "companies.yaml"


@dataclass(frozen=True)
class CompanyEntry:
    aliases: tuple[str, ...]
    parent: str | None = None


def read_table(path: Path) -> dict[str, CompanyEntry]:
    """``{canonical: CompanyEntry}`` from a YAML file; errors name the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read company aliases: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of canonical name to a list of aliases")
    return {str(canonical): _entry(path, canonical, value) for canonical, value in data.items()}


def _entry(path: Path, canonical: object, value: object) -> CompanyEntry:
    parent = None
    if isinstance(value, dict):
        unknown = set(value) - {"aliases", "parent"}
        parent = value.get("parent")
        if unknown or not (parent is None or isinstance(parent, str)):
            raise ConfigError(
                f"{path}: entry {canonical!r} may only have 'aliases' (a list) and 'parent' (a name)"
            )
        value = value.get("aliases") or []
    if not isinstance(value, list) or not all(isinstance(a, str | int) for a in value):
        raise ConfigError(f"{path}: entry {canonical!r} must be a list of alias strings")
    return CompanyEntry(tuple(str(a) for a in value), parent)


def read_aliases(path: Path) -> dict[str, list[str]]:
    """``{canonical: [alias, ...]}`` from a YAML file; errors name the file and the entry."""
    return {canonical: list(entry.aliases) for canonical, entry in read_table(path).items()}


def _tables(extra_file: str) -> list[dict[str, CompanyEntry]]:
    """The user's table first (its entries win), then the shipped one."""
    tables = [read_table(ALIASES_FILE)]
    if extra_file:
        tables.insert(0, read_table(Path(extra_file)))
    return tables


@lru_cache(maxsize=4)
def company_gazetteer(extra_file: str = "") -> Gazetteer[str]:
    """Shipped aliases plus the user's ``extra_file`` (``POLICYRADAR_COMPANY_ALIASES``; user wins)."""
    forms = [
        (form, canonical)
        for table in _tables(extra_file)
        for canonical, entry in table.items()
        for alias in [canonical, *entry.aliases]
        for form in [alias, *_possessive(alias, entry)]
    ]
    return Gazetteer(forms)


def _possessive(alias: str, entry: CompanyEntry) -> list[str]:
    """A subsidiary's English name written with the group in the possessive: ``Baidu AI Cloud``
    is also found as ``Baidu's AI Cloud``."""
    group, _, rest = alias.partition(" ")
    return [f"{group}'s {rest}"] if entry.parent and rest and group.isascii() else []


@lru_cache(maxsize=4)
def company_parents(extra_file: str = "") -> dict[str, str]:
    """``{canonical: parent canonical}`` for the entries that name a parent; a parent no table
    lists is an error naming the file and the entry."""
    tables = _tables(extra_file)
    known = {canonical for table in tables for canonical in table}
    files = [Path(extra_file)] * (len(tables) - 1) + [ALIASES_FILE]
    parents: dict[str, str] = {}
    for path, table in zip(files, tables, strict=True):
        for canonical, entry in table.items():
            if entry.parent is None or canonical in parents:
                continue
            if entry.parent not in known:
                raise ConfigError(
                    f"{path}: entry {canonical!r} names parent {entry.parent!r}, which no entry lists"
                )
            parents[canonical] = entry.parent
    return parents


def find_companies(text: str, extra_file: str = "") -> list[Hit[str]]:
    return list(company_gazetteer(extra_file).find(text))


# An arm named after its group: the group's name, then an investment or business word.
_ARM_WORDS_ZH = {"资本": "Capital", "投资": "Investment", "创投": "Ventures", "产投": "Industrial Investment"}
_ARM_ZH = re.compile(r"(资本|投资|创投|产投)(?=[、，。；,;）)\s和与及等]|领投|参投|跟投|联合|旗下|$)")
_ARM_EN = re.compile(r" (Capital|Ventures|Investments?|Health)(?![\w&])")


def group_arm(text: str, hit: Hit[str], org_spans: set[tuple[int, int]]) -> tuple[int, str] | None:
    """``(end, canonical)`` when the alias ``hit`` starts the name of one of the group's arms
    (``腾讯投资、`` → Tencent Investment, ``Lenovo Capital`` → Lenovo Capital): a Chinese arm word
    LAC reads as part of the name or that a delimiter follows; an English one capitalised."""
    if re.search(r"[\u4e00-\u9fff]", hit.text):
        match = re.compile(r"资本|投资|创投|产投").match(text, hit.end)
        if not match or not ((hit.start, match.end()) in org_spans or _ARM_ZH.match(text, hit.end)):
            return None
        word = _ARM_WORDS_ZH[match[0]]
    else:
        match = _ARM_EN.match(text, hit.end)
        if not match:
            return None
        word = match[1]
    name = f"{hit.entry} {word}" if hit.entry.isascii() else text[hit.start : match.end()]
    return match.end(), name
