"""What ``policyradar status`` reports, as plain data, and the verdict: what needs a human."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


# Sections -----------------------------------------------------------------------------------------
@dataclass
class ServiceCheck:
    name: str
    address: str
    reachable: bool
    detail: str  # what it answered, or why it did not


@dataclass
class ServicesSection:
    kafka: ServiceCheck
    engine: ServiceCheck
    local_stack: list[dict[str, Any]] | None = None  # None: the settings point elsewhere
    local_stack_unavailable: str | None = None


@dataclass
class PartitionLag:
    partition: int
    committed: int | None  # None: the group never committed on this partition
    end: int
    lag: int


@dataclass
class StageLag:
    stage: str
    group: str
    topic: str
    partitions: list[PartitionLag]

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions)


@dataclass
class LagSection:
    stages: list[StageLag] = field(default_factory=list)
    unavailable: str | None = None


@dataclass
class DeadLetterSection:
    topic: str
    total: int = 0
    last_day: int = 0  # written in the 24 hours before the check
    newest: list[dict[str, Any]] = field(default_factory=list)
    unavailable: str | None = None


@dataclass
class SourcesSection:
    sources: int = 0
    enabled: int = 0
    never_crawled: int = 0  # enabled sources without a crawl run
    flagged: list[dict[str, Any]] = field(default_factory=list)  # enabled sources only
    unavailable: str | None = None


@dataclass
class DigestSection:
    alerts: int = 0
    upcoming: list[dict[str, Any]] = field(default_factory=list)
    last_sent: list[dict[str, Any]] = field(default_factory=list)
    failing: list[dict[str, Any]] = field(default_factory=list)  # pending after failed attempts
    unavailable: str | None = None


@dataclass
class IndexSection:
    alias: str
    documents: int = 0
    indices: list[str] = field(default_factory=list)
    unavailable: str | None = None


@dataclass
class StatusReport:
    checked_at: str
    services: ServicesSection
    lag: LagSection
    dead_letters: DeadLetterSection
    sources: SourcesSection
    digests: DigestSection
    index: IndexSection

    def to_dict(self, problems: list[str]) -> dict[str, Any]:
        data = asdict(self)
        for stage, lag in zip(data["lag"]["stages"], self.lag.stages, strict=True):
            stage["total"] = lag.total
        return {**data, "problems": problems, "ok": not problems}


# Verdict ------------------------------------------------------------------------------------------
def problems(report: StatusReport, max_lag: int) -> list[str]:
    """What needs a human, one sentence each; empty when all is well."""
    services = report.services
    found = [
        f"{s.name} at {s.address} is unreachable: {s.detail}"
        for s in (services.kafka, services.engine)
        if not s.reachable
    ]
    for name, section, service in _sections(report):
        # A section its unreachable service took down is already said above.
        if section.unavailable is not None and service.reachable:
            found.append(f"{name} could not be checked: {section.unavailable}")
    found += [
        f"{s.stage} lag is {s.total} records (group {s.group} on {s.topic}), above {max_lag}"
        for s in report.lag.stages
        if s.total > max_lag
    ]
    if report.dead_letters.last_day:
        found.append(
            f"{report.dead_letters.last_day} dead letter(s) written to {report.dead_letters.topic} "
            "in the last 24 hours"
        )
    found += [f"source {s['source_id']} is flagged: {'; '.join(s['flags'])}" for s in report.sources.flagged]
    found += [
        f"digest {d['message_id']} of alert {d['alert_id']} failed {d['attempts']} attempt(s)"
        for d in report.digests.failing
    ]
    return found


def _sections(report: StatusReport) -> list[tuple[str, Any, ServiceCheck]]:
    """Each section with the service it is computed from."""
    kafka, engine = report.services.kafka, report.services.engine
    return [
        ("lag", report.lag, kafka),
        ("dead letters", report.dead_letters, kafka),
        ("sources", report.sources, kafka),
        ("digests", report.digests, engine),
        ("index", report.index, engine),
    ]
