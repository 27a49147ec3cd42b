"""``policyradar demo``: the whole flow on the bundled demo site, each stage as its own process."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from launcher.demo_site import serve_demo_site
from launcher.stack import stack_up, start_web
from policyradar.errors import PolicyRadarError
from policyradar.settings import get_settings

DEMO_SEARCHES = ("subsidy", "算力 补贴", "Shanghai computing")


def _stage(step: str, *args: str) -> None:
    """Run one ``policyradar`` subcommand as a child process, streaming its output."""
    print(f"\n== {step}: policyradar {' '.join(args)}", flush=True)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "launcher", *args], check=False)
    if result.returncode != 0:
        raise PolicyRadarError(f"step '{step}' failed (exit {result.returncode}); see its output above")
    print(f"   ({step} took {time.monotonic() - started:.1f}s)", flush=True)


def demo_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    print("== 1/6 local stack (Kafka + OpenSearch)", flush=True)
    stack_up(settings)
    with serve_demo_site(settings.demo_site_port) as url:
        print(f"\n   demo site served at {url}", flush=True)
        _stage(
            "2/6 crawl",
            "crawl",
            "--source",
            "demo-gov-zh",
            "--source",
            "demo-gov-en",
            "--source",
            "demo-newsroom",
        )
    _stage("3/6 process", "process", "--until-idle")
    _stage("4/6 index", "index", "--until-idle")
    print("\n== 5/6 a few searches", flush=True)
    for query in DEMO_SEARCHES:
        print(f"\n$ policyradar search {query!r} --size 3", flush=True)
        subprocess.run([sys.executable, "-m", "launcher", "search", query, "--size", "3"], check=True)
    print("\n== 6/6 web page", flush=True)
    web_url = start_web(settings)
    print(
        f"\nDone. The stack and the web page are still running.\n"
        f"  web page: {web_url}   (HTTP API docs: {web_url}docs)\n"
        '  search:  .venv/bin/policyradar search "subsidy"        (add --json for JSON)\n'
        "  alert:   .venv/bin/policyradar alerts add big-subsidies --min-amount 10000000 --subsidy-only\n"
        "           .venv/bin/policyradar digest big-subsidies --preview\n"
        "  status:  .venv/bin/policyradar status          (lag, dead letters, sources, digests, index)\n"
        "  stop:    make stop\n",
        flush=True,
    )
    return 0
