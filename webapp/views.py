"""Registers the blueprints and the health check."""

from __future__ import annotations

from flask import Flask, jsonify

from webapp.common import services


def init_app(app: Flask) -> None:
    from webapp.api import bp as api_bp
    from webapp.auth import bp as auth_bp
    from webapp.cases import bp as cases_bp
    from webapp.inbox import bp as inbox_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        if not services().management.database_ok():
            return jsonify(status="degraded", database="unreachable"), 503
        return jsonify(status="ok", database="ok")
