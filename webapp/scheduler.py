"""The scheduler: every SCHEDULER_INTERVAL seconds, fire due timers and run the periodic jobs.

Timers are database rows, so a restart loses nothing, and any number of schedulers may run (web
processes, `flask --app app scheduler` workers): ManagementService fires each due timer once.
The background scheduler starts with the web server (``flask run`` or a WSGI server), never in
tests, in other CLI commands, or in the reloader's watching parent process.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time

import click
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from casework.unit_of_work import is_outage
from webapp.common import services

log = logging.getLogger(__name__)
JOB_ID = "fallwerk-tick"
# app.extensions key: the scheduler found the database away and said so once
DATABASE_DOWN = "fallwerk_scheduler_database_down"


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    if should_start(app):
        start_background(app)


def should_start(app: Flask) -> bool:
    """Whether this process runs the background scheduler (see the module docstring)."""
    if not app.config["SCHEDULER_ENABLED"] or app.testing:
        return False
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False  # the reloader's parent only watches files; its child serves and schedules
    # A WSGI server loads the app outside any click command; of the CLI commands only `run` serves.
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def tick(app: Flask) -> None:
    """One pass in a fresh app context: the heartbeat, due timers, then the jobs (mail delivery).

    While the database is away, every pass fails the same way: one line when it goes, one when it
    is back, instead of a traceback a second.
    """
    with app.app_context():
        casework = services()
        started = time.perf_counter()
        try:
            casework.monitoring.beat(casework.management.worker, interval=float(app.config["SCHEDULER_INTERVAL"]))
            report = casework.management.tick(limit=int(app.config["SCHEDULER_BATCH"]))
        except Exception as exc:  # noqa: BLE001 - whatever fails, the next pass tries again
            if not is_outage(exc):
                log.exception("scheduler pass failed")
            elif not app.extensions.get(DATABASE_DOWN):
                app.extensions[DATABASE_DOWN] = True
                log.warning("Scheduler: Datenbank nicht erreichbar (%s); nächste Versuche ohne weitere Meldung",
                            type(exc).__name__)
            return
        if app.extensions.pop(DATABASE_DOWN, False):
            log.warning("Scheduler: Datenbank wieder erreichbar; Timer und Aufträge laufen weiter")
        if report.claimed:
            log.info("scheduler pass: %d timer(s) claimed, %d fired, %d retried, %d failed in %.3f s",
                     report.claimed, report.fired, report.retried, report.failed, time.perf_counter() - started)


def _add_job(scheduler: BackgroundScheduler, app: Flask) -> None:
    scheduler.add_job(
        tick, "interval", args=[app], id=JOB_ID, seconds=float(app.config["SCHEDULER_INTERVAL"]),
        max_instances=1, coalesce=True, replace_existing=True,
    )


def start_background(app: Flask) -> BackgroundScheduler:
    """Start the polling thread of a web process; it stops when the process exits."""
    scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
    _add_job(scheduler, app)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    atexit.register(lambda: scheduler.shutdown(wait=False) if scheduler.running else None)
    return scheduler


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run one pass and exit (for cron or a health check).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Fire due timers and run the periodic jobs in the foreground, as a process of its own."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        report = services().management.tick(limit=int(app.config["SCHEDULER_BATCH"]))
        click.echo(f"claimed {report.claimed}, fired {report.fired}, retried {report.retried}, "
                   f"failed {report.failed}")
        return
    # the same background scheduler as in a web process; this thread only waits for the signal
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = start_background(app)
    click.echo(f"Scheduler läuft (alle {app.config['SCHEDULER_INTERVAL']} s); Strg+C beendet ihn.")
    # started by gunicorn's master (config/gunicorn.py): stop when that master is gone
    parent = int(os.environ.get("FALLWERK_SCHEDULER_PARENT_PID") or 0)
    try:
        while not stop.wait(1.0):
            if parent and os.getppid() != parent:
                log.warning("the gunicorn master (pid %d) is gone; the scheduler stops", parent)
                break
    except KeyboardInterrupt:
        pass
    stop_cleanly(app, scheduler)
    click.echo("Scheduler beendet.")


def stop_cleanly(app: Flask, scheduler: BackgroundScheduler) -> None:
    """End the pass under way after its current batch, give back what it claimed, leave no heartbeat."""
    casework = services()
    casework.management.stopping.set()
    scheduler.shutdown(wait=True)
    try:
        released = casework.management.release_claims()
        casework.monitoring.forget(casework.management.worker)
    except Exception:  # the database is away: the claims expire after their lease instead
        log.exception("scheduler could not release its claims")
        return
    if released:
        log.info("scheduler released %d claimed timer(s) on stopping", released)
