"""Is a page the issuer's own publication or a repost? Decided from the page alone.

A page is original when its source is a government site and every attribution line on it
(``来源：``, ``稿源：``, ``转自``, ``转载``, ``Source:``) names the site itself: a self-reference
(本网, 本站, 本局…) or the publisher named in the source's file (``name`` in ``sources/**.yaml``,
either containing the other). A company or media site, or a line naming another outlet, makes a
repost. A government page without any attribution line counts as original.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from indexer.clusters.normalize import compact, fold, source_lines

_SELF = re.compile(r"本网|本站|本局|本委|本厅|本办|本部|本机关|本单位|本院|原创|this (?:site|website)")
_LABEL = re.compile(r"^[\[【]?\s*(?:来源|稿源|信息来源|文章来源|转载自|转载|转自|source)\s*[:：]?", re.I)
_NAME_PART = re.compile(r"\s*[·|｜\-—]\s*")


def publisher_names(sources_dir: Path) -> dict[str, str]:
    """Source id -> its publisher's name (the part of ``name`` before ``·``), from the source files.
    Files that do not read are skipped (``sources validate`` reports them)."""
    names: dict[str, str] = {}
    for path in sorted(sources_dir.rglob("*.yaml")) if sources_dir.is_dir() else []:
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(spec, dict) and isinstance(spec.get("id"), str) and isinstance(spec.get("name"), str):
            names[spec["id"]] = _NAME_PART.split(spec["name"].strip())[0]
    return names


def is_original(source_kind: str, text: str, publisher: str | None = None) -> bool:
    """True when the page is its issuer's own publication (see the module's rule)."""
    if source_kind != "government":
        return False
    own = compact(fold(publisher)) if publisher else ""
    return all(_names_the_site(line, own) for line in source_lines(text))


def _names_the_site(line: str, own: str) -> bool:
    rest = _LABEL.sub("", line).split()
    named = compact(rest[0]) if rest else ""
    if not named or _SELF.search(line):
        return True
    return bool(own) and (named in own or own in named)
