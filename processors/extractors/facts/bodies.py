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
from processors.extractors.places import find_places

BODIES_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "issuer_bodies.yaml"
_SECTIONS = ("national", "words", "whole", "suffixes", "english_words")


@dataclass(frozen=True)
class BodyGlossary:
    national: Gazetteer[str]
    words: dict[str, str]
    whole: dict[str, str]
    suffixes: dict[str, str]
    english_words: dict[str, str]


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
    )


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


def zh_body_canonical(name: str) -> str | None:
    """The canonical English name of a Chinese body name, or None when it is not one we can name."""
    name = name.strip()
    national = national_body(name)
    if national:
        return national
    found = leading_place(name)
    if not found:
        return None
    place, end = found
    body = translate_zh_body(name[end:])
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


_EN_KIND = r"Bureau|Commission|Department|Office|Administration|Committee|Administrative Committee"
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
    # Words before the place open the sentence, not the name ("Under Beijing Municipal ...").
    hits = find_places(name)
    found = leading_place(name[hits[0].start :]) if hits else None
    if found:
        place, rest = found[0], name[hits[0].start + found[1] :]
    else:
        place, rest = context_place, name
    if not place:
        return None
    rest = _EN_LEVEL.sub("", rest).strip()
    match = _EN_OF_FORM.match(rest) or _EN_TRAILING_KIND.match(rest)
    if not match or not match["words"].strip():
        return None
    words = match["words"].strip()
    words = glossary().english_words.get(words.lower(), words)
    return f"{place} {words} {match['kind']}"
