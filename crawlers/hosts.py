"""Politeness per host for the long-lived crawler: every source on a host shares one downloader slot,
whose delay is the largest and whose concurrency the smallest any of those sources asks for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crawlers.sources import SourceSpec


@dataclass(frozen=True)
class HostPolicy:
    delay: float
    concurrency: int

    def slot_settings(self) -> dict[str, Any]:
        # No jitter: the delay is a floor between two requests to the host, never shortened.
        return {"delay": self.delay, "concurrency": self.concurrency, "jitter": 0}


def host_policies(specs: Iterable[SourceSpec], delay: float, concurrency: int) -> dict[str, HostPolicy]:
    """Each host's policy from the sources on it; ``delay`` and ``concurrency`` are the defaults."""
    delays: dict[str, float] = {}
    limits: dict[str, int] = {}
    for spec in specs:
        own_delay = delay if spec.politeness.download_delay is None else spec.politeness.download_delay
        own_limit = concurrency if spec.politeness.concurrency is None else spec.politeness.concurrency
        for host in (h.lower() for h in spec.hosts):
            delays[host] = max(delays.get(host, own_delay), own_delay)
            limits[host] = min(limits.get(host, own_limit), own_limit)
    return {host: HostPolicy(delays[host], limits[host]) for host in delays}


def apply_policies(downloader: Any, policies: dict[str, HostPolicy]) -> None:
    """Set the slots Scrapy will create (``per_slot_settings``) and update those it already has."""
    downloader.per_slot_settings = {host: policy.slot_settings() for host, policy in policies.items()}
    for key, slot in downloader.slots.items():
        policy = policies.get(key)
        if policy is not None:
            slot.concurrency = policy.concurrency
            slot.delay = max(slot.delay, policy.delay)
            slot.jitter = 0
