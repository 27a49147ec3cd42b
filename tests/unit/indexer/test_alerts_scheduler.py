"""The digest scheduler's loop with a fake service: it waits out the engine, never exits on its own."""

from __future__ import annotations

import logging

import pytest

from indexer.alerts.lease import LeaseLost
from indexer.alerts.scheduler import DigestScheduler
from indexer.engine import EngineError, EngineUnavailable

AWAY = EngineUnavailable("search engine: ConnectionError: connection refused", None)


class FakeStop:
    """Never sleeps; asks to stop after ``ticks`` waits between ticks (or never)."""

    def __init__(self, ticks: int | None = None) -> None:
        self.waits: list[float] = []
        self.ticks = ticks
        self.stopped = False

    def __call__(self) -> bool:
        return self.stopped

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if self.ticks is not None and len(self.waits) >= self.ticks:
            self.stopped = True
        return self.stopped


class FakeLease:
    def __init__(self, failures: list[BaseException | None]) -> None:
        self.failures = failures
        self.released = False
        self.owner = "fake-scheduler"

    def acquire(self) -> bool:
        failure = self.failures.pop(0) if self.failures else None
        if failure:
            raise failure
        return True

    def release(self) -> None:
        self.released = True


class FakeService:
    def __init__(self, lease: FakeLease, run: list[BaseException | list[str]] | None = None) -> None:
        self.lease = lease
        self.runs = run or []

    def run_due(self) -> list[str]:
        outcome = self.runs.pop(0) if self.runs else []
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_start_waits_for_an_engine_that_is_not_up_yet_and_warns_once(caplog):
    attempts: list[int] = []

    def build() -> FakeService:
        attempts.append(1)
        if len(attempts) <= 4:
            raise AWAY
        return FakeService(FakeLease([]))

    stop = FakeStop()
    scheduler = DigestScheduler(build, 2.0, stop)
    with caplog.at_level(logging.WARNING, logger="policyradar"):
        assert scheduler.start()
    assert len(attempts) == 5 and len(stop.waits) == 4
    assert stop.waits[3] > stop.waits[0]  # the waits grow
    messages = warnings_of(caplog)
    assert len(messages) == 2
    assert "waiting for it to come back" in messages[0] and "recovered" in messages[1]


def test_start_gives_up_at_once_on_an_error_no_wait_cures():
    def build() -> FakeService:
        raise EngineError("search engine: AuthenticationException: bad credentials", 401)

    with pytest.raises(EngineError, match="bad credentials"):
        DigestScheduler(build, 2.0, FakeStop()).start()


def test_start_returns_false_when_stopped_while_waiting():
    def build() -> FakeService:
        raise AWAY

    stop = FakeStop(ticks=2)
    assert DigestScheduler(build, 2.0, stop).start() is False and len(stop.waits) == 2


def test_ticks_ride_out_an_engine_outage_warn_once_and_resume(caplog):
    lease = FakeLease([AWAY, AWAY, AWAY])
    scheduler = DigestScheduler(lambda: FakeService(lease, [["msg_1"]]), 2.0, FakeStop())
    assert scheduler.start()
    with caplog.at_level(logging.WARNING, logger="policyradar"):
        results = [scheduler.tick() for _ in range(4)]
    assert results == [[], [], [], ["msg_1"]]
    messages = warnings_of(caplog)
    assert len(messages) == 2 and "recovered" in messages[1]


def test_a_tick_that_loses_the_lease_stops_sending_and_the_next_one_goes_on(caplog):
    service = FakeService(FakeLease([]), [LeaseLost("lost the lease (token 3)"), ["msg_2"]])
    scheduler = DigestScheduler(lambda: service, 2.0, FakeStop())
    assert scheduler.start()
    with caplog.at_level(logging.WARNING, logger="policyradar"):
        assert scheduler.tick() == []
    assert any("lost the lease" in m for m in warnings_of(caplog))
    assert scheduler.tick() == ["msg_2"]


def test_an_unexpected_tick_failure_is_logged_and_does_not_end_the_loop(caplog):
    service = FakeService(FakeLease([]), [ValueError("boom"), ["msg_3"]])
    stop = FakeStop(ticks=2)
    scheduler = DigestScheduler(lambda: service, 2.0, stop)
    assert scheduler.start()
    with caplog.at_level(logging.ERROR, logger="policyradar"):
        scheduler.run()
    assert any("digest tick failed" in r.getMessage() for r in caplog.records)
    assert service.runs == [] and service.lease.released  # both ticks ran; the lease was let go


def test_readiness_follows_the_engine_outage():
    lease = FakeLease([AWAY])
    scheduler = DigestScheduler(lambda: FakeService(lease, [["msg_1"]]), 2.0, FakeStop())
    assert scheduler.readiness() == "waiting for the search engine to start"
    assert scheduler.start()
    assert scheduler.readiness() is None
    scheduler.tick()
    assert "unreachable" in (scheduler.readiness() or "")
    scheduler.tick()
    assert scheduler.readiness() is None
