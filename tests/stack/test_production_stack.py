"""The production stack of `make serve` as real processes (issue 12): gunicorn with 2 web workers and
2 scheduler processes on the suite's database (PostgreSQL in CI's second run), a real SMTP server.

One web worker and one scheduler die by SIGKILL in the middle of the run; still every timer fires
exactly once, every mail arrives, and every case ends consistent. Then SIGTERM stops the rest cleanly.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from models import db
from tests.factories import deploy_fixture
from tests.mail.conftest import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
CASES = 40
pytestmark = pytest.mark.stack


class Stack:
    """`gunicorn --config config/gunicorn.py` as `make serve` starts it, with its log in a file."""

    def __init__(self, app: Any, tmp_path: Path, smtp_port: int, **env: str) -> None:
        self.port = free_port()
        self.log = tmp_path / "stack.log"
        self.env = {
            **os.environ,
            "FALLWERK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "FALLWERK_SECRET_KEY": "stack-test-" + "k" * 40, "FALLWERK_ALLOW_DEMO": "1",
            "FALLWERK_BIND": f"127.0.0.1:{self.port}", "FALLWERK_WORKERS": "2", "FALLWERK_SCHEDULERS": "2",
            "FALLWERK_DEPLOY_ON_STARTUP": "false", "FALLWERK_SCHEDULER_INTERVAL": "0.2",
            "FALLWERK_SCHEDULER_LEASE_SECONDS": "3", "FALLWERK_MAIL_LEASE_SECONDS": "3",
            "FALLWERK_MAIL_HOST": "127.0.0.1", "FALLWERK_MAIL_PORT": str(smtp_port),
            "FALLWERK_MAIL_RETRY_BASE_SECONDS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **env,
        }
        (tmp_path / "metrics").mkdir()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py"],
                cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, json.loads(data) if data.startswith((b"{", b"[")) else data
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                if self.call("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("not ready in time:\n" + self.log.read_text())

    def children(self) -> dict[int, str]:
        """pid -> "scheduler" or "worker" for the master's child processes."""
        assert self.process is not None
        pid = self.process.pid
        found: dict[int, str] = {}
        listed: list[str] = []
        # the schedulers are children of the master's supervising threads, so read every thread's list
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                listed += (task / "children").read_text().split()
            except FileNotFoundError:  # the thread or the master has ended
                continue
        for child in listed:
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            found[int(child)] = "scheduler" if b"scheduler" in cmdline else "worker"
        return found

    def stop(self, timeout: float = 40) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(app: Any, casework: Any, tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Stack]:
    deploy_fixture(casework, "stack_probe.bpmn")
    running = Stack(app, tmp_path, smtp_server.port)
    running.start()
    try:
        running.wait_ready()
        wait_for_heartbeats(running, 2)  # both schedulers are up (on a busy machine one may still be starting)
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            running.process.kill()
            running.process.wait()
        for pid in running.children():  # a scheduler left behind notices its master is gone, but be sure
            os.kill(pid, signal.SIGKILL)


def query(sql: str, **params: Any) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def wait_for_heartbeats(stack: Stack, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while query("SELECT count(*) FROM scheduler_heartbeats")[0][0] < count:
        assert time.monotonic() < deadline, "the schedulers did not start:\n" + stack.log.read_text()
        time.sleep(0.1)


def start_cases(stack: Stack, token: str, count: int, started: list[str], failures: list[str]) -> None:
    for i in range(count):
        try:
            status, body = stack.call("POST", "/api/v1/process-instances", {
                "process_key": "stack_probe", "variables": {"wait": f"PT{2 + i % 3}S"}}, token)
        except (OSError, http.client.HTTPException) as exc:  # its worker was killed: the case may or may not exist
            failures.append(repr(exc))
            continue
        if status == 201:
            started.append(body["id"])
        else:
            failures.append(f"{status} {body}")


def kill_a_scheduler_holding_claims(stack: Stack, timeout: float = 20) -> int:
    """SIGKILL a scheduler while it holds claimed, unfired timers (in the middle of its pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        schedulers = {pid for pid, kind in stack.children().items() if kind == "scheduler"}
        for (claimed_by,) in query("SELECT claimed_by FROM timers WHERE fired_at IS NULL AND claimed_by IS NOT NULL"):
            pid = int(claimed_by.split(":")[1])
            if pid in schedulers:
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.005)
    raise AssertionError("no scheduler was seen holding a claim:\n" + stack.log.read_text())


def wait_until_done(case_ids: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_cases = query("SELECT count(*) FROM process_instances WHERE process_key = 'stack_probe' "
                           "AND status <> 'completed'")[0][0]
        queued = query("SELECT count(*) FROM outbox_mails WHERE status <> 'sent'")[0][0]
        if open_cases == 0 and queued == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"not done in time: {open_cases} cases open, {queued} mails not sent")


def test_two_workers_and_two_schedulers_survive_sigkill(stack, casework, smtp_server):
    token = stack.call("POST", "/api/v1/auth/token", {"username": "mitarbeiterin", "password": "demo"})[1]["token"]
    started: list[str] = []
    failures: list[str] = []
    clients = [threading.Thread(target=start_cases, args=(stack, token, CASES // 2, started, failures))
               for _ in range(2)]
    for client in clients:
        client.start()
    while len(started) < CASES // 2:
        time.sleep(0.01)
    worker = next(pid for pid, kind in stack.children().items() if kind == "worker")
    os.kill(worker, signal.SIGKILL)  # in the middle of the starts
    for client in clients:
        client.join()
    killed_scheduler = kill_a_scheduler_holding_claims(stack)
    cases = [row[0] for row in query("SELECT id FROM process_instances WHERE process_key = 'stack_probe'")]
    assert set(started) <= set(cases) and len(cases) >= CASES - len(failures), failures
    wait_until_done(cases)

    # every timer fired exactly once: one row, fired, and one timer_fired event per case
    fired = Counter(row[0] for row in query(
        "SELECT instance_id FROM history_events WHERE action = 'timer_fired'"))
    assert fired == Counter(dict.fromkeys(cases, 1))
    assert query("SELECT count(*) FROM timers WHERE kind = 'bpmn' AND fired_at IS NULL")[0][0] == 0
    # every mail sent, and received under its one Message-ID
    mails = query("SELECT id, instance_id, status FROM outbox_mails")
    assert sorted(m[1] for m in mails) == sorted(cases) and {m[2] for m in mails} == {"sent"}
    received = Counter(m["Message-ID"] for m in smtp_server.messages)
    assert set(received) == {f"<outbox-{m[0]}@localhost>" for m in mails}
    # A scheduler killed between the server's "250 OK" and its own commit leaves that one mail to be
    # sent again after the lease, under the same Message-ID (receivers drop the copy): at most one.
    assert sum(n - 1 for n in received.values()) <= 1, received.most_common(3)
    # every case consistent: completed, its history chain intact, nothing left waiting
    for case in cases:
        assert casework.history.verify_chain(case), case
    assert query("SELECT count(*) FROM human_tasks h JOIN process_instances p ON p.id = h.instance_id "
                 "WHERE p.process_key = 'stack_probe' AND h.state = 'open'")[0][0] == 0
    db.session.commit()

    # the killed scheduler was started again; the killed worker replaced
    kinds = Counter(stack.children().values())
    assert kinds == Counter({"worker": 2, "scheduler": 2}), stack.log.read_text()
    assert killed_scheduler not in stack.children()
    assert stack.stop() == 0, stack.log.read_text()
    assert query("SELECT count(*) FROM timers WHERE claimed_by IS NOT NULL AND fired_at IS NULL")[0][0] == 0


def test_sigterm_lets_the_request_in_flight_finish(stack, casework):
    token = stack.call("POST", "/api/v1/auth/token", {"username": "mitarbeiterin", "password": "demo"})[1]["token"]
    body = json.dumps({"process_key": "stack_probe", "variables": {"wait": "P1D"}}).encode()
    head = (f"POST /api/v1/process-instances HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as conn:
        conn.sendall(head + body[:10])  # the request is under way: the worker is reading its body
        time.sleep(0.5)
        assert stack.process is not None
        stack.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        conn.sendall(body[10:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert stack.stop() == 0, stack.log.read_text()
    log = stack.log.read_text()
    assert "Scheduler beendet." in log and log.count("Scheduler beendet.") == 2
    assert query("SELECT count(*) FROM scheduler_heartbeats")[0][0] == 0  # both stopped cleanly


def test_an_insecure_configuration_is_refused(app, tmp_path):
    refused = Stack(app, tmp_path, smtp_port=25, FALLWERK_SECRET_KEY="", FALLWERK_ALLOW_DEMO="0")
    refused.start()
    assert refused.process is not None
    assert refused.process.wait(timeout=60) != 0
    log = refused.log.read_text()
    assert "FALLWERK_SECRET_KEY" in log and "Demo-Benutzer" in log
    assert "Booting worker" not in log
