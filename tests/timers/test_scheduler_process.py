"""webapp/scheduler.py: when the background scheduler starts, that it really polls, and the
`flask --app app scheduler` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
import sqlalchemy as sa
from flask import Flask

from models import HistoryEvent, Timer, db
from tests.factories import deploy_fixture
from tests.timers.probe import PROBE, effects_per_source, insert_due, make_handler
from webapp import scheduler

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def bare_app(**config) -> Flask:
    app = Flask("scheduler_probe")
    app.config.update({"SCHEDULER_ENABLED": True, "TESTING": False, **config})
    return app


def test_starts_with_a_wsgi_server_and_flask_run_only():
    assert scheduler.should_start(bare_app())  # a WSGI server: no click command around
    for command, expected in (("run", True), ("setup", False), ("scheduler", False), ("workflows", False)):
        with click.Context(click.Command(command), info_name=command):
            assert scheduler.should_start(bare_app()) is expected, command


@pytest.mark.parametrize("config", [{"SCHEDULER_ENABLED": False}, {"TESTING": True}])
def test_never_starts_when_disabled_or_under_test(config):
    assert not scheduler.should_start(bare_app(**config))


def test_not_in_the_reloaders_watching_parent(monkeypatch):
    app = bare_app()
    app.debug = True
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert not scheduler.should_start(app)
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert scheduler.should_start(app)


def test_the_test_app_has_no_scheduler_running(app):
    assert "scheduler" not in app.extensions


@pytest.fixture
def probe(casework):
    casework.management.register_timer_handler(PROBE, make_handler())
    yield
    casework.management.handlers.pop(PROBE, None)


def effects() -> dict[int, int]:
    with db.engine.connect() as conn:
        return effects_per_source(conn)


def test_the_background_scheduler_polls_and_fires(app, probe):
    with db.engine.begin() as conn:
        insert_due(conn, 3, START)
    interval = app.config["SCHEDULER_INTERVAL"]
    app.config["SCHEDULER_INTERVAL"] = 0.05
    background = scheduler.start_background(app)
    try:
        deadline = time.monotonic() + 10
        while len(effects()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        background.shutdown(wait=True)
        app.config["SCHEDULER_INTERVAL"] = interval
        app.extensions.pop("scheduler", None)
    assert sorted(effects().values()) == [1, 1, 1]


def test_the_scheduler_command_runs_one_pass(app, probe):
    with db.engine.begin() as conn:
        insert_due(conn, 2, START)
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "claimed 2, fired 2" in result.output
    unfired = db.session.scalar(sa.select(sa.func.count()).select_from(Timer).where(
        Timer.kind == PROBE, Timer.fired_at.is_(None)))
    db.session.commit()
    assert unfired == 0


def test_the_scheduler_process_fires_a_case_timer_and_stops_on_sigterm(app, casework, actor, clock, tmp_path):
    """`flask --app app scheduler` as its own process, on the wall clock, against the same database."""
    deploy_fixture(casework, "timer_intermediate.bpmn")
    clock.set(datetime.now(UTC) - timedelta(days=10, minutes=1))  # the ten days are over by now
    case = casework.runtime.start("timer_intermediate", actor=actor("mitarbeiterin"))
    env = {**os.environ, "FALLWERK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "FALLWERK_DEPLOY_ON_STARTUP": "false", "FALLWERK_SCHEDULER_INTERVAL": "0.2"}
    log = tmp_path / "scheduler.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "flask", "--app", "app", "scheduler"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not fired_events(case.id) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert process.poll() is None, log.read_text()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert fired_events(case.id) == ["wait_period"], log.read_text()
    assert "Scheduler beendet." in log.read_text()


def fired_events(instance_id: str) -> list[str | None]:
    names = db.session.scalars(sa.select(HistoryEvent.task_name).where(
        HistoryEvent.instance_id == instance_id, HistoryEvent.action == "timer_fired")).all()
    db.session.commit()
    return list(names)
