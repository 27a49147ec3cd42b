"""The bilingual glossary of policy terms (``indexer/data/glossary.tsv``) and the query expansion it drives.

Each line of the glossary is one concept: its Chinese terms and its English terms, all equivalent. A
search expands every glossary term it contains into the concept's other terms, so "computing voucher"
also looks for 算力券 and 大模型 also for "large model" (see docs/search.md for why the expansion is
done here rather than by a synonym filter in the engine).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.text_fold import fold_script, has_han
from policyradar.errors import ConfigError

GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "glossary.tsv"

# What a term may hold: no query syntax (quotes, parentheses, operators, wildcards) can slip in.
_CHINESE_TERM = re.compile(r"^[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9·]+$")
_ENGLISH_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 '&./-]*$")
_SEPARATOR = re.compile(r"[\s-]+")
_LATIN_EDGE = "A-Za-z0-9"


class GlossaryError(ConfigError):
    """A glossary line cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Concept:
    """One glossary line: equivalent Chinese and English terms."""

    line: int
    chinese: tuple[str, ...]
    english: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.chinese + self.english


def term_key(term: str) -> str:
    """How a term is compared: Simplified script, lower case, hyphens and runs of spaces as one space."""
    return _SEPARATOR.sub(" ", fold_script(term).casefold()).strip()


def _plural_free(key: str) -> Iterator[str]:
    """``key`` and, for English, what it would be without a plural ending."""
    yield key
    if key.endswith("ies"):
        yield key[:-3] + "y"
    if key.endswith("es"):
        yield key[:-2]
    if key.endswith("s"):
        yield key[:-1]


class Glossary:
    """Concepts and a matcher that finds their terms in query text."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        self._by_key = {term_key(t): c for c in concepts for t in c.terms}
        terms = sorted({t for c in concepts for t in c.terms}, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(_term_pattern(t) for t in terms), re.IGNORECASE) if terms else None
        )

    def __len__(self) -> int:
        return len(self.concepts)

    def concept_of(self, text: str) -> Concept | None:
        """The concept ``text`` names (plural English endings allowed), if any."""
        key = term_key(text)
        return next((self._by_key[k] for k in _plural_free(key) if k in self._by_key), None)

    def expand(self, query: str) -> str:
        """``query`` (simple_query_string syntax) with each glossary term replaced by a group of the
        term as written and its concept's other terms as phrases: ``算力券 上海`` becomes
        ``(算力券 | "computing voucher" | ...) 上海``. A quoted phrase is expanded only when it is a
        term as a whole; a term followed by ``*`` (a prefix) is left alone."""
        if self._pattern is None:
            return query
        parts = query.split('"')
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(self._expand_words(part))
            elif i == len(parts) - 1:  # a quote that is never closed: left as written
                out.append('"' + part)
            else:
                out.append(self._expand_phrase(part))
        return "".join(out)

    def _expand_words(self, text: str) -> str:
        assert self._pattern is not None
        out, last = "", 0
        for match in self._pattern.finditer(text):
            concept = self.concept_of(match.group())
            if concept is None or text[match.end() : match.end() + 1] in ("'", "’"):
                continue  # a possessive (Hangzhou's): a group would leave "'s" as a word of its own
            written = match.group()
            group = _group(f"({written})" if " " in written else written, written, concept)
            out += text[last : match.start()]
            after = text[match.end()] if match.end() < len(text) else " "
            out += _spaced(group, out[-1:] or " ", after)
            last = match.end()
        return out + text[last:]

    def _expand_phrase(self, phrase: str) -> str:
        concept = self.concept_of(phrase)
        return f'"{phrase}"' if concept is None else _group(f'"{phrase}"', phrase, concept)


def _group(written: str, matched: str, concept: Concept) -> str:
    own = term_key(matched)
    others = [f'"{t}"' for t in concept.terms if term_key(t) not in set(_plural_free(own))]
    return "(" + " | ".join([written, *others]) + ")"


def _spaced(group: str, before: str, after: str) -> str:
    """``group`` with a space on each side where it would otherwise touch a word."""
    left = "" if before.isspace() or before in "-+(|" else " "
    right = "" if after.isspace() or after in ")|" else " "
    return f"{left}{group}{right}"


def _term_pattern(term: str) -> str:
    if has_han(term):
        return re.escape(term) + r"(?!\*)"
    *head, last = _SEPARATOR.split(term.strip())
    # The plural endings ``concept_of`` takes off: -s, -es, and -ies for a final -y.
    ending = re.escape(last[:-1]) + "(?:y|ies)" if last.endswith("y") else re.escape(last) + "(?:s|es)?"
    words = r"[\s-]+".join([*(re.escape(w) for w in head), ending])
    return rf"(?<![{_LATIN_EDGE}]){words}(?![{_LATIN_EDGE}*])"


def parse_glossary(text: str, source: str) -> Glossary:
    """The glossary in ``text`` (the file ``source``, named in errors)."""
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        concept = _parse_line(line, f"{source} line {number}", number)
        for term in concept.terms:
            key = term_key(term)
            if key in seen:
                raise GlossaryError(
                    f"{source} line {number}: term {term!r} is already on line {seen[key]}; "
                    "merge the two lines or drop one"
                )
            seen[key] = number
        concepts.append(concept)
    return Glossary(concepts)


def _parse_line(line: str, where: str, number: int) -> Concept:
    columns = line.split("\t")
    if len(columns) != 2:
        raise GlossaryError(
            f"{where}: expected two columns separated by a tab (Chinese terms, English terms), "
            f"found {len(columns)}"
        )
    chinese = _terms(columns[0], where, "Chinese")
    english = _terms(columns[1], where, "English")
    for term in chinese:
        if not has_han(term) or not _CHINESE_TERM.match(term):
            raise GlossaryError(
                f"{where}: Chinese term {term!r} must hold Chinese characters, with no spaces or punctuation"
            )
    for term in english:
        if not _ENGLISH_TERM.match(term):
            raise GlossaryError(
                f"{where}: English term {term!r} may hold only letters, digits, spaces and ' & . / -"
            )
    return Concept(number, tuple(fold_script(t) for t in chinese), english)


def _terms(column: str, where: str, side: str) -> tuple[str, ...]:
    terms = tuple(" ".join(t.split()) for t in column.split("|"))
    if not all(terms):
        raise GlossaryError(f"{where}: empty term in the {side} column (terms are separated by '|')")
    return terms


def load_glossary(path: Path) -> Glossary:
    """The glossary in the file ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GlossaryError(f"{path}: cannot read the glossary ({exc})") from exc
    return parse_glossary(text, str(path))


@functools.cache
def default_glossary() -> Glossary:
    """The glossary shipped with the indexer, read once."""
    return load_glossary(GLOSSARY_PATH)
