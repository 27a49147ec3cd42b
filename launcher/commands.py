"""Handlers of the core's own subcommands (the stages' handlers live in their packages)."""

from __future__ import annotations

import argparse
import time

from launcher.demo_site import serve_demo_site
from launcher.stack import stack_down, stack_status, stack_up
from policyradar.settings import get_settings


def stack_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.action == "up":
        stack_up(settings)
    elif args.action == "down":
        stack_down(settings)
    else:
        return 0 if stack_status(settings) else 1
    return 0


def demo_site_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    with serve_demo_site(settings.demo_site_port) as url:
        print(f"serving the demo site at {url} (Ctrl-C to stop)")
        while True:
            time.sleep(3600)
