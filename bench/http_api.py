"""Instances per second of the 3-step process over HTTP, as users feel it (issue 12).

One instance: POST /process-instances (as `mitarbeiterin`), then three times GET /tasks?scope=candidate
(the group's tasks, as the step's user) and POST /tasks/{id}/complete with the form's data, then GET
/process-instances/{id}: eight requests, keep-alive connections, bearer tokens.

Usage:
  python bench/http_api.py                 # `flask --app app run` (the development server), SQLite
  python bench/http_api.py --serve         # `make serve`'s stack: gunicorn + scheduler (config/gunicorn.py)
  python bench/http_api.py --serve --postgres postgresql://postgres@127.0.0.1:5432/bench
Options: --seconds per measurement (default 10), --clients (default: 1 on SQLite, 1 and 4 on PostgreSQL),
--workers (gunicorn's, default 2 x cores), --repeat N (each measurement N times: median and spread).
--cpu also prints the web processes' CPU time per instance (utime + stime from /proc, before and after each
measurement; the scheduler processes are not counted): on a shared machine a steadier figure than the rate.
--statements runs one instance inside this process (Flask's test client, no HTTP) and prints the SQL statements
and transactions per request, counted with SQLAlchemy's events (a BEGIN is one statement on SQLite).
PostgreSQL also comes from FALLWERK_BENCH_POSTGRES_URL; its public schema is rebuilt.
The last lines print the ratios of one run: SQLite 1 client / SpiffArena's 4.07 instances/s,
PostgreSQL 4 clients / 1 client, PostgreSQL 1 client / SQLite 1 client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SPIFFARENA_RATE = 4.07  # instances/s of the same 3-step process on SpiffArena (issue 12)
PROCESS = ROOT / "bench" / "three_steps.bpmn"
STEPS = (("gf", {"first_note": "geprüft"}), ("personal.ba", {"second_note": "erfasst"}),
         ("traeger.ba", {"approved": True}))
USERS = ("mitarbeiterin", "gf", "personal.ba", "traeger.ba")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: object = None, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.conn.getresponse()
        data = json.loads(response.read() or b"{}")
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data}")
        return data


def one_instance(client: Client, tokens: dict[str, str]) -> None:
    case = client.call("POST", "/api/v1/process-instances", {"process_key": "bench_three_steps"},
                       tokens["mitarbeiterin"])
    for user, data in STEPS:
        tasks = client.call("GET", "/api/v1/tasks?scope=candidate", token=tokens[user])["items"]
        task = next(t for t in tasks if t["process_instance_id"] == case["id"])
        client.call("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data}, tokens[user])
    case = client.call("GET", f"/api/v1/process-instances/{case['id']}", token=tokens["mitarbeiterin"])
    assert case["status"] == "completed", case


def run_client(port: int, tokens: dict[str, str], deadline: float, counts: list[int]) -> None:
    client = Client(port)
    done = 0
    while time.perf_counter() < deadline:
        one_instance(client, tokens)
        done += 1
    counts.append(done)


def measure(port: int, tokens: dict[str, str], clients: int, seconds: float) -> tuple[float, int]:
    """Instances per second, and how many instances were run."""
    counts: list[int] = []
    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=run_client, args=(port, tokens, deadline, counts)) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - t0), sum(counts)


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (Linux /proc), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def web_processes(root: int) -> list[int]:
    """The server process and its children, without the scheduler processes (Linux /proc)."""
    found = [root]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == root and b"scheduler" not in command:
            found.append(int(entry.name))
    return found


def web_cpu(root: int) -> float:
    """CPU seconds used so far by the web processes (a worker that died in between is not counted)."""
    return sum(_cpu_seconds(pid) for pid in web_processes(root))


class Server:
    """A fresh database with the demo world and the bench process, served by one of the two stacks."""

    def __init__(self, url: str, *, serve: bool, workers: int | None) -> None:
        self.port = free_port()
        self.env = {**os.environ, "FALLWERK_DATABASE_URL": url, "FALLWERK_ALLOW_DEMO": "1",
                    "FALLWERK_SECRET_KEY": "bench-" + "s" * 40, "FALLWERK_BIND": f"127.0.0.1:{self.port}",
                    "FALLWERK_LOG_LEVEL": os.environ.get("FALLWERK_LOG_LEVEL", "INFO")}
        if workers:
            self.env["FALLWERK_WORKERS"] = str(workers)
        self.serve = serve
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="fallwerk-bench-", suffix=".log")[1])

    def __enter__(self) -> Server:
        if self.env["FALLWERK_DATABASE_URL"].startswith("postgresql"):
            reset_postgres(self.env["FALLWERK_DATABASE_URL"])
        for args in (["setup", "--demo"], ["workflows", "deploy", str(PROCESS)]):
            subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env, check=True,
                           capture_output=True)
        command = ([str(BIN / "gunicorn"), "--config", "config/gunicorn.py"] if self.serve else
                   [str(BIN / "flask"), "--app", "app", "run", "--port", str(self.port)])
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT)
        self._wait()
        return self

    def _wait(self) -> None:
        for _ in range(300):
            try:
                Client(self.port).call("GET", "/healthz")
                return
            except (OSError, RuntimeError, http.client.HTTPException):
                assert self.process is not None and self.process.poll() is None, self.log.read_text()
                time.sleep(0.1)
        raise SystemExit("server did not come up:\n" + self.log.read_text())

    def tokens(self) -> dict[str, str]:
        return {u: Client(self.port).call("POST", "/api/v1/auth/token", {"username": u, "password": "demo"})["token"]
                for u in USERS}

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=60)


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def run_database(name: str, url: str, clients: list[int], args: argparse.Namespace) -> dict[int, list[float]]:
    rates: dict[int, list[float]] = {}
    cpus: dict[int, list[float]] = {}
    with Server(url, serve=args.serve, workers=args.workers) as server:
        tokens = server.tokens()
        one_instance(Client(server.port), tokens)  # warm-up: every worker's caches, the first connections
        for _ in range(args.repeat):
            for n in clients:
                assert server.process is not None
                cpu_before = web_cpu(server.process.pid)
                rate, instances = measure(server.port, tokens, n, args.seconds)
                cpu = (web_cpu(server.process.pid) - cpu_before) * 1000 / max(instances, 1)
                rates.setdefault(n, []).append(rate)
                cpus.setdefault(n, []).append(cpu)
                print(f"{name:10} {n} client(s): {rate:6.1f} instances/s (8 requests each: "
                      f"{1000 * n / rate / 8:.2f} ms per request and client)"
                      + (f"; server CPU {cpu:.2f} ms per instance" if args.cpu else ""), flush=True)
    if args.cpu:
        for n, values in sorted(cpus.items()):
            print(f"{name}, {n} client(s): server CPU {spread(values)} ms per instance", flush=True)
    return rates


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"median {statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serve", action="store_true", help="the production stack (gunicorn), not `flask run`")
    parser.add_argument("--postgres", default=os.environ.get("FALLWERK_BENCH_POSTGRES_URL"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, nargs="+")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 2 x cores)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cpu", action="store_true", help="also the web processes' CPU ms per instance")
    parser.add_argument("--statements", action="store_true",
                        help="only count SQL statements and transactions per request (in-process, no HTTP)")
    args = parser.parse_args()
    if args.statements:
        count_statements(args.postgres)
        return
    print(f"stack: {'gunicorn (make serve)' if args.serve else 'flask run (development server)'}; "
          f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="fallwerk-http-"))
    sqlite = run_database("SQLite", f"sqlite:///{folder / 'http.db'}", args.clients or [1], args)
    postgres = run_database("PostgreSQL", args.postgres, args.clients or [1, 4], args) if args.postgres else {}
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for n, values in sorted(sqlite.items()):
        print(f"SQLite, {n} client(s): {spread(values)} instances/s")
    for n, values in sorted(postgres.items()):
        print(f"PostgreSQL, {n} client(s): {spread(values)} instances/s")
    if 1 in sqlite:
        base = statistics.median(sqlite[1])
        print(f"ratio SQLite 1 client / SpiffArena {SPIFFARENA_RATE}: {base / SPIFFARENA_RATE:.1f} x (goal >= 25)")
        if 1 in postgres:
            print(f"ratio PostgreSQL 1 client / SQLite 1 client: {statistics.median(postgres[1]) / base:.2f} "
                  "(goal >= 0.70)")
    if 1 in postgres and 4 in postgres:
        print(f"ratio PostgreSQL 4 clients / 1 client: "
              f"{statistics.median(postgres[4]) / statistics.median(postgres[1]):.2f} (goal >= 1.5)")


def count_statements(postgres: str | None) -> None:
    """One instance through Flask's test client; per request the statements and transactions it ran."""
    from sqlalchemy import event

    url = postgres or f"sqlite:///{Path(tempfile.mkdtemp(prefix='fallwerk-sql-')) / 'sql.db'}"
    if postgres:
        reset_postgres(postgres)
    env = {**os.environ, "FALLWERK_DATABASE_URL": url, "FALLWERK_ALLOW_DEMO": "1"}
    for command in (["setup", "--demo"], ["workflows", "deploy", str(PROCESS)]):
        subprocess.run([str(BIN / "flask"), "--app", "app", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    os.environ["FALLWERK_DATABASE_URL"] = url
    os.environ["FALLWERK_SCHEDULER_ENABLED"] = "false"
    sys.path.insert(0, str(ROOT))
    from models import db
    from webapp import create_app

    app = create_app()
    counts = {"statements": 0, "transactions": 0}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: counts.__setitem__("statements", counts["statements"] + 1))

    def begun(connection: object) -> None:  # a real transaction, not a read_once statement in autocommit mode
        options = connection.get_execution_options()  # type: ignore[attr-defined]
        if not options.get("fallwerk_read_once") and options.get("isolation_level") != "AUTOCOMMIT":
            counts["transactions"] += 1

    event.listen(engine, "begin", begun)
    client = app.test_client()
    tokens = {u: client.post("/api/v1/auth/token", json={"username": u, "password": "demo"}).get_json()["token"]
              for u in USERS}
    totals: dict[str, list[int]] = {}

    def call(label: str, method: str, path: str, token: str, body: object = None) -> dict:
        before = dict(counts)
        response = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 300, (path, response.status_code, response.get_data(as_text=True))
        spent = [counts[k] - before[k] for k in ("statements", "transactions")]
        totals.setdefault(label, []).extend(spent)
        print(f"{label:28} {spent[0]:3d} statements, {spent[1]:2d} transactions", flush=True)
        return response.get_json()  # type: ignore[no-any-return]

    for run in range(2):  # the first run warms the caches; the second is what a running server does
        print(f"-- instance {run + 1} ({'cold' if run == 0 else 'warm'})")
        before = dict(counts)
        case = call("POST /process-instances", "POST", "/api/v1/process-instances", tokens["mitarbeiterin"],
                    {"process_key": "bench_three_steps"})
        for user, data in STEPS:
            items = call("GET /tasks?scope=candidate", "GET", "/api/v1/tasks?scope=candidate", tokens[user])["items"]
            task = next(t for t in items if t["process_instance_id"] == case["id"])
            call("POST /tasks/{id}/complete", "POST", f"/api/v1/tasks/{task['id']}/complete", tokens[user],
                 {"data": data})
        call("GET /process-instances/{id}", "GET", f"/api/v1/process-instances/{case['id']}",
             tokens["mitarbeiterin"])
        print(f"instance: {counts['statements'] - before['statements']} statements, "
              f"{counts['transactions'] - before['transactions']} transactions in 8 requests")


if __name__ == "__main__":
    main()
