"""gunicorn settings of the production stack (`make serve`, docs/deployment.md).

One gunicorn master serves the app with FALLWERK_WORKERS processes on FALLWERK_BIND and keeps
FALLWERK_SCHEDULERS scheduler processes (`flask --app app scheduler`) running beside them: it
starts them when it is ready, starts one again when it dies, and stops them after the workers
on SIGTERM. The web workers never run the scheduler themselves.

Before it forks, the master refuses an insecure configuration (webapp/production.py). Run the
migrations before (`flask --app app setup`), as `make serve` and the systemd units do.
"""

from __future__ import annotations

import gc
import glob
import os
import signal
import sys
import tempfile
import threading
import time
from typing import Any


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _setting(name: str, default: str) -> str:
    return os.environ.get(f"FALLWERK_{name}", "").strip() or default


wsgi_app = "app:create_app()"
bind = [address.strip() for address in _setting("BIND", "127.0.0.1:8000").split(",")]
workers = int(_setting("WORKERS", "0")) or 2 * _cores()
# gthread workers with one thread: one request at a time per process (a request is CPU work under the
# GIL; the script watchdog interrupts the one running step), but connections stay open (keep-alive), so
# nginx's upstream keepalive pool and API clients reuse them. bench/http_api.py --serve, interleaved runs
# at load 1-2 (2026-12-04): SQLite 1 client sync 31.8/35.6, gthread 39.2/42.1 instances/s; PostgreSQL
# 4 clients sync 42.0/40.1, gthread 23.9/51.6 (connections can pile on one worker), with
# FALLWERK_THREADS=4 48.1/49.5. Server CPU per instance did not differ measurably.
worker_class = "gthread"
threads = int(_setting("THREADS", "1"))
keepalive = 5
graceful_timeout = int(_setting("GRACEFUL_TIMEOUT", "30"))
timeout = max(60, graceful_timeout)
# the app is built once in the master and the workers are forked from it: a killed worker is back in
# milliseconds, and the configuration check below runs once
preload_app = True
# Fallwerk writes its own request line (request id, user, status, duration); gunicorn's would repeat it
accesslog = None
errorlog = "-"
loglevel = _setting("LOG_LEVEL", "info").lower()
proc_name = "fallwerk"
# gunicorn's control socket (gunicornc) is not part of how Fallwerk is run; several instances on one
# machine would also fight over its one default path
control_socket_disable = True
# web processes in this mode leave the timers and the outbox to the scheduler processes
raw_env = ["FALLWERK_SCHEDULER_ENABLED=false"]
# request metrics of all workers are added up from the files in this folder (prometheus_client)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="fallwerk-metrics-"))
SCHEDULERS = int(_setting("SCHEDULERS", "1"))


class SchedulerProcesses:
    """Keeps ``count`` scheduler processes alive until stop(): a dead one is started again.

    Started with posix_spawn, never fork+exec from a thread: while the master forks a new web worker
    at the same moment, Popen's pipe to its child would be inherited by that worker and block the
    thread until the worker ends.
    """

    def __init__(self, count: int, log: Any) -> None:
        self.count = count
        self.log = log
        self.stopping = threading.Event()
        self.pids: dict[int, int] = {}
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        for slot in range(self.count):
            thread = threading.Thread(target=self._keep, args=(slot,), name=f"scheduler-{slot}", daemon=True)
            self.threads.append(thread)
            thread.start()

    @staticmethod
    def _spawn() -> int:
        env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
        env["FALLWERK_SCHEDULER_PARENT_PID"] = str(os.getpid())  # it stops when this master is gone
        argv = [sys.executable, "-m", "flask", "--app", "app", "scheduler"]
        return os.posix_spawn(sys.executable, argv, env)

    @staticmethod
    def _wait(pid: int) -> int | None:
        try:
            return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        except ChildProcessError:  # gunicorn's SIGCHLD handler reaped it first
            return None

    def _keep(self, slot: int) -> None:
        delay = 1.0
        while True:
            with self.lock:
                if self.stopping.is_set():
                    return
                pid = self.pids[slot] = self._spawn()
            self.log.info("scheduler %d started (pid %d)", slot, pid)
            code = self._wait(pid)
            if self.stopping.is_set():
                return
            self.log.error("scheduler %d (pid %d) ended (exit status %s); starting it again in %.0f s",
                           slot, pid, "unknown" if code is None else code, delay)
            self.stopping.wait(delay)
            delay = min(delay * 2, 30.0)

    def stop(self, timeout: float) -> None:
        with self.lock:
            self.stopping.set()
            pids = list(self.pids.values())
        for pid in pids:
            _signal(pid, signal.SIGTERM)  # it ends its pass and gives its claims back
        deadline = time.monotonic() + timeout
        for slot, thread in enumerate(self.threads):
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():  # its process outlived the grace period (a finished one is never signalled:
                _signal(self.pids[slot], signal.SIGKILL)  # its pid may belong to another process by now)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


_schedulers: SchedulerProcesses | None = None


def on_starting(server: Any) -> None:
    """Refuse an insecure configuration before anything is forked or listening."""
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)  # counts of an earlier run would be added to this one's
    from models import db
    from webapp.production import insecure_settings

    app = server.app.wsgi()
    found = insecure_settings(app)
    for warning in found.warnings:
        server.log.warning(warning)
    for error in found.errors:
        server.log.error("Abgelehnt: %s", error)
    with app.app_context():
        db.engine.dispose()  # the master serves nothing: no connection of its own to keep
    if found.errors:
        raise SystemExit(1)
    # the preloaded app's objects live as long as the workers: the garbage collector need not walk
    # them again in every worker (and touching them would copy the shared memory pages)
    gc.freeze()


def when_ready(server: Any) -> None:
    global _schedulers
    if SCHEDULERS > 0:
        _schedulers = SchedulerProcesses(SCHEDULERS, server.log)
        _schedulers.start()


def post_fork(server: Any, worker: Any) -> None:
    from models import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)  # never share the master's pooled connections across processes


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _schedulers is not None:
        _schedulers.stop(timeout=graceful_timeout)
