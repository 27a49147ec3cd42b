"""The local stack: ``policyradar stack up|down|status`` for a real Kafka broker and OpenSearch node."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from launcher.stack.maven import resolve_jars
from launcher.stack.process import port_open, read_pid, spawn, tail, terminate
from launcher.stack.services import HOST, Service, stack_services
from policyradar.errors import StackError
from policyradar.settings import Settings

__all__ = ["ServiceState", "stack_down", "stack_states", "stack_status", "stack_up", "start_web"]

READY_BUDGET_SECONDS = {"kafka": 120, "opensearch": 240}


def stack_up(settings: Settings, say=print) -> None:
    """Start every service that is not already running and wait until each is ready."""
    services = stack_services(settings)
    for service in services:
        _start(service, settings, say)
    for service in services:
        _wait_ready(service, settings, say)
    say("stack is up: " + ", ".join(f"{s.name} on {HOST}:{s.port}" for s in services))


def start_web(settings: Settings, say=print) -> str:
    """Start ``policyradar serve`` in the background (pid file ``web.pid``) unless it runs already."""
    url = f"http://{settings.api_host}:{settings.api_port}/"
    pid_file = settings.stack_dir / "web.pid"
    if read_pid(pid_file) is None:
        if port_open(settings.api_host, settings.api_port):
            raise StackError(f"port {settings.api_port} is taken; set POLICYRADAR_API_PORT to another port")
        log_file = settings.stack_dir / "logs" / "web.log"
        pid = spawn([sys.executable, "-m", "launcher", "serve"], log_file, pid_file, settings.stack_dir)
        say(f"web page: started (pid {pid}), log at {log_file}")
    deadline = time.monotonic() + 30
    while not port_open(settings.api_host, settings.api_port):
        if time.monotonic() > deadline or read_pid(pid_file) is None:
            raise StackError(f"the web page did not start; see {settings.stack_dir / 'logs' / 'web.log'}")
        time.sleep(0.3)
    return url


def stack_down(settings: Settings, say=print) -> None:
    """Stop exactly the processes this stack started (by pid file), newest first."""
    if terminate(settings.stack_dir / "web.pid", grace_seconds=10):
        say("stopped the web page")
    for service in reversed(stack_services(settings)):
        if terminate(service.pid_file):
            say(f"stopped {service.name}")
        else:
            say(f"{service.name} was not running (no live pid in {service.pid_file})")


@dataclass(frozen=True)
class ServiceState:
    """What one service of the local stack is doing right now."""

    name: str
    address: str
    state: str  # "ready", "starting or unhealthy" or "down"
    pid: int | None  # None: not started by this stack (or not running)
    log_file: Path

    @property
    def ready(self) -> bool:
        return self.state == "ready"


def stack_states(settings: Settings) -> list[ServiceState]:
    """The state of every service of the stack, in start order."""
    states = []
    for service in stack_services(settings):
        pid = read_pid(service.pid_file)
        ready = service.is_ready(settings)
        state = "ready" if ready else ("starting or unhealthy" if pid else "down")
        states.append(ServiceState(service.name, f"{HOST}:{service.port}", state, pid, service.log_file))
    return states


def stack_status(settings: Settings, say=print) -> bool:
    """Print what runs where; True when every service is up and ready."""
    states = stack_states(settings)
    for s in states:
        owner = f"pid {s.pid}" if s.pid else "not started by this stack"
        say(f"{s.name:<11} {s.address:<16} {s.state:<22} {owner}  log: {s.log_file}")
    return all(s.ready for s in states)


def _start(service: Service, settings: Settings, say) -> None:
    pid = read_pid(service.pid_file)
    if pid is not None:
        say(f"{service.name}: already running (pid {pid}), reusing it")
        return
    if port_open(HOST, service.port):
        if service.is_ready(settings):
            say(f"{service.name}: something already serves {HOST}:{service.port}; reusing it")
            return
        raise StackError(
            f"{service.name}: port {service.port} on {HOST} is taken by a process this stack did not "
            "start and it does not answer like the expected service; free the port first"
        )
    resolve_jars(service.name, settings.stack_dir / "lib", say)
    service.prepare(settings)
    try:
        pid = spawn(service.command(settings), service.log_file, service.pid_file, service.home)
    except OSError as exc:
        raise StackError(f"{service.name}: {exc}") from exc
    say(f"{service.name}: started (pid {pid}), log at {service.log_file}")


def _wait_ready(service: Service, settings: Settings, say) -> None:
    budget = READY_BUDGET_SECONDS[service.name]
    deadline = time.monotonic() + budget
    say(f"{service.name}: waiting until ready (up to {budget}s)...")
    while time.monotonic() < deadline:
        if service.is_ready(settings):
            say(f"{service.name}: ready")
            return
        pid_file_exists = service.pid_file.exists()
        if pid_file_exists and read_pid(service.pid_file) is None:
            raise StackError(
                f"{service.name} exited while starting; see {service.log_file}:\n{tail(service.log_file)}"
            )
        time.sleep(1.0)
    raise StackError(
        f"{service.name} was not ready after {budget}s; see {service.log_file}:\n{tail(service.log_file)}"
    )
