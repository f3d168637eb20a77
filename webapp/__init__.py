"""The Flask app factory: wires config, extensions, the Casework services, blueprints and CLI."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casework import Casework, StepLimits
from casework.cases.sessions import SessionPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)
# outside debug and testing a shorter secret key refuses to start (issue 11)
MIN_SECRET_KEY_LENGTH = 32


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    from webapp.json_input import StrictJSONProvider

    app.json = StrictJSONProvider(app)
    app.config.from_object("config.default")
    if test_config is not None:
        app.config.from_object("config.testing")
    app.config.from_prefixed_env("FALLWERK")
    if test_config:
        app.config.update(test_config)
    _finish_config(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:  # the client's own address for throttling and logs, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from webapp.extensions import babel, csrf, init_database, login_manager

    init_database(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    from webapp import i18n
    i18n.init_app(app)
    app.extensions["casework"] = _casework(app)

    from webapp import auth_setup, cli, errors, monitoring, outage, production, throttle, views

    monitoring.init_app(app)  # first: its request hooks time and log everything after them
    auth_setup.init_app(app)
    throttle.init_app(app)
    outage.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    production.init_app(app)
    if app.config["DEPLOY_ON_STARTUP"]:
        cli.deploy_on_startup(app)
    from webapp import scheduler

    scheduler.init_app(app)  # last: the background scheduler must see a fully wired app
    return app


def _casework(app: Flask) -> Casework:
    """The service layer, built once from the settings (the one entry for webapp/)."""
    from webapp.casefile.storage_config import document_storage

    return Casework(
        clock=app.config.get("CLOCK"),
        password_method=app.config["PASSWORD_HASH_METHOD"],
        timer_lease_seconds=int(app.config["SCHEDULER_LEASE_SECONDS"]),
        session_policy=SessionPolicy(
            idle_seconds=int(app.config["SESSION_IDLE_TIMEOUT"]),
            lifetime_seconds=int(app.config["SESSION_LIFETIME"]),
            token_lifetime_seconds=int(app.config["API_TOKEN_TTL"]),
        ),
        min_password_length=int(app.config["PASSWORD_MIN_LENGTH"]),
        limits=StepLimits.from_config(app.config),
        document_storage=document_storage(app),
        document_max_bytes=int(app.config["DOCUMENTS_MAX_BYTES"]),
        external_workers=app.config["EXTERNAL_TASK_WORKERS"],
    )


def _finish_config(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("DATABASE_URL") or f"sqlite:///{Path(app.instance_path) / 'fallwerk.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("postgresql"):
        # a database host that drops packets answers 503 after this long, not after minutes
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("connect_args", {"connect_timeout": 5})
    app.config["MIGRATIONS_DIR"] = PROJECT_ROOT / "migrations"
    app.config["WORKFLOWS_DIR"] = Path(app.config.get("WORKFLOWS_DIR") or PROJECT_ROOT / "workflows")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    _check_secret_key(app)


def _check_secret_key(app: Flask) -> None:
    """Refuse to serve with a guessable key: it signs the session cookies and CSRF tokens."""
    key = app.config["SECRET_KEY"]
    if len(key) >= MIN_SECRET_KEY_LENGTH or app.debug or app.testing:
        return
    raise RuntimeError(
        f"FALLWERK_SECRET_KEY ist zu kurz ({len(key)} Zeichen, mindestens {MIN_SECRET_KEY_LENGTH}): "
        "einen zufälligen Schlüssel setzen (z. B. python -c 'import secrets; print(secrets.token_hex(32))') "
        "oder die Variable leer lassen, dann wird instance/secret_key erzeugt."
    )


def _instance_secret(folder: Path) -> str:
    """A per-installation key kept in the instance folder, created on first start."""
    path = folder / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))  # 64 characters
        path.chmod(0o600)
    return path.read_text().strip()


def _select_locale() -> str | None:
    from flask import current_app, request

    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "de"
