"""Places: a gazetteer of Chinese divisions and zones (see processors/data/PLACES_SOURCES.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from processors.extractors.gazetteer import Gazetteer, Hit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PLACES_FILE = DATA_DIR / "places.tsv"


@dataclass(frozen=True)
class PlaceEntry:
    canonical: str
    level: str
    province: str | None


def read_places(path: Path = PLACES_FILE) -> list[tuple[str, PlaceEntry]]:
    """(surface form, entry) pairs from the places TSV."""
    forms: list[tuple[str, PlaceEntry]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            entry = PlaceEntry(row["canonical"], row["level"], row["province"] or None)
            names = f"{row['zh_names']}|{row['en_names']}|{row['canonical']}".split("|")
            forms.extend((name, entry) for name in names if name)
    return forms


@lru_cache(maxsize=1)
def place_gazetteer() -> Gazetteer[PlaceEntry]:
    return Gazetteer(read_places())


_ZH_NAME_CONTINUES = re.compile(r"[\u4e00-\u9fff]")
_ZH_PARTICLES = set("的和与及、在是将已对等为于向也都把从同跟")
_EN_NAME_CONTINUES = re.compile(r"\s+(?:[A-Z][a-z]+|[A-Z]{2,})\b")
_EN_NOT_A_NAME = {"The", "And", "In", "On", "For", "To", "With", "By", "But", "As", "At", "Is", "Has", "Will"}


def starts_a_name(text: str, end: int) -> bool:
    """True when a country name at ``text[:end]`` begins a longer name (中国科学院, China Mobile):
    then it names an organisation, not the country."""
    following = text[end : end + 1]
    if following and _ZH_NAME_CONTINUES.match(following):
        return following not in _ZH_PARTICLES
    match = _EN_NAME_CONTINUES.match(text, end)
    return bool(match) and match.group(0).strip() not in _EN_NOT_A_NAME


def find_places(text: str) -> list[Hit[PlaceEntry]]:
    return list(place_gazetteer().find(text))
