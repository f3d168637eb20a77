"""Registers the blueprints and the health check."""

from __future__ import annotations

from flask import Flask, jsonify, request

from webapp.api.schemas import Health
from webapp.api.spec import endpoint
from webapp.common import services


def init_app(app: Flask) -> None:
    from webapp.api import bp as api_bp
    from webapp.auth import bp as auth_bp
    from webapp.cases import bp as cases_bp
    from webapp.committees import bp as committees_bp
    from webapp.deadlines import bp as deadlines_bp
    from webapp.designer import bp as designer_bp
    from webapp.designer import diagram_bp
    from webapp.inbox import bp as inbox_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(committees_bp)
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(designer_bp)
    app.register_blueprint(diagram_bp)
    app.register_blueprint(api_bp)
    from webapp import mail_admin

    mail_admin.init_app(app)
    from webapp import casefile

    casefile.init_app(app)  # configures the outbox and reminders, registers /admin/outbox and /account
    app.after_request(_security_headers)

    @app.get("/healthz")
    @endpoint("system", 200, Health, "Healthy", public=True, extra={503: (Health, "Database unreachable")})
    def healthz():  # type: ignore[no-untyped-def]
        """Health check."""
        if not services().management.database_ok():
            retry_after = str(int(app.config.get("OUTAGE_RETRY_AFTER", 30)))
            return jsonify(status="degraded", database="unreachable"), 503, {"Retry-After": retry_after}
        return jsonify(status="ok", database="ok")


# Pages use no inline script or style and no third-party origin, so a strict policy costs nothing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


# bpmn-js and dmn-js write style attributes into the SVG and the panels they build, which a strict
# style-src blocks; scripts stay 'self' only, and only the pages showing a diagram get this.
DIAGRAM_ENDPOINTS = frozenset({"designer.edit", "designer.versions", "cases.show"})
DIAGRAM_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; style-src 'self' 'unsafe-inline'"


def _security_headers(response):  # type: ignore[no-untyped-def]
    if request.endpoint in DIAGRAM_ENDPOINTS:
        response.headers.setdefault("Content-Security-Policy", DIAGRAM_CSP)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # pages show case data: never keep them in shared or browser caches
        response.headers.setdefault("Cache-Control", "no-store")
    return response
