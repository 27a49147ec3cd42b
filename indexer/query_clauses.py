"""The top-level clauses of a search text, which the engine joins with the default operator (AND).

``simple_query_string`` with ``default_operator: and`` reads ``大模型 (补贴 | "subsidy")`` as two clauses
a document must both match. Alerts percolate each distinct clause once instead of each alert's whole
text (``indexer.alerts.clauses``), so a text is split only where that reading is certain: whitespace
outside quotes and parentheses, with no operator (``|``, ``+``, ``-``) at the top level and every quote
and parenthesis closed. Anything else is left whole.
"""

from __future__ import annotations

TOP_LEVEL_OPERATORS = frozenset("|+-")


def top_level_clauses(text: str) -> list[str] | None:
    """The clauses of ``text`` joined by AND, in order; ``None`` when ``text`` cannot be split safely
    (an operator at the top level, an unclosed quote or parenthesis, a stray ``)``)."""
    clauses: list[str] = []
    current: list[str] = []
    depth, quoted, index = 0, False, 0
    while index < len(text):
        char = text[index]
        if char == "\\":  # an escaped character belongs to its clause, whatever it is
            current.append(text[index : index + 2])
            index += 2
            continue
        index += 1
        if quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and char in TOP_LEVEL_OPERATORS:
            return None
        elif depth == 0 and char.isspace():
            _close(current, clauses)
            continue
        current.append(char)
    if quoted or depth:
        return None
    _close(current, clauses)
    return clauses


def _close(current: list[str], clauses: list[str]) -> None:
    if current:
        clauses.append("".join(current))
        current.clear()
