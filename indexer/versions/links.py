"""Notices that revise or repeal another (修订, 废止, 同时废止, "replaces", "repeals", "supersedes") are
linked to it: the sentence with the cue names the other by its document number (文号) or its title in
《》, and the other is found in the index by ``facts.doc_number`` or by its title. The links go into
the document's ``revises`` (ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from indexer.engine import Engine

_CUE = re.compile(
    r"修订|修正|废止|停止执行|不再执行|代替|取代|替代|"
    r"\b(?:replac(?:e|es|ed|ing)|repeal(?:s|ed|ing)?|supersed(?:e|es|ed|ing)|revis(?:e|es|ed|ing)|"
    r"rescind(?:s|ed)?|annul(?:s|led)?)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?|[^.;!?\n]+[.;!?]?")
_OPEN, _CLOSE = re.escape("〔[［【(（"), re.escape("〕]］】)）")
_DOC_NUMBER = re.compile(
    rf"(?P<code>[\u4e00-\u9fff]{{2,12}})\s*[{_OPEN}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE}]"
    r"\s*(?P<serial>第?\d{1,5})\s*号"
)
# A cited title: in 《》 (Chinese) or in curly quotes (English).
_TITLE = re.compile(r"《([^《》]{4,120})》|“([^“”]{8,160})”")
# Annotations a revised title carries that its earlier version does not (（2024年修订）, （修订稿）).
_REVISION_NOTE = re.compile(r"[（(](?:\d{4}年)?(?:修订|修正|修订稿|修订版|征求意见稿)[)）]|〈|〉|[\s《》]")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
MAX_LINKS = 10


@dataclass(frozen=True)
class References:
    """The documents a notice says it revises or repeals: their numbers and titles."""

    numbers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.numbers or self.titles)


def references(doc: dict[str, Any]) -> References:
    """The numbers and titles named in the sentences of ``doc`` that revise or repeal something,
    not counting the document's own number."""
    own = (doc.get("facts") or {}).get("doc_number")
    numbers: list[str] = []
    titles: list[str] = []
    for sentence in _SENTENCE.findall(f"{doc.get('text') or ''}".translate(_FULL_WIDTH_DIGITS)):
        if not _CUE.search(sentence):
            continue
        for match in _DOC_NUMBER.finditer(sentence):
            numbers += [n for n in _candidate_numbers(match) if n != own]
        titles += [
            title for match in _TITLE.finditer(sentence) if normal_title(title := match[1] or match[2])
        ]
    return References(tuple(dict.fromkeys(numbers)), tuple(dict.fromkeys(titles)))


def _candidate_numbers(match: re.Match[str]) -> list[str]:
    """The numbers a match may be: the Han characters before the bracket hold the issuer's code and
    maybe words of the sentence (同时废止京经信发〔2022〕5号), so every ending of two or more of them is
    a candidate; the index holds the real one exactly."""
    code = match["code"]
    tail = f"〔{match['year']}〕{match['serial']}号"
    return [code[start:] + tail for start in range(len(code) - 1)]


def normal_title(title: str) -> str:
    """A title as compared: brackets, spaces and revision notes left out."""
    return _REVISION_NOTE.sub("", title)


def same_title(cited: str, indexed: str) -> bool:
    """Whether a title cited in 《》 names the indexed title (which may carry its issuer in front)."""
    a, b = normal_title(cited), normal_title(indexed)
    if not a or not b:
        return False
    return a == b or (b.endswith(a) and len(a) >= 0.6 * len(b)) or a == _notice_body(b)


def _notice_body(title: str) -> str:
    """关于印发XX办法的通知 -> XX办法: the document a covering notice issues."""
    match = re.fullmatch(r".*?关于印发(.+?)的通知", title)
    return match[1] if match else ""


class RevisionLinker:
    """Sets ``revises`` on documents whose text revises or repeals a document in the index."""

    def __init__(self, engine: Engine, alias: str) -> None:
        self.engine = engine
        self.alias = alias

    def link(self, docs: list[dict[str, Any]]) -> None:
        """Set ``revises`` on the documents that revise or repeal others (one multi-search for all)."""
        cited = [(doc, refs) for doc in docs if (refs := references(doc))]
        answers = self.engine.search_many(self.alias, [_revised_query(refs) for _, refs in cited])
        for (doc, refs), answer in zip(cited, answers, strict=True):
            doc["revises"] = _revised(doc, refs, answer["hits"]["hits"])


def _revised_query(refs: References) -> dict[str, Any]:
    should: list[dict[str, Any]] = []
    if refs.numbers:
        should.append({"terms": {"facts.doc_number": list(refs.numbers)}})
    should += [{"match_phrase": {"title.cjk": title}} for title in refs.titles]
    return {
        "query": {"bool": {"should": should, "minimum_should_match": 1}},
        "_source": ["id", "title", "facts.doc_number"],
        "size": 50,
    }


def _revised(doc: dict[str, Any], refs: References, hits: list[dict[str, Any]]) -> list[str]:
    """The ids among ``hits`` that ``refs`` really name, never ``doc`` or a copy of it."""
    own_title = normal_title(doc.get("title") or "")
    found: list[str] = []
    for hit in hits:
        source = hit["_source"]
        if source.get("id") == doc["id"] or normal_title(source.get("title") or "") == own_title:
            continue
        number = (source.get("facts") or {}).get("doc_number")
        if number in refs.numbers or any(same_title(t, source.get("title") or "") for t in refs.titles):
            found.append(source["id"])
    return sorted(set(found))[:MAX_LINKS]
