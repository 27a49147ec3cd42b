"""Places: a gazetteer of countries, Chinese divisions and zones (see processors/data/PLACES_SOURCES.md),
and zones named after a place that the gazetteer lacks (合肥高新区, "Suzhou Free Trade Zone")."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
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
    city: str | None = None
    # True for the bare name of an ordinary county (张北 for 张北县), which needs a clean left edge.
    bare_county: bool = False


def read_places(path: Path = PLACES_FILE) -> list[tuple[str, PlaceEntry]]:
    """(surface form, entry) pairs from the places TSV."""
    forms: list[tuple[str, PlaceEntry]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            entry = PlaceEntry(row["canonical"], row["level"], row["province"] or None, row["city"] or None)
            zh_names = row["zh_names"].split("|")
            bare = replace(entry, bare_county=True)
            for name in zh_names:
                is_bare = entry.level == "county" and any(f"{name}{s}" in zh_names for s in _COUNTY_ENDINGS)
                forms.append((name, bare if is_bare else entry))
            names = f"{row['en_names']}|{row['canonical']}".split("|")
            forms.extend((name, entry) for name in names if name)
    return forms


_COUNTY_ENDINGS = ("县", "旗")


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
    """Every place mention in order; a place followed by a zone word (高新区, "High-tech Zone")
    is that zone, with the place's city and province."""
    hits = []
    for hit in place_gazetteer().find(text):
        if hit.entry.bare_county and not _clean_left_edge(text, hit.start, hits):
            continue
        if hit.entry.level == "country" and _CURRENCY_AFTER.match(text, hit.end):
            continue  # US$, U.S. dollars
        zone = _as_zone(text, hit)
        if zone and hits and _FTZ_NAME_OPENING.search(text, hits[-1].start, zone.start):
            # 中国（四川）自由贸易试验区, "China (Sichuan) Pilot Free Trade Zone": one zone, not China
            zone = Hit(text[hits[-1].start : zone.end], hits.pop().start, zone.end, zone.entry)
        hits.append(zone or hit)
    return hits


_FTZ_NAME_OPENING = re.compile(r"(?:中国（|China \()$")


# A bare county name (张北) is read only after a character that can end the word before a place:
# 在张北, 、张北, 河北张北; not inside a word (创新平台 holds 新平).
_BEFORE_A_PLACE = set('在于至到、，,。；：:（(“"《和与及赴从向往省市州盟区县的等及自为由 \n')
_CURRENCY_AFTER = re.compile(r"\s?\$|\s+dollars?\b")


def _clean_left_edge(text: str, start: int, previous: list[Hit[PlaceEntry]]) -> bool:
    if start == 0 or text[start - 1] in _BEFORE_A_PLACE or not _ZH_NAME_CONTINUES.match(text[start - 1]):
        return True
    return bool(previous) and previous[-1].end == start


_ZONE_ZH = [
    ("High-tech Zone", r"(?:国家)?(?:高新技术产业开发区|高新技术开发区|高新技术产业园区|高新区)"),
    ("Economic and Technological Development Zone", r"(?:国家级)?(?:经济技术开发区|经济开发区|经开区)"),
    ("Comprehensive Bonded Zone", r"综合保税区|综保区"),
    ("Pilot Free Trade Zone", r"[）)]?(?:自由贸易试验区|自贸试验区|自贸区)"),
    ("Free Trade Zone Area", r"片区"),
    ("New Area", r"新区"),
]
_ZONE_EN = [
    (
        "High-tech Zone",
        r"(?:National\s+)?(?:High|Hi)-?[Tt]ech(?:nology)?(?:\s+Industr(?:y|ial))?(?:\s+Development)?\s+Zone",
    ),
    (
        "Economic and Technological Development Zone",
        r"Economic(?:\s+and\s+|-)Technolog(?:ical|y)\s+Development\s+(?:Zone|Area)",
    ),
    ("Comprehensive Bonded Zone", r"Comprehensive\s+Bonded\s+Zone"),
    ("Pilot Free Trade Zone", r"\)?\s*(?:Pilot\s+)?Free[\s-]+Trade\s+(?:Zone|Area)|\)?\s*FTZ\b"),
    ("New Area", r"New\s+Area"),
]
_ZONE_AFTER_ZH = re.compile("|".join(f"(?P<zh{i}>{p})" for i, (_, p) in enumerate(_ZONE_ZH)))
_ZONE_AFTER_EN_RE = re.compile(
    "|".join(f"(?P<en{i}>(?:\\s+|(?=\\)))(?:{p}))" for i, (_, p) in enumerate(_ZONE_EN))
)
_ZONE_PARENTS = {"province", "municipality", "city", "district", "county"}
_CANONICAL_SUFFIX = re.compile(r"\s+\(.*\)$|\s+(?:District|County|Banner|City|Prefecture|League)$")


def _as_zone(text: str, hit: Hit[PlaceEntry]) -> Hit[PlaceEntry] | None:
    """合肥高新区, 成都经开区, 中国（四川）自由贸易试验区, "Suzhou High-tech Zone": the zone
    named after ``hit``'s place, from the table when it lists the zone, else a new zone entry."""
    if hit.entry.level not in _ZONE_PARENTS:
        return None
    match = _ZONE_AFTER_ZH.match(text, hit.end) or _ZONE_AFTER_EN_RE.match(text, hit.end)
    if match is None:
        return None
    index = int(match.lastgroup[2:])
    kind = (_ZONE_ZH if match.lastgroup.startswith("zh") else _ZONE_EN)[index][0]
    canonical = f"{_CANONICAL_SUFFIX.sub('', hit.entry.canonical)} {kind}"
    entry = place_gazetteer().get(canonical) or _zone_entry(canonical, hit.entry)
    opened = hit.start and text[hit.start - 1] in "（("
    if not opened and match.group(0).lstrip().startswith((")", "）")):
        return None  # the bracket closes something else
    return Hit(text[hit.start : match.end()], hit.start, match.end(), entry)


def _zone_entry(canonical: str, parent: PlaceEntry) -> PlaceEntry:
    if parent.level in ("province", "municipality"):
        city = parent.canonical if parent.level == "municipality" else None
    else:
        city = parent.canonical if parent.level == "city" else parent.city
    return PlaceEntry(canonical, "zone", parent.province, city)
