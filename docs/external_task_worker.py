"""An external task worker for Fallwerk, in plain Python (standard library only).

Camunda 7's external task pattern: a service task with ``camunda:type="external"`` and
``camunda:topic="credit-check"`` waits until a worker fetches it, does the work in any system it
likes, and reports back. Run it against a Fallwerk server, signed in as a service account allowed
for the topic (setting EXTERNAL_TASK_WORKERS; the demo has ``dienst.worker``, password ``demo``)::

    python docs/external_task_worker.py --url http://127.0.0.1:5000 --user dienst.worker --password demo

It long-polls nothing: it fetches, works, sleeps a little when there was nothing to do. ``--once``
works off what is there and exits (tests use it). Replace ``check_credit`` with your own work.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Any


class Fallwerk:
    """The five external task calls of API.md, with a bearer token."""

    def __init__(self, url: str, user: str, password: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"an http(s) address is expected, got {url!r}")
        self.url = url.rstrip("/") + "/api/v1"
        self.token = self._call("POST", "/auth/token", {"username": user, "password": password}, auth=False)["token"]

    def _call(self, method: str, path: str, body: dict[str, Any], *, auth: bool = True) -> Any:
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method=method,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a configured URL
            text = response.read()
        return json.loads(text) if text else None

    def fetch_and_lock(self, worker: str, topics: list[str], lock_ms: int = 60_000, max_tasks: int = 10) -> Any:
        return self._call("POST", "/external-tasks/fetch-and-lock", {
            "worker_id": worker, "max_tasks": max_tasks,
            "topics": [{"topic": t, "lock_duration_ms": lock_ms} for t in topics]})

    def complete(self, task_id: str, worker: str, variables: dict[str, Any]) -> None:
        self._call("POST", f"/external-tasks/{task_id}/complete", {"worker_id": worker, "variables": variables})

    def bpmn_error(self, task_id: str, worker: str, code: str, variables: dict[str, Any]) -> None:
        self._call("POST", f"/external-tasks/{task_id}/bpmn-error",
                   {"worker_id": worker, "error_code": code, "variables": variables})

    def failure(self, task_id: str, worker: str, message: str, retries: int, retry_timeout_ms: int) -> None:
        self._call("POST", f"/external-tasks/{task_id}/failure", {
            "worker_id": worker, "error_message": message, "retries": retries,
            "retry_timeout_ms": retry_timeout_ms})


def check_credit(variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The work: ("complete", variables) or ("bpmn-error", variables) for a business outcome."""
    amount = float(variables.get("amount") or 0)
    if amount > 50_000:
        return "bpmn-error", {"rejection_reason": "Betrag über der Grenze"}
    return "complete", {"credit_ok": True, "score": 700 if amount < 10_000 else 550}


def work_once(client: Fallwerk, worker: str, topics: list[str]) -> int:
    """Fetch what there is and answer each task; returns how many were handled."""
    tasks = client.fetch_and_lock(worker, topics)
    for task in tasks:
        try:
            outcome, variables = check_credit(task["variables"])
        except Exception as exc:  # noqa: BLE001 - any failure of the work is reported, with retries
            retries = 3 if task["retries"] is None else task["retries"] - 1
            client.failure(task["id"], worker, f"{type(exc).__name__}: {exc}", max(retries, 0), 10_000)
            continue
        if outcome == "bpmn-error":
            client.bpmn_error(task["id"], worker, "CREDIT_REJECTED", variables)
        else:
            client.complete(task["id"], worker, variables)
    return len(tasks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--user", default="dienst.worker")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--topic", action="append", dest="topics", default=None)
    parser.add_argument("--once", action="store_true", help="work off what is there, then exit")
    args = parser.parse_args()
    worker = f"{socket.gethostname()}-{id(args)}"
    try:
        client = Fallwerk(args.url, args.user, args.password)
        topics = args.topics or ["credit-check"]
        while True:
            handled = work_once(client, worker, topics)
            print(f"{handled} external task(s) handled", flush=True)
            if args.once:
                return 0
            if not handled:
                time.sleep(2)
    except urllib.error.HTTPError as exc:
        print(f"Fallwerk answered {exc.code}: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
