"""Operations: a request id and one log line per request, /readyz, and /metrics for Prometheus.

Request metrics live in each process; under gunicorn, prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, set by config/gunicorn.py) adds up the workers' files at scrape time.
The state of the work (tasks, timers, outbox, failed cases, schedulers) is counted in the
database when scraped, so every process reports the same figures.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from webapp.api.schemas import Readiness
from webapp.api.spec import endpoint
from webapp.common import services
from webapp.logs import configure_logging

REQUEST_ID_HEADER = "X-Request-ID"
# an id handed in by the proxy (nginx $request_id) is kept when it is short and harmless
_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_log = logging.getLogger("fallwerk.request")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Created once per process; only process-local until a scrape adds them up.
_PROCESS = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("fallwerk_http_requests", "HTTP requests answered, by endpoint and status",
                   ["method", "endpoint", "status"], registry=_PROCESS)
LATENCY = Histogram("fallwerk_http_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["method", "endpoint"], registry=_PROCESS,
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))

_GAUGES = (
    ("open_tasks", "fallwerk_open_tasks", "User tasks waiting to be done"),
    ("overdue_tasks", "fallwerk_overdue_tasks", "Open user tasks past their due date"),
    ("timers_due", "fallwerk_timers_due", "Timers due and not fired yet"),
    ("timers_late", "fallwerk_timers_late", "Timers still unfired a minute after their due time"),
    ("outbox_backlog", "fallwerk_outbox_backlog", "Mails queued for delivery"),
    ("outbox_failed", "fallwerk_outbox_failed", "Mails given up after the last attempt"),
    ("failed_cases", "fallwerk_failed_cases", "Cases stopped by an error (status error)"),
    ("schedulers_alive", "fallwerk_schedulers_alive", "Schedulers heard from within three of their intervals"),
    ("scheduler_last_heartbeat", "fallwerk_scheduler_last_heartbeat_timestamp_seconds",
     "Unix time of the latest scheduler heartbeat (0: none)"),
)


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_begin)
    app.after_request(_finish)
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics)


def _begin() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _GOOD_ID.fullmatch(incoming) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:  # a request refused before our hook ran (e.g. by another before_request)
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "none"
    response.headers[REQUEST_ID_HEADER] = g.request_id
    method = request.method if request.method in _METHODS else "other"  # a client's made-up verb is no label
    _count(method, endpoint, response.status_code).inc()
    _timer(method, endpoint).observe(seconds)
    if request_log.isEnabledFor(logging.INFO):
        # the path only, never the query string: a search may carry a name (personal data)
        user = _username()
        request_log.info(
            "%s %s %d %.1f ms user=%s id=%s", request.method, request.path, response.status_code,
            seconds * 1000, user or "-", g.request_id,
            extra={"request_id": g.request_id, "method": request.method, "path": request.path,
                   "endpoint": endpoint, "status": response.status_code,
                   "duration_ms": round(seconds * 1000, 2), "user": user},
        )
    return response


@functools.cache
def _count(method: str, endpoint: str, status: int) -> Any:
    # one child per label set, looked up once: labels() takes a lock and builds a key on every call
    return REQUESTS.labels(method, endpoint, str(status))


@functools.cache
def _timer(method: str, endpoint: str) -> Any:
    return LATENCY.labels(method, endpoint)


def _username() -> str | None:
    # only a user this request has loaded already: logging must not cost a session or token lookup
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.username)


@endpoint("system", 200, Readiness, "Ready", public=True, extra={503: (Readiness, "Not ready (Retry-After)")})
def readyz() -> tuple[Response, int] | Response:
    """200 when the database answers, its schema is at the newest migration and a scheduler beat lately."""
    facts = services().monitoring.readiness()
    if not facts.database:
        return _unready({"database": "unreachable"})
    schema_ok = facts.revisions == _schema_heads(current_app)
    checks = {"database": "ok", "schema": "current" if schema_ok else "outdated",
              "scheduler": "ok" if facts.scheduler_age is not None else "silent"}
    if not schema_ok or facts.scheduler_age is None:
        return _unready(checks)
    return jsonify(status="ready", **checks)


def _unready(checks: dict[str, str]) -> tuple[Response, int]:
    response = jsonify(status="unready", **checks)
    response.headers["Retry-After"] = "5"
    return response, 503


def _schema_heads(app: Flask) -> frozenset[str]:
    heads = app.extensions.get("fallwerk_schema_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(app.config["MIGRATIONS_DIR"]))
        heads = frozenset(ScriptDirectory.from_config(config).get_heads())
        app.extensions["fallwerk_schema_heads"] = heads
    return heads  # type: ignore[no-any-return]


@endpoint(
    "system",
    200,
    None,
    "Prometheus text format; metric names begin fallwerk_",
    public=True,
    extra={403: (None, "neither from this machine nor with the METRICS_TOKEN bearer token")},
)
def metrics() -> Response | tuple[Response, int]:
    """Prometheus text format, for a scraper on this machine or one holding METRICS_TOKEN."""
    if not _may_scrape():
        return jsonify(error="forbidden", message="Metriken nur über localhost oder mit dem Metrik-Token."), 403
    return Response(generate_latest(_Scrape(services().monitoring.gauges())), mimetype=CONTENT_TYPE_LATEST)


def _may_scrape() -> bool:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    header = request.headers.get("Authorization", "")
    if token and header[:7].lower() == "bearer ":
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    # through a reverse proxy every client looks local: a forwarded request is never trusted as local
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class _Scrape:
    """What one scrape shows: the request metrics (of every worker) and the gauges just counted."""

    def __init__(self, gauges: dict[str, float]) -> None:
        self.gauges = gauges

    def collect(self) -> Iterator[Metric]:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            from prometheus_client.multiprocess import MultiProcessCollector

            yield from MultiProcessCollector(None, path=directory).collect()
        else:
            yield from _PROCESS.collect()
        for key, name, text in _GAUGES:
            yield GaugeMetricFamily(name, text, value=float(self.gauges[key]))

