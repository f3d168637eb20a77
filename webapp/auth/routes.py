"""GET/POST /login, POST /logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.auth import bp
from webapp.auth.forms import LoginForm
from webapp.common import CurrentUser, services


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """The sign-in form; the same message for an unknown user and a wrong password (401)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    found = services().directory.authenticate(form.username.data or "", form.password.data or "")
    if found is None:
        form.form_errors.append(_("The user name or the password is wrong."))
        return render_template("auth/login.html", form=form), 401
    session.clear()  # nothing of the anonymous session carries over into the signed-in one
    login_user(CurrentUser(found))
    return redirect(safe_next(form.next.data) or url_for("inbox.index"))


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have been signed out."), "success")
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
