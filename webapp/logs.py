"""Log format of every process: text lines, or JSON lines with FALLWERK_LOG_FORMAT=json.

Each line within a request carries its request id. Case variables never reach a log line through
this module: the request line names method, path, status, duration and the user, nothing else.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

# fields a record may carry (as ``extra``) that the JSON line shows as its own keys
_EXTRA_FIELDS = ("request_id", "method", "path", "endpoint", "status", "duration_ms", "user")
_MARK = "_fallwerk_handler"


class RequestIdFilter(logging.Filter):
    """Adds the request id to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's fields, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def text_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def make_handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else text_formatter())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _MARK, True)
    return handler


def configure_logging(app: Flask) -> None:
    """Give the root logger our one handler (once per process); tests keep pytest's capture."""
    log_format = str(app.config.get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise ValueError(f"FALLWERK_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    if app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return
    root.addHandler(make_handler(log_format))
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    logging.getLogger("werkzeug").addFilter(_drop_dev_server_request_lines)
    # APScheduler reports every run of every job at INFO; our scheduler logs the passes that did something
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))


def _drop_dev_server_request_lines(record: logging.LogRecord) -> bool:
    # `flask run` logs each request with its query string (a search may carry a name); ours replaces it
    return record.msg != '"%s" %s %s'
