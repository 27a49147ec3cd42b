"""``policyradar reprocess``: re-run extraction over the whole raw topic into a new index version,
then swap the alias to it. Search keeps answering from the old version until the atomic swap.

Each step is an ordinary stage process pointed at its own topic, consumer groups and index:
1. ``indices next`` creates ``announcements-v<N+1>``;
2. ``process`` reads the raw topic from the beginning (a fresh consumer group) into a dedicated
   enriched topic, and ``index --into`` writes that topic into the new index;
3. ``indices swap`` points the alias at the new index;
4. one more process + index pass picks up what arrived while steps 2–3 ran (its groups resume where
   they stopped). The old index is kept for rollback (``indices swap <old>``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from policyradar.errors import PolicyRadarError
from policyradar.settings import child_environment, get_settings


def _run(step: str, args: list[str], env: dict[str, str], capture: bool = False) -> str:
    print(f"== {step}", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if result.returncode != 0:
        raise PolicyRadarError(
            f"reprocess step '{step}' failed (exit {result.returncode}); nothing was swapped"
        )
    return (result.stdout or "").strip()


def reprocess_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    new_index = _run("create the next index version", ["indices", "next"], child_environment(), capture=True)
    print(f"   new index: {new_index}")
    env = child_environment(
        POLICYRADAR_TOPIC_ENRICHED=f"{settings.topic_enriched}.{new_index}",
        POLICYRADAR_GROUP_PROCESSOR=f"{settings.group_processor}.{new_index}",
        POLICYRADAR_GROUP_INDEXER=f"{settings.group_indexer}.{new_index}",
    )
    for label in ("re-extract the raw topic", "catch up after the swap"):
        _run(f"{label}: process", ["process", "--until-idle"], env)
        _run(f"{label}: index into {new_index}", ["index", "--until-idle", "--into", new_index], env)
        if label.startswith("re-extract"):
            _run(
                f"swap {settings.index_alias} to {new_index}",
                ["indices", "swap", new_index],
                child_environment(),
            )
    print(
        f"done: {settings.index_alias} now serves {new_index}; older versions are kept "
        "('policyradar indices list'; roll back with 'policyradar indices swap <old>')"
    )
    return 0
