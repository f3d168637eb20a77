"""Instances per second for start -> complete -> complete of `assignment_termination` over HTTP.

Usage: python bench/http_api.py [--seconds 10] [--clients 1 4]
Starts `flask --app app run` (the documented way, threaded dev server) on a fresh SQLite database
in its own process, then drives the JSON API with 1 and 4 concurrent clients (keep-alive
connections, bearer tokens): POST /process-instances, POST /tasks/{id}/complete as `gf`, POST
/tasks/{id}/complete as `personal.ba` - three requests per instance.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
START = {"process_key": "assignment_termination", "variables": {
    "initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
    "reason": "Pflege eines Angehörigen", "requested_end_date": "2027-01-31"}}


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


def run_client(port: int, tokens: dict[str, str], deadline: float, counts: list[int]) -> None:
    client = Client(port)
    done = 0
    while time.perf_counter() < deadline:
        case = client.call("POST", "/api/v1/process-instances", START, tokens["mitarbeiterin"])
        review = case["open_tasks"][0]["id"]
        case = client.call("POST", f"/api/v1/tasks/{review}/complete", {"data": {"decision": "no_objection"}},
                           tokens["gf"])["process_instance"]
        record = case["open_tasks"][0]["id"]
        case = client.call("POST", f"/api/v1/tasks/{record}/complete", {"data": {"end_date": "2027-01-31"}},
                           tokens["personal.ba"])["process_instance"]
        assert case["outcome"] == "terminated", case
        done += 1
    counts.append(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fallwerk-http-"))
    env = {**os.environ, "FALLWERK_DATABASE_URL": f"sqlite:///{folder / 'http.db'}"}
    subprocess.run([FLASK, "--app", "app", "setup", "--demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([FLASK, "--app", "app", "run", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                Client(port).call("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        tokens = {u: Client(port).call("POST", "/api/v1/auth/token", {"username": u, "password": "demo"})["token"]
                  for u in ("mitarbeiterin", "gf", "personal.ba")}
        for clients in args.clients:
            counts: list[int] = []
            deadline = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=run_client, args=(port, tokens, deadline, counts))
                       for _ in range(clients)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            print(f"{clients} client(s): {sum(counts) / elapsed:6.1f} instances/s over HTTP "
                  f"({sum(counts)} instances, 3 requests each, {elapsed:.1f} s)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
