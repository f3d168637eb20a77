"""ManagementService.fire_due: claims, leases, retries, handlers, jobs, and exactly once with
several schedulers (threads, and a process killed mid-pass) on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework import Casework
from casework.errors import Conflict
from casework.time.management import ManagementService
from models import HistoryEvent, HumanTask, Timer, db
from tests.factories import deploy_fixture
from tests.timers.probe import EFFECT, PROBE, effects_per_source, insert_due, make_handler

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def probe(casework):
    casework.management.register_timer_handler(PROBE, make_handler())
    yield casework.management
    casework.management.handlers.pop(PROBE, None)


def insert(count: int = 1, due: datetime = START, kind: str = PROBE) -> list[int]:
    with db.engine.begin() as conn:
        insert_due(conn, count, due, kind=kind)
        return list(conn.scalars(sa.select(Timer.id).where(Timer.kind == kind).order_by(Timer.id)))


def row(timer_id: int) -> Timer:
    found = db.session.get(Timer, timer_id, populate_existing=True)
    db.session.commit()
    assert found is not None
    return found


def effects() -> dict[int, int]:
    with db.engine.connect() as conn:
        return effects_per_source(conn)


def test_a_registered_kind_fires_once_with_its_effect_in_the_same_transaction(probe, clock):
    (timer_id,) = insert(due=START + timedelta(minutes=5))
    assert probe.fire_due().claimed == 0
    clock.set(START + timedelta(minutes=5))
    report = probe.fire_due()
    assert (report.claimed, report.fired) == (1, 1)
    assert effects() == {timer_id: 1}
    assert row(timer_id).fired_at == START + timedelta(minutes=5)
    assert probe.fire_due().claimed == 0
    assert effects() == {timer_id: 1}


def test_a_kind_has_one_handler(probe):
    with pytest.raises(ValueError, match="already"):
        probe.register_timer_handler(PROBE, make_handler())
    with pytest.raises(ValueError):
        probe.register_timer_handler("", make_handler())


def test_a_failing_handler_changes_nothing_and_is_retried_after_a_backoff(casework, clock):
    calls: list[int] = []

    def flaky(session, timer, now):
        calls.append(timer.id)
        session.execute(sa.insert(Timer.__table__).values(kind=EFFECT, due_at=now, payload={"source": timer.id}))
        if len(calls) == 1:
            raise RuntimeError("mail server away")

    casework.management.register_timer_handler("flaky", flaky)
    try:
        (timer_id,) = insert(kind="flaky")
        report = casework.management.fire_due()
        assert (report.claimed, report.failed) == (1, 1)
        failed = row(timer_id)
        assert (failed.fired_at, failed.attempts, failed.claimed_by) == (None, 1, None)
        assert failed.last_error == "RuntimeError: mail server away"
        assert effects() == {}  # the effect was rolled back with the failure
        clock.set(START + timedelta(seconds=59))
        assert casework.management.fire_due().claimed == 0  # backoff: a minute after the first failure
        clock.set(START + timedelta(minutes=1))
        assert casework.management.fire_due().fired == 1
        assert effects() == {timer_id: 1}
        assert calls == [timer_id, timer_id]
    finally:
        casework.management.handlers.pop("flaky", None)


def test_a_kind_without_handler_is_kept_with_its_error(casework):
    (timer_id,) = insert(kind="nobody_handles_this")
    assert casework.management.fire_due().failed == 1
    assert "no handler" in (row(timer_id).last_error or "")
    assert row(timer_id).fired_at is None


def test_a_conflict_releases_the_row_for_the_next_tick(casework, clock):
    attempts: list[int] = []

    def busy(session, timer, now):
        attempts.append(timer.id)
        if len(attempts) == 1:
            raise Conflict("someone else wrote the case")

    casework.management.register_timer_handler("busy", busy)
    try:
        (timer_id,) = insert(kind="busy")
        assert casework.management.fire_due().retried == 1
        assert (row(timer_id).claimed_by, row(timer_id).attempts) == (None, 0)
        assert casework.management.fire_due().fired == 1
        assert attempts == [timer_id, timer_id]
    finally:
        casework.management.handlers.pop("busy", None)


def test_a_claim_expires_after_the_lease_and_is_taken_over_once(probe, clock):
    ids = insert(3)
    crashed = ManagementService(clock, worker="crashed")
    crashed.handlers = probe.handlers
    assert len(crashed._claim(clock.now(), 10)) == 3  # it claims, then "crashes" before firing
    assert probe.fire_due().claimed == 0  # claimed rows are not taken while the lease lasts
    clock.set(START + timedelta(seconds=60))
    report = probe.fire_due()
    assert (report.claimed, report.fired) == (3, 3)
    assert effects() == dict.fromkeys(ids, 1)
    # the crashed scheduler comes back and fires what it had claimed: nothing happens twice
    assert crashed._fire_batch([(i, PROBE, None) for i in ids], clock.now()) == ["gone"] * 3
    assert effects() == dict.fromkeys(ids, 1)


def test_jobs_run_after_the_timers_and_a_failing_job_stops_nothing(probe):
    (timer_id,) = insert()
    seen: list[str] = []

    def broken() -> None:
        raise RuntimeError("job failed")

    def counting() -> None:
        seen.append("ran" if effects() == {timer_id: 1} else "before the timers")

    probe.jobs.extend([broken, counting])
    try:
        assert probe.tick().fired == 1
    finally:
        probe.jobs.remove(broken)
        probe.jobs.remove(counting)
    assert seen == ["ran"]


def test_a_new_app_over_the_same_database_still_fires(app, casework, actor, clock):
    deploy_fixture(casework, "timer_intermediate.bpmn")
    case = casework.runtime.start("timer_intermediate", actor=actor("mitarbeiterin"))
    restarted = Casework(clock=clock)  # nothing in memory: no live workflows, no synced rows
    clock.set(START + timedelta(days=10))
    assert restarted.management.fire_due().fired == 1
    tasks = db.session.scalars(sa.select(HumanTask.bpmn_id).where(HumanTask.instance_id == case.id)).all()
    db.session.commit()
    assert tasks == ["review_case"]
    assert casework.management.fire_due().claimed == 0


def _start_cases(casework, actor, count: int) -> list[str]:
    deploy_fixture(casework, "timer_intermediate.bpmn")
    starter = actor("mitarbeiterin")
    return [casework.runtime.start("timer_intermediate", actor=starter).id for _ in range(count)]


def test_two_schedulers_fire_a_thousand_due_timers_exactly_once(app, casework, actor, clock):
    """800 cheap timers and 200 timer events of real cases, two schedulers (threads, each with its
    own Casework in its own app context), racing over the same rows."""
    cases = _start_cases(casework, actor, 200)
    probes = insert(800, due=START + timedelta(days=10))
    clock.set(START + timedelta(days=10, minutes=1))
    reports: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def scheduler(name: str) -> None:
        try:
            with app.app_context():
                own = Casework(clock=clock)
                own.management.worker = name
                own.management.register_timer_handler(PROBE, make_handler())
                barrier.wait()
                while (report := own.management.fire_due(limit=50)).claimed:
                    reports.append((name, report))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(f"scheduler-{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert effects() == dict.fromkeys(probes, 1)
    fired = Counter(db.session.scalars(
        sa.select(HistoryEvent.instance_id).where(HistoryEvent.action == "timer_fired")).all())
    reviews = Counter(db.session.scalars(
        sa.select(HumanTask.instance_id).where(HumanTask.bpmn_id == "review_case")).all())
    unfired = db.session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.fired_at.is_(None)))
    db.session.commit()
    assert fired == dict.fromkeys(cases, 1)
    assert reviews == dict.fromkeys(cases, 1)
    assert unfired == 0
    assert sum(r.fired for _, r in reports) == 1000
    if db.engine.dialect.name == "postgresql":
        # row locks let both work at once (on SQLite one writer at a time may well do it all)
        assert {name for name, r in reports if r.fired} == {"scheduler-1", "scheduler-2"}


def test_a_scheduler_killed_mid_pass_loses_nothing_and_fires_nothing_twice(app, probe, clock, tmp_path):
    ids = insert(600, due=START)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path / "killed_scheduler.log"
    with log.open("w") as output:
        child = subprocess.Popen(  # noqa: S603 - our own test script
            [sys.executable, "-m", "tests.timers.killed_scheduler", url, START.isoformat()],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "FALLWERK_SCHEDULER_ENABLED": "false"},
        )
        try:
            deadline = time.monotonic() + 60
            while len(effects()) < 100 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert child.poll() is None, log.read_text()
            child.send_signal(signal.SIGKILL)  # in the middle of its pass, holding claims
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    partial = effects()
    assert 100 <= len(partial) < 600, log.read_text()
    assert set(partial.values()) == {1}
    # the dead scheduler's claims still hold: nothing is taken before the lease runs out
    assert probe.fire_due(limit=1000).claimed == 0
    clock.set(START + timedelta(seconds=61))
    report = probe.fire_due(limit=1000)
    assert report.fired == 600 - len(partial)
    assert effects() == dict.fromkeys(ids, 1)


def test_a_failing_row_does_not_undo_the_others_of_its_batch(probe, clock):
    def broken(session, timer, now):
        session.execute(sa.insert(Timer.__table__).values(kind=EFFECT, due_at=now, payload={"source": timer.id}))
        raise RuntimeError("broken handler")

    probe.register_timer_handler("broken", broken)
    try:
        good = insert(4)
        (bad,) = insert(kind="broken")
        report = probe.fire_due()
        assert (report.claimed, report.fired, report.failed) == (5, 4, 1)
        assert effects() == dict.fromkeys(good, 1)  # the broken row's effect is gone, the others stay once
        assert row(bad).attempts == 1
    finally:
        probe.handlers.pop("broken", None)


def test_fired_rows_are_purged_after_the_retention_time(probe, clock):
    (old,) = insert()
    probe.fire_due()
    clock.set(START + timedelta(days=30))
    (recent,) = [i for i in insert(due=START + timedelta(days=30)) if i != old]
    probe.fire_due()
    waiting = insert(due=START + timedelta(days=400))[-1]
    clock.set(START + timedelta(days=91))
    assert probe.purge_fired() == 2  # the old row and its effect row (fired at the same time)
    remaining = set(db.session.scalars(sa.select(Timer.id).where(Timer.kind == PROBE)).all())
    db.session.commit()
    assert remaining == {recent, waiting}
    assert effects() == {recent: 1}
    assert probe._purge_now_and_then in probe.jobs
