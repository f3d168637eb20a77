"""Fault script: a running server loses its PostgreSQL and gets it back; count the status codes.

Usage: python bench/outage.py [--database-url postgresql://postgres@127.0.0.1:5432/DB] [--requests 200]

Serves `flask --app app run` in its own process on a free loopback port, its database reached
through a small TCP relay of ours on another free port. While the relay forwards, a browser and an
API client sign in; then the relay drops every connection and refuses new ones ("the database is
unreachable"), and the script sends pages, sign-ins and API calls and counts the answers; then the
relay forwards again and the same sessions must work without a restart. The server's own log is
counted too: one line when its scheduler loses the database, one when it is back, no traceback.

The database must be set up (`flask --app app setup --demo`); without --database-url the script
uses FALLWERK_BENCH_POSTGRES_URL or FALLWERK_TEST_POSTGRES_URL. The last line reads
`500s=0 ...` when nothing answered 500. Without any PostgreSQL, `--sqlite` runs the same with an
SQLite file whose folder is missing while "down" and set up for "up".
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/", "/cases", "/cases/new", "/deadlines", "/account", "/nirgends")
API_CALLS = (("GET", "/api/v1/me"), ("GET", "/api/v1/tasks"), ("GET", "/api/v1/process-instances"),
             ("POST", "/api/v1/process-instances"), ("GET", "/api/v1/nirgends"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Relay:
    """Forwards a loopback port to the database; ``cut`` drops all connections and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.open = threading.Event()
        self.open.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            if not self.open.is_set():
                client.close()  # refused, as a stopped server's port would
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def resume(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self._server.close()


class Http:
    """A keep-alive-free client with a cookie jar of one cookie per name and an optional token."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies, self.token = port, {}, None  # type: ignore[var-annotated]

    def call(self, method: str, path: str, body: object = None, form: dict[str, str] | None = None,
             ) -> tuple[int, dict[str, str], str]:
        headers = {"Accept-Language": "de"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data: bytes | None = None
        if form is not None:
            from urllib.parse import urlencode

            data, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def sign_in(self, username: str) -> int:
        _status, _h, page = self.call("GET", "/login")
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        csrf = match.group(1) if match else ""
        return self.call("POST", "/login", form={"username": username, "password": "demo", "csrf_token": csrf})[0]


def start_server(database_url: str, log_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "FALLWERK_DATABASE_URL": database_url, "FALLWERK_SECRET_KEY": secrets.token_hex(32),
           "FALLWERK_DEPLOY_ON_STARTUP": "false", "FALLWERK_SCHEDULER_ENABLED": "true",
           "FALLWERK_SCHEDULER_INTERVAL": "0.2", "FALLWERK_MAIL_PORT": "1", "FLASK_DEBUG": "0",
           # the script signs in from one address more often than a person would
           "FALLWERK_LOGIN_RATE_PER_CLIENT": "1000 per minute"}
    with log_path.open("wb") as log:  # the child keeps its own handle
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and flask
            [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), "--no-reload"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"server exited: {log_path.read_text()[-2000:]}") from None
            time.sleep(0.2)
    server.kill()
    raise SystemExit("server did not start")


def hammer(browser: Http, api: Http, anonymous: Http, requests: int) -> Counter[int]:
    """Pages, sign-ins and API calls, round-robin, ``requests`` in all; counts status codes."""
    counts: Counter[int] = Counter()
    missing_retry_after = 0
    calls = [(browser, "GET", p, None) for p in PAGES] + [(api, m, p, {}) for m, p in API_CALLS] + [
        (anonymous, "POST", "/api/v1/auth/token", {"username": "gf", "password": "demo"}),
        (anonymous, "GET", "/healthz", None)]
    for i in range(requests):
        client, method, path, body = calls[i % len(calls)]
        status, headers, _text = client.call(method, path, body=body)
        counts[status] += 1
        if status == 503 and "retry-after" not in headers:
            missing_retry_after += 1
    counts[-1] = missing_retry_after  # -1: 503 answers without Retry-After
    return counts


def run(database_url: str, requests: int, sqlite_folder: Path | None = None) -> dict[str, object]:
    """The whole fault run; returns the counts (see the module docstring)."""
    work = Path(tempfile.mkdtemp(prefix="fallwerk-outage-"))
    relay = None
    if database_url.startswith("postgresql"):
        parts = urlsplit(database_url)
        relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
        netloc = f"{parts.username + '@' if parts.username else ''}127.0.0.1:{relay.port}"
        served_url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    else:
        served_url = database_url
    server, port = start_server(served_url, work / "server.log")
    try:
        browser, api, anonymous = Http(port), Http(port), Http(port)
        if relay is not None:
            signed_in = browser.sign_in("gf")
            api.token = json.loads(anonymous.call("POST", "/api/v1/auth/token",
                                                  body={"username": "gf", "password": "demo"})[2])["token"]
            time.sleep(0.5)
            relay.cut()
        else:
            signed_in = 0
        down = hammer(browser, api, anonymous, requests)
        time.sleep(1.0)  # the scheduler's passes meet the outage too
        if relay is not None:
            relay.resume()
        elif sqlite_folder is not None:
            _set_up_sqlite(database_url, sqlite_folder)
        recovered_after = _wait_for_recovery(anonymous)
        if relay is None:
            signed_in = browser.sign_in("gf")
            api.token = json.loads(anonymous.call("POST", "/api/v1/auth/token",
                                                  body={"username": "gf", "password": "demo"})[2])["token"]
        time.sleep(1.0)
        up = hammer(browser, api, anonymous, len(PAGES) + len(API_CALLS) + 2)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if relay is not None:
            relay.close()
    log = (work / "server.log").read_text(encoding="utf-8", errors="replace")
    return {"signed_in": signed_in, "down": dict(down), "up": dict(up), "recovered_after_s": recovered_after,
            "scheduler_down_lines": log.count("Datenbank nicht erreichbar"),
            "scheduler_back_lines": log.count("Datenbank wieder erreichbar"),
            "tracebacks": log.count("Traceback"), "log": str(work / "server.log")}


def _wait_for_recovery(client: Http) -> float:
    start = time.monotonic()
    while time.monotonic() - start < 30:
        if client.call("GET", "/healthz")[0] == 200:
            return round(time.monotonic() - start, 2)
        time.sleep(0.1)
    return -1.0


def _set_up_sqlite(database_url: str, folder: Path) -> None:
    """Set the database up beside its folder and move it in at once: the server, trying every
    moment, must not meet a half-migrated file."""
    staging = folder.with_name(folder.name + "-staging")
    staging.mkdir(parents=True, exist_ok=True)
    staged_url = database_url.replace(str(folder), str(staging), 1)
    env = {**os.environ, "FALLWERK_DATABASE_URL": staged_url, "FALLWERK_DEPLOY_ON_STARTUP": "false",
           "FALLWERK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "setup", "--demo"],  # noqa: S603
                   cwd=ROOT, env=env, check=False, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"setup failed: {done.stdout.decode()[-1500:]} {done.stderr.decode()[-1500:]}")
    staging.rename(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("FALLWERK_BENCH_POSTGRES_URL")
                        or os.environ.get("FALLWERK_TEST_POSTGRES_URL"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="no PostgreSQL: an SQLite file, missing while down")
    args = parser.parse_args()
    folder = None
    url = args.database_url
    if args.sqlite or not url:
        folder = Path(tempfile.mkdtemp(prefix="fallwerk-outage-db-")) / "missing"
        url = f"sqlite:///{folder / 'fallwerk.db'}"
    report = run(url, args.requests, folder)
    print(json.dumps(report, indent=2))
    down: dict[int, int] = report["down"]  # type: ignore[assignment]
    up: dict[int, int] = report["up"]  # type: ignore[assignment]
    print(f"500s={down.get(500, 0) + up.get(500, 0)} 503s={down.get(503, 0)} "
          f"503_without_retry_after={down.get(-1, 0)} recovered_after_s={report['recovered_after_s']} "
          f"scheduler_lines={report['scheduler_down_lines']}+{report['scheduler_back_lines']} "
          f"tracebacks={report['tracebacks']}")


if __name__ == "__main__":
    main()
