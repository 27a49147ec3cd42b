"""Start and stop background processes through pid files, never by process name."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    """Return the pid recorded in ``pid_file`` if that process is still alive."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if is_alive(pid) else None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); it is not running any more.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


# The go-between that starts a service and exits at once, handing back its pid: the service is then
# nobody's child here (no handle of a process still running when this one exits, nothing to reap).
_DETACH = (
    "import subprocess, sys\n"
    "with open(sys.argv[1], 'ab') as log:\n"
    "    service = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT,\n"
    "                               stdin=subprocess.DEVNULL, start_new_session=True)\n"
    "print(service.pid)\n"
)


def spawn(command: list[str], log_file: Path, pid_file: Path, cwd: Path) -> int:
    """Start ``command`` detached in its own session, output to ``log_file``; record its pid."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started = subprocess.run(
        [sys.executable, "-c", _DETACH, str(log_file), *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if started.returncode != 0:
        why = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise OSError(f"could not start {command[0]}: {why}")
    pid = int(started.stdout.strip())
    pid_file.write_text(f"{pid}\n")
    return pid


def terminate(pid_file: Path, grace_seconds: float = 40.0) -> bool:
    """SIGTERM the recorded process group, SIGKILL it after the grace period; True if one ran."""
    pid = read_pid(pid_file)
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.3)
    _signal_group(pid, signal.SIGKILL)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file, or a note that it does not exist."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"
