"""Chinese script folding for search: Traditional characters become Simplified (OpenCC ``t2s``).

Both sides of a search are folded the same way: the indexer writes a folded copy of a title or body
whose folding changes it (``indexer.mapping.document_from_record``, field ``folded``), and the query
text is folded before it is sent (``indexer.query``). So 資助計劃 finds 资助计划 and the reverse, while
the original text stays what is stored, shown and highlighted.
"""

from __future__ import annotations

import re

from indexer.clusters.normalize import to_simplified

# CJK ideographs (the unified block and extension A, and the compatibility ideographs).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character."""
    return _HAN.search(text) is not None


def fold_script(text: str) -> str:
    """``text`` with Traditional Chinese characters folded to Simplified; text without Chinese
    characters is returned as it is."""
    return to_simplified(text) if has_han(text) else text


def folded_copy(text: str | None) -> str | None:
    """The folded text when folding changes ``text``, else None (nothing extra to index)."""
    if not text:
        return None
    folded = fold_script(text)
    return folded if folded != text else None
