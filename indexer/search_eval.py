"""Search quality on judged queries: nDCG@10 of the text search before and after folding and the glossary.

The judged queries live in ``indexer/data/search_judgments.yaml``. "before" is the text match as it
was (the query sent as written, over the original fields); "after" folds Traditional script and
expands glossary terms (``indexer.query.text_query``). Both run against the same index, so the only
difference is the query. The corpus is built and indexed by ``launcher.search_eval`` (the dev set and
the demo pages go through the processors, which this room may not import).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from indexer.engine import Engine
from indexer.query import text_query
from policyradar.errors import ConfigError

JUDGMENTS_PATH = Path(__file__).resolve().parent / "data" / "search_judgments.yaml"
K = 10
MODES: dict[str, dict[str, bool]] = {
    "before": {"fold": False, "expand": False},
    "after": {"fold": True, "expand": True},
}


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    lang: str
    q: str
    tags: tuple[str, ...]
    relevant: dict[str, int]  # document id -> grade (1 or 2); unlisted documents are 0


@dataclass(frozen=True)
class QueryScore:
    query: JudgedQuery
    scores: dict[str, float]  # mode -> nDCG@K


def load_judgments(path: Path = JUDGMENTS_PATH) -> list[JudgedQuery]:
    """The judged queries in ``path``; an error names the file and the query."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the judged queries ({exc})") from exc
    items = data.get("queries") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: expected a non-empty list under 'queries'")
    queries = [_judged(item, path, n) for n, item in enumerate(items, start=1)]
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: query ids must be unique")
    return queries


def _judged(item: Any, path: Path, n: int) -> JudgedQuery:
    where = f"{path}: query {item.get('id', n) if isinstance(item, dict) else n}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping")
    missing = [key for key in ("id", "lang", "q", "relevant") if not item.get(key)]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    relevant = item["relevant"]
    if not isinstance(relevant, dict) or any(grade not in (1, 2) for grade in relevant.values()):
        raise ConfigError(f"{where}: 'relevant' must map document ids to grades 1 or 2")
    return JudgedQuery(
        str(item["id"]), str(item["lang"]), str(item["q"]), tuple(item.get("tags") or ()), dict(relevant)
    )


def judged_documents(queries: Iterable[JudgedQuery]) -> set[str]:
    return {doc for q in queries for doc in q.relevant}


def dcg(grades: Iterable[int]) -> float:
    """Discounted cumulative gain with gains 2^grade - 1."""
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg_at(ranked: list[str], relevant: Mapping[str, int], k: int = K) -> float:
    """nDCG@k of ``ranked`` document ids against graded ``relevant`` ones (0 when none is relevant)."""
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    return dcg(relevant.get(doc, 0) for doc in ranked[:k]) / ideal if ideal else 0.0


def ranked_ids(engine: Engine, index: str, q: str, mode: str, k: int = K) -> list[str]:
    """The ids of the first ``k`` documents the text match of ``mode`` ranks for ``q``."""
    body = {"query": text_query(q, **MODES[mode]), "size": k, "_source": False}
    return [hit["_id"] for hit in engine.search(index, body)["hits"]["hits"]]


def evaluate(engine: Engine, index: str, queries: list[JudgedQuery]) -> list[QueryScore]:
    return [
        QueryScore(q, {mode: ndcg_at(ranked_ids(engine, index, q.q, mode), q.relevant) for mode in MODES})
        for q in queries
    ]


def _groups(scores: list[QueryScore]) -> list[tuple[str, list[QueryScore]]]:
    tags = sorted({tag for s in scores for tag in s.query.tags})
    return [
        ("English queries", [s for s in scores if s.query.lang == "en"]),
        ("Chinese queries", [s for s in scores if s.query.lang == "zh"]),
        *((f"tagged {tag}", [s for s in scores if tag in s.query.tags]) for tag in tags),
        ("all queries", scores),
    ]


def report(scores: list[QueryScore], *, per_query: bool = False) -> str:
    """Mean nDCG@K before and after, per language, per tag and overall (and each query's)."""
    lines = [f"{'nDCG@' + str(K):<24}{'queries':>8}{'before':>9}{'after':>9}"]
    for label, group in _groups(scores):
        if group:
            means = [sum(s.scores[mode] for s in group) / len(group) for mode in MODES]
            lines.append(f"{label:<24}{len(group):>8}{means[0]:>9.3f}{means[1]:>9.3f}")
    if per_query:
        lines.append("")
        lines += [
            f"{s.query.id:<8}{s.scores['before']:>7.3f}{s.scores['after']:>7.3f}  {s.query.q}" for s in scores
        ]
    return "\n".join(lines)
