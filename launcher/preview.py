"""``sources preview ID`` and ``sources check --live``: dry-run crawls, no Kafka involved.

Both run the real stages as child processes: ``crawl --dry-run`` writes raw records to a temporary
file and (for preview) ``extract --raw`` prints each with the processors' entities.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from policyradar.errors import PolicyRadarError


def _policyradar(
    *args: str, capture: bool = False, env: dict[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            [sys.executable, "-m", "launcher", *args],
            check=False,
            text=True,
            capture_output=capture,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise PolicyRadarError(f"'policyradar {args[0]}' did not finish within {timeout:.0f} s") from exc


def _dry_run(
    source_id: str,
    limit: int,
    out: Path,
    capture: bool,
    sources_dir: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    where = ("--sources-dir", str(sources_dir)) if sources_dir else ()
    return _policyradar(
        "crawl", "--source", source_id, *where, "--dry-run", str(out), "--limit", str(limit),
        capture=capture, env=env, timeout=timeout,
    )  # fmt: skip


@dataclass
class DryRun:
    """A preview crawl: the crawl's exit and output, and its raw records (``records.jsonl``, cut to
    the limit; None when it yielded nothing)."""

    crawl: subprocess.CompletedProcess
    records: Path | None


def crawl_records(
    source_id: str,
    limit: int,
    folder: Path,
    *,
    sources_dir: Path | None = None,
    capture: bool = False,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> DryRun:
    """``crawl --dry-run`` of one source into ``folder``: nothing reaches Kafka."""
    out = folder / "records.jsonl"
    crawl = _dry_run(source_id, limit, out, capture, sources_dir, env, timeout)
    if not out.exists() or not out.read_text(encoding="utf-8").strip():
        return DryRun(crawl, None)
    lines = out.read_text(encoding="utf-8").splitlines()[:limit]  # the crawl may overshoot
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return DryRun(crawl, out)


def enrich_records(
    records: Path,
    *,
    pretty: bool,
    capture: bool = False,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> tuple[subprocess.CompletedProcess, Path]:
    """``extract --raw`` of a dry run's records: the processors' entities, printed (readable with
    ``pretty``) and written as enriched records next to ``records`` (``enriched.jsonl``)."""
    enriched = records.with_name("enriched.jsonl")
    style = ("--pretty",) if pretty else ()
    extract = _policyradar(
        "extract", "--raw", *style, "--enriched-out", str(enriched), str(records),
        capture=capture, env=env, timeout=timeout,
    )  # fmt: skip
    return extract, enriched


def preview_command(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="policyradar-preview-") as folder:
        dry_run = crawl_records(args.source_id, args.limit, Path(folder))
        if dry_run.records is None:
            raise PolicyRadarError(
                f"source {args.source_id!r} yielded no records (crawl exit {dry_run.crawl.returncode})"
            )
        print(
            f"\n== {args.source_id}: records with their entities (nothing was written to Kafka)", flush=True
        )
        extract, enriched = enrich_records(dry_run.records, pretty=True)
        print("\n== alerts these records would fire (nothing is recorded or sent)", flush=True)
        matched = _policyradar("alerts", "match", str(enriched), capture=True)
        problem = (matched.stderr.strip().splitlines() or ["error"])[-1]
        print(matched.stdout if matched.returncode == 0 else f"(alerts not checked: {problem})")
    return 0 if dry_run.crawl.returncode == 0 and extract.returncode == 0 else 1


def check_live_command(args: argparse.Namespace) -> int:
    listing = _policyradar("sources", "list", "--json", capture=True)
    if listing.returncode != 0:
        raise PolicyRadarError(listing.stderr.strip())
    ids = [row["id"] for row in json.loads(listing.stdout) if not args.source or row["id"] in args.source]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="policyradar-check-") as folder:
        for source_id in ids:
            items, problem = _check_source(source_id, Path(folder), args.timeout)
            failed += not items
            status, reason = ("ok", "") if items else ("FAILED", f" ({problem})")
            print(f"{status:<7}{source_id:<36}{items} item(s){reason}", flush=True)
    print(f"{len(ids) - failed} of {len(ids)} sources extract items from their live sites")
    return 1 if failed else 0


def _check_source(source_id: str, folder: Path, timeout: float) -> tuple[int, str]:
    """(items a dry run of ``source_id`` extracted, what went wrong when none): a crawl still running
    after ``timeout`` seconds is stopped, and what it extracted by then counts."""
    out = folder / f"{source_id}.jsonl"
    try:
        problem = _last_error(_dry_run(source_id, 3, out, capture=True, timeout=timeout).stderr)
    except PolicyRadarError as exc:  # it did not finish in time
        problem = str(exc)
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    return sum(1 for line in lines if "title" in _record_or_empty(line)), problem


def _record_or_empty(line: str) -> dict:
    """A dry run's record; {} for a line a stopped crawl left half written."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "ERROR" in line or "Error" in line]
    return (lines[-1] if lines else "no items").strip()[-160:]
