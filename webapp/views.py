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
    app.after_request(_security_headers)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        if not services().management.database_ok():
            return jsonify(status="degraded", database="unreachable"), 503
        return jsonify(status="ok", database="ok")


# Pages use no inline script or style and no third-party origin, so a strict policy costs nothing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response):  # type: ignore[no-untyped-def]
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # pages show case data: never keep them in shared or browser caches
        response.headers.setdefault("Cache-Control", "no-store")
    return response
