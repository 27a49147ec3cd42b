"""Canonical English names of issuing bodies (processors/data/issuer_bodies.yaml).

National bodies have fixed names. A local body is "<place canonical> <body>": the place resolved
with the places gazetteer, the body translated word by word with the glossary, its suffix last
(北京市经济和信息化局 -> Beijing Economy and Information Technology Bureau).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from policyradar.errors import ConfigError
from processors.extractors.gazetteer import Gazetteer
from processors.extractors.places import find_places, read_places

BODIES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "issuer_bodies.yaml"
_SECTIONS = ("national", "words", "whole", "suffixes", "english_words")


@dataclass(frozen=True)
class BodyGlossary:
    national: Gazetteer[str]
    words: dict[str, str]
    whole: dict[str, str]
    suffixes: dict[str, str]
    english_words: dict[str, str]
    # place -> a name a text may use -> canonical ("Hong Kong" -> "ITIB" -> "Hong Kong Innovation, ...")
    regional: dict[str, dict[str, str]]


def read_glossary(path: Path = BODIES_FILE) -> BodyGlossary:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the issuing bodies: {exc}") from exc
    missing = [s for s in _SECTIONS if not isinstance(data.get(s), dict)]
    if missing:
        raise ConfigError(f"{path}: section(s) {missing} missing or not a mapping")
    forms = [
        (form, canonical) for canonical, names in data["national"].items() for form in [canonical, *names]
    ]
    return BodyGlossary(
        Gazetteer(forms),
        {str(k): str(v) for k, v in data["words"].items()},
        {str(k): str(v) for k, v in data["whole"].items()},
        {str(k): str(v) for k, v in data["suffixes"].items()},
        {str(k).lower(): str(v) for k, v in data["english_words"].items()},
        _read_regional(data.get("regional") or {}, path),
    )


def _read_regional(table: object, path: Path) -> dict[str, dict[str, str]]:
    if not isinstance(table, dict) or not all(isinstance(b, dict) for b in table.values()):
        raise ConfigError(f"{path}: section 'regional' must map each place to its bodies")
    regional: dict[str, dict[str, str]] = {}
    for place, bodies in table.items():
        forms: dict[str, str] = {}
        for official, names in bodies.items():
            canonical = regional_canonical(str(place), str(official))
            for form in [official, *(names or [])]:
                forms[str(form)] = canonical
        regional[str(place)] = forms
    return regional


def regional_canonical(place: str, official: str) -> str:
    """ "<place> <official English name>", unless the name already says the place."""
    return official if place in official else f"{place} {official}"


_NON_MAINLAND_PROVINCES = ("Hong Kong", "Macau", "Taiwan")


@lru_cache(maxsize=1)
def _non_mainland_places() -> frozenset[str]:
    return frozenset(
        entry.canonical
        for _, entry in read_places()
        if entry.province in _NON_MAINLAND_PROVINCES
        or (entry.level == "country" and entry.canonical != "China")
    )


def is_non_mainland(place: str) -> bool:
    """True for Hong Kong, Macau, Taiwan (and their cities) and other countries: their bodies keep
    their official English names, after the place."""
    return place in _non_mainland_places()


def regional_body(name: str, place: str) -> str | None:
    """The canonical name of a Hong Kong, Macau, Taiwan or foreign body listed in the table."""
    return glossary().regional.get(place, {}).get(name.strip())


@lru_cache(maxsize=1)
def glossary() -> BodyGlossary:
    return read_glossary()


def national_body(name: str) -> str | None:
    """The canonical name of a national body written exactly as ``name``, else None."""
    return glossary().national.get(name.strip())


def leading_place(name: str) -> tuple[str, int] | None:
    """The most specific place that ``name`` opens with (天津市河北区 -> Hebei District) and where
    the place ends; None when it does not open with a place."""
    place, end = None, 0
    for hit in find_places(name):
        if hit.start != end:
            break
        place, end = hit.entry.canonical, hit.end
    return (place, end) if place else None


def zh_body_canonical(name: str, context_place: str | None = None) -> str | None:
    """The canonical English name of a (simplified) Chinese body name, or None when it is not one
    we can name. A name without its place (创新科技及工业局) is looked up among the bodies of
    ``context_place`` when that is outside the mainland."""
    name = name.strip()
    national = national_body(name)
    if national:
        return national
    found = leading_place(name)
    if not found:
        return regional_body(name, context_place) if context_place else None
    place, end = found
    rest = name[end:]
    # Taiwan and Hong Kong name the government before the bureau: 臺中市政府經濟發展局.
    without_government = rest[2:] if rest.startswith("政府") else rest
    body = None
    if is_non_mainland(place):
        body = regional_body(rest, place) or regional_body(without_government, place)
        if body:
            return body
    body = translate_zh_body(rest) or (translate_zh_body(without_government) if without_government else None)
    return f"{place} {body}" if body else None


def translate_zh_body(rest: str) -> str | None:
    """经济和信息化局 -> Economy and Information Technology Bureau; None unless every character is
    covered by the glossary and it ends with a suffix or a whole-body word."""
    g = glossary()
    parts: list[str] = []
    position, last_is_suffix = 0, False
    while position < len(rest):
        for table, is_suffix in ((g.whole, True), (g.words, False), (g.suffixes, True)):
            word = _longest_prefix(rest, position, table)
            if word:
                parts.append(table[word])
                position += len(word)
                last_is_suffix = is_suffix
                break
        else:
            return None
    return " ".join(parts) if parts and last_is_suffix else None


def _longest_prefix(text: str, position: int, table: dict[str, str]) -> str | None:
    for size in range(min(12, len(text) - position), 0, -1):
        if text[position : position + size] in table:
            return text[position : position + size]
    return None


_EN_KIND = r"Bureau|Commission|Department|Office|Administration|Authority|Committee|Administrative Committee"
_EN_LEVEL = re.compile(
    r"\b(?:Municipal(?:ity)?|Provincial|City|District|Autonomous Region|Regional|Region|New Area|"
    r"Government's|Government)\b\s*"
)
_EN_OF_FORM = re.compile(rf"^(?P<kind>{_EN_KIND})\s+(?:of|for)\s+(?P<words>.+)$")
_EN_TRAILING_KIND = re.compile(rf"^(?P<words>.*?)\s*\b(?P<kind>{_EN_KIND})$")


def en_body_canonical(name: str, context_place: str | None = None) -> str | None:
    """The canonical name of an English body name (the Beijing Municipal Bureau of Economy and
    Information Technology -> Beijing Economy and Information Technology Bureau), or None."""
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    national = national_body(name)
    if national:
        return national
    if re.search(r"People's Government$|^(?:municipal|city|provincial|district) government$", name, re.I):
        hits = find_places(name)
        place = hits[-1].entry.canonical if hits else context_place
        general = name.startswith("General Office")
        return f"{place} {'General Office of the ' if general else ''}People's Government" if place else None
    # Words before the place open the sentence, not the name ("Under Beijing Municipal ..."), unless
    # the name ends with its place ("Administrative Committee of the East Lake High-tech Zone").
    searchable = place_searchable(name)
    hits = find_places(searchable)
    found = leading_place(searchable[hits[0].start :]) if hits else None
    if found:
        place, rest = found[0], name[hits[0].start + found[1] :]
        if not rest.strip():
            rest = re.sub(r"\s+of(?:\s+the)?\s*$", "", name[: hits[0].start])
    else:
        place, rest = context_place, name
    if not place:
        return None
    if is_non_mainland(place):
        return _official_name(place, rest)
    rest = _EN_LEVEL.sub("", rest).strip()
    if re.fullmatch(r"(?:Administrative|Management) Committee", rest):
        return f"{place} Administrative Committee"
    match = _EN_OF_FORM.match(rest) or _EN_TRAILING_KIND.match(rest)
    if not match or not match["words"].strip():
        return None
    words = match["words"].strip()
    words = glossary().english_words.get(words.lower(), words)
    return f"{place} {words} {match['kind']}"


def place_searchable(name: str) -> str:
    """``name``, or (when that names more of a place) with capitals after hyphens ("High-tech" ->
    "High-Tech"), since official names are written both ways; same length, so offsets hold."""
    variant = re.sub(r"(?<=\w-)[a-z]", lambda m: m[0].upper(), name)
    return max((name, variant), key=lambda form: sum(h.end - h.start for h in find_places(form)))


_EN_REGIONAL_KIND = re.compile(
    r"\b(?:Bureau|Commission|Department|Office|Administration|Authority|Council|Ministry|Agency|Board|"
    r"Committee|Fund)\b"
)


_REGIONAL_OPENING = re.compile(r"^(?:['’]s\b)?\s*(?:the\s+)?(?:SAR\s+)?(?:Government['’]s\s+)?(?:the\s+)?")


def _official_name(place: str, rest: str) -> str | None:
    """A Hong Kong, Macau, Taiwan or foreign body: its place and its official English name as
    written (Taiwan's Ministry of Economic Affairs -> Taiwan Ministry of Economic Affairs)."""
    rest = _REGIONAL_OPENING.sub("", rest).strip()
    listed = regional_body(rest, place)
    if listed:
        return listed
    return regional_canonical(place, rest) if _EN_REGIONAL_KIND.search(rest) else None
