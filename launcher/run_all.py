"""``policyradar run``: every stage, the digest scheduler and the web page on one machine.

Each part runs as its own process, as it would in production; a part that exits is started again
after a pause, and SIGTERM/Ctrl-C stops them all (each finishes its current batch).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from policyradar.signals import StopFlag

PARTS = {
    "crawler": ["crawl", "--schedule"],
    "processor": ["process"],
    "indexer": ["index"],
    "scheduler": ["scheduler"],
    "web": ["serve"],
}
RESTART_PAUSE_SECONDS = 5.0


@dataclass
class Part:
    name: str
    args: list[str]
    process: subprocess.Popen | None = None
    exited_at: float | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "launcher", *self.args])
        print(
            f"[run] {self.name} started (pid {self.process.pid}): policyradar {' '.join(self.args)}",
            flush=True,
        )


def run_command(args: argparse.Namespace) -> int:
    stop = StopFlag().install()
    parts = [Part(name, list(command)) for name, command in PARTS.items()]
    for part in parts:
        part.start()
    while not stop():
        time.sleep(0.5)
        for part in parts:
            _supervise(part)
    print("[run] stopping every part...", flush=True)
    for part in parts:
        if part.process and part.process.poll() is None:
            part.process.send_signal(signal.SIGTERM)
    for part in parts:
        if part.process:
            try:
                part.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                part.process.kill()
    return 0


def _supervise(part: Part) -> None:
    if part.process is None or part.process.poll() is None:
        return
    now = time.monotonic()
    if part.exited_at is None:
        part.exited_at = now
        print(
            f"[run] {part.name} exited with {part.process.returncode}; restarting in "
            f"{RESTART_PAUSE_SECONDS:.0f}s",
            flush=True,
        )
    elif now - part.exited_at >= RESTART_PAUSE_SECONDS:
        part.exited_at = None
        part.start()
