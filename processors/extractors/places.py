"""Places: a gazetteer of Chinese divisions and zones (see processors/data/PLACES_SOURCES.md)."""

from __future__ import annotations

import csv
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


def find_places(text: str) -> list[Hit[PlaceEntry]]:
    return list(place_gazetteer().find(text))
