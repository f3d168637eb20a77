"""Operations (issue 12): /readyz, /metrics, the request line and its id, the configuration check, backups."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import pytest
from flask_migrate import upgrade

from tests.factories import start_termination
from webapp import create_app
from webapp.logs import JsonFormatter
from webapp.production import filesystem_type, insecure_settings


@pytest.fixture
def scheduler_alive(casework: Any) -> None:
    casework.monitoring.beat("test-scheduler", interval=1.0)


def test_readyz_needs_a_scheduler_heard_from_within_three_intervals(client, casework, clock):
    silent = client.get("/readyz")
    assert silent.status_code == 503
    assert silent.json == {"status": "unready", "database": "ok", "schema": "current", "scheduler": "silent"}
    assert silent.headers["Retry-After"]
    casework.monitoring.beat("test-scheduler", interval=1.0)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "database": "ok", "schema": "current", "scheduler": "ok"}
    clock.advance(seconds=2.9)
    assert client.get("/readyz").status_code == 200
    clock.advance(seconds=0.2)  # 3.1 s: three intervals without a beat
    assert client.get("/readyz").json["scheduler"] == "silent"
    casework.monitoring.forget("test-scheduler")


def test_readyz_503_when_the_schema_is_behind_the_newest_migration(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}", "DEPLOY_ON_STARTUP": False})
    with app.app_context():
        upgrade(directory=str(app.config["MIGRATIONS_DIR"]), revision="ops_0010_auth_sessions")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["schema"] == "outdated"


def test_readyz_503_when_the_database_is_unreachable(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "DEPLOY_ON_STARTUP": False})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unready", "database": "unreachable"}


def metric(text: str, name: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + " ")]
    assert len(values) == 1, (name, text)
    return values[0]


def test_metrics_count_the_work_and_the_requests(client, casework, actor, clock, scheduler_alive):
    case = start_termination(casework, actor("mitarbeiterin"))
    assert case.open_tasks
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.text
    assert metric(text, "fallwerk_open_tasks") == len(case.open_tasks)
    assert metric(text, "fallwerk_failed_cases") == 0
    assert metric(text, "fallwerk_outbox_failed") == 0
    assert metric(text, "fallwerk_schedulers_alive") == 1
    assert metric(text, "fallwerk_scheduler_last_heartbeat_timestamp_seconds") == clock.now().timestamp()
    for name in ("fallwerk_overdue_tasks", "fallwerk_timers_due", "fallwerk_timers_late", "fallwerk_outbox_backlog"):
        assert metric(text, name) >= 0
    assert 'fallwerk_http_requests_total{endpoint="healthz",method="GET",status="200"}' in text
    assert 'fallwerk_http_request_duration_seconds_count{endpoint="healthz",method="GET"}' in text


def test_overdue_tasks_and_late_timers(client, casework, actor, clock):
    case = start_termination(casework, actor("mitarbeiterin"))
    before = client.get("/metrics").text
    clock.advance(days=60)  # past the review's due date and its reminder timers
    after = client.get("/metrics").text
    assert metric(after, "fallwerk_overdue_tasks") == metric(before, "fallwerk_overdue_tasks") + len(case.open_tasks)
    assert metric(after, "fallwerk_timers_late") >= 1
    assert metric(after, "fallwerk_timers_due") >= metric(after, "fallwerk_timers_late")


def test_metrics_only_for_loopback_or_the_token(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    # through a reverse proxy on the same machine every request looks local: never trusted as local
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    app.config["METRICS_TOKEN"] = "s3cret-scrape-token"
    try:
        remote = {"REMOTE_ADDR": "10.1.2.3"}
        good = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer s3cret-scrape-token"})
        bad = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer wrong"})
    finally:
        app.config["METRICS_TOKEN"] = ""
    assert good.status_code == 200 and "fallwerk_open_tasks" in good.text
    assert bad.status_code == 403


def test_every_answer_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-abc123"}).headers["X-Request-ID"] == "nginx-abc123"
    for odd in ("<script>", "y" * 80, "ä"):
        assert client.get("/healthz", headers={"X-Request-ID": odd}).headers["X-Request-ID"] != odd


def test_one_request_line_with_user_status_duration_and_no_case_data(api, caplog):
    gf, employee = api("gf"), api("mitarbeiterin")
    caplog.set_level(logging.DEBUG)
    started = employee.post("/api/v1/process-instances", json={"process_key": "assignment_termination", "variables": {
        "initiator": "employee", "employee_name": "Zacharias Geheimname", "employer": "ba",
        "reason": "Sehr persönlicher Grund", "requested_end_date": "2027-01-31"}})
    assert started.status_code == 201, started.text
    searched = gf.get("/api/v1/tasks?q=Geheimname")
    lines = [r for r in caplog.records if r.name == "fallwerk.request"]
    assert [(r.method, r.path, r.status, r.user) for r in lines] == [
        ("POST", "/api/v1/process-instances", 201, "mitarbeiterin"), ("GET", "/api/v1/tasks", searched.status_code, "gf")]
    assert lines[0].request_id == started.headers["X-Request-ID"]
    record = json.loads(JsonFormatter().format(lines[0]))
    assert {"time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms", "user"} <= set(record)
    everything = "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert "Geheimname" not in everything and "persönlicher" not in everything


def test_the_configuration_check(app, monkeypatch, tmp_path):
    monkeypatch.delenv("FALLWERK_SECRET_KEY", raising=False)
    found = insecure_settings(app)
    assert any("FALLWERK_SECRET_KEY" in e for e in found.errors)
    assert any("Demo-Benutzer" in e for e in found.errors)  # the test database holds the demo world
    monkeypatch.setenv("FALLWERK_SECRET_KEY", "k" * 64)
    monkeypatch.setitem(app.config, "ALLOW_DEMO", True)
    assert insecure_settings(app).errors == []
    monkeypatch.setattr(app, "debug", True)
    assert any("Debug" in e for e in insecure_settings(app).errors)


def test_sqlite_on_a_network_file_system_is_warned_about(monkeypatch, tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}", "DEPLOY_ON_STARTUP": False, "ALLOW_DEMO": True})
    assert not any("Netzlaufwerk" in w for w in insecure_settings(app).warnings)
    assert filesystem_type(tmp_path) is not None  # read from the real /proc/mounts
    monkeypatch.setattr("webapp.production.filesystem_type", lambda path: "nfs4")
    assert any("Netzlaufwerk (nfs4)" in w for w in insecure_settings(app).warnings)


def test_backup_of_a_running_sqlite_database(app, tmp_path):
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert result.exit_code == 0, result.output
        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT count(*) FROM users WHERE username = 'gf'").fetchone() == (1,)
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        again = app.test_cli_runner().invoke(args=["backup", str(target)])
        assert again.exit_code != 0 and "besteht schon" in again.output
    else:
        assert result.exit_code != 0 and "pg_dump" in result.output
