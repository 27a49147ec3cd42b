"""``policyradar similar``: the repost clusters of text files, with the pipeline's code and thresholds.

Each file is a page as the indexer compares it (title on the first line, then the body); files are
clustered in the order given and a cluster is named after its first file. ``--eval`` scores "same
cluster" on a labelled pair set instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from indexer.clusters.book import ClusterBook
from indexer.clusters.sketch import sketch_text
from policyradar.errors import PolicyRadarError
from policyradar.settings import PROJECT_ROOT
from policyradar.textfiles import read_utf8_text

DEFAULT_PAIRS = PROJECT_ROOT / "processors" / "eval" / "pairs"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def page_language(text: str) -> str:
    """``zh`` when Han characters carry at least as much of the text as Latin letters (one Han
    character weighs three letters), else ``en``: the process stage's rule for ``detected_language``."""
    sample = text[:5000]
    han, latin = len(_HAN.findall(sample)), len(_LATIN.findall(sample))
    return "zh" if han and han * 3 >= latin else "en"


def cluster_texts(texts: list[tuple[str, str]], lang: str = "auto") -> dict[str, str]:
    """Name -> cluster (the name of its cluster's first member) for (name, text) pairs, in order."""
    position = {name: n for n, (name, _) in enumerate(texts)}
    book = ClusterBook(order=position.__getitem__)
    for name, text in texts:
        book.add(name, sketch_text(text, page_language(text) if lang == "auto" else lang))
    return {name: book.cluster_of(name) for name, _ in texts}


def similar_command(args: argparse.Namespace) -> int:
    if args.eval is not None:
        return _print_eval(evaluate(Path(args.eval) if args.eval else DEFAULT_PAIRS, args.lang))
    if not args.files:
        raise PolicyRadarError("similar: give FILEs to cluster, or --eval [DIR]")
    paths = [Path(name) for name in args.files]
    clusters = cluster_texts([(str(n), read_utf8_text(p)) for n, p in enumerate(paths)], args.lang)
    for n, path in enumerate(paths):
        cluster = paths[int(clusters[str(n)])].stem
        sys.stdout.write(json.dumps({"id": path.stem, "cluster": cluster}, ensure_ascii=False) + "\n")
    return 0


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, same: bool, predicted: bool, label: str) -> None:
        if same and predicted:
            self.tp += 1
        elif same:
            self.fn += 1
            self.misses.append(f"missed copy: {label}")
        elif predicted:
            self.fp += 1
            self.misses.append(f"wrongly joined: {label}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(folder: Path, lang: str = "auto") -> dict[str, Score]:
    """Precision and recall of "same cluster" over the labelled pairs in ``folder`` (``labels.jsonl``
    of ``{"a", "b", "same", "kind"}``, ``a`` and ``b`` naming files under ``texts/`` with or without
    ``.txt``), all texts clustered together
    in name order, as the index would see them. Keys: ``all`` and each kind."""
    pairs = _read_labels(folder / "labels.jsonl")
    names = sorted({name for pair in pairs for name in (pair["a"], pair["b"])})
    clusters = cluster_texts([(name, read_utf8_text(_text_file(folder, name))) for name in names], lang)
    scores: dict[str, Score] = defaultdict(Score)
    for pair in pairs:
        predicted = clusters[pair["a"]] == clusters[pair["b"]]
        label = f"{pair['a']} / {pair['b']} ({pair.get('kind', '?')})"
        for key in ("all", str(pair.get("kind", "?"))):
            scores[key].add(bool(pair["same"]), predicted, label)
    return dict(scores)


def _text_file(folder: Path, name: str) -> Path:
    """A pair's text: ``texts/<name>``, or ``texts/<name>.txt`` when the label gives the file stem."""
    path = folder / "texts" / name
    return path if path.suffix or path.exists() else path.with_suffix(".txt")


def _read_labels(path: Path) -> list[dict]:
    pairs = []
    for number, line in enumerate(read_utf8_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PolicyRadarError(f"{path}:{number}: not JSON: {exc.msg}") from exc
        missing = [key for key in ("a", "b", "same") if key not in pair]
        if missing:
            raise PolicyRadarError(f"{path}:{number}: missing field {missing[0]!r}")
        pairs.append(pair)
    return pairs


def _print_eval(scores: dict[str, Score]) -> int:
    """One line per kind: pairs, precision and recall of "same", wrongly joined and missed pairs."""
    print(f"{'pairs':<24} {'n':>5} {'precision':>10} {'recall':>8} {'joined':>7} {'missed':>7}")
    for key in ["all", *sorted(k for k in scores if k != "all")]:
        s = scores[key]
        n = s.tp + s.fp + s.fn + s.tn
        print(f"{key:<24} {n:>5} {s.precision:>10.3f} {s.recall:>8.3f} {s.fp:>7} {s.fn:>7}")
    for miss in scores["all"].misses if "all" in scores else []:
        print(miss)
    return 0
