"""GET/POST /login, POST /logout, GET/POST /account/password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.auth import bp
from webapp.auth.forms import LoginForm, PasswordForm
from webapp.auth_setup import end_browser_session, start_browser_session
from webapp.common import CurrentUser, actor, services
from webapp.throttle import remember_browser, sign_in


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]] | str:
    """The sign-in form; the same message for an unknown user and a wrong password (401)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("inbox.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    found, wait = sign_in(form.username.data or "", form.password.data or "")
    if wait is not None:
        form.form_errors.append(_("Too many sign-in attempts. Please wait %(seconds)s seconds and try again.",
                                  seconds=wait))
        return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
    if found is None:
        form.form_errors.append(_("The user name or the password is wrong."))
        return render_template("auth/login.html", form=form), 401
    session.clear()  # nothing of the anonymous session carries over into the signed-in one
    start_browser_session(found.user_id)
    login_user(CurrentUser(found))
    response = redirect(safe_next(form.next.data) or url_for("inbox.index"))
    remember_browser(response, found.username)
    return response


@bp.post("/logout")
def logout() -> Response:
    end_browser_session()  # a copy of the cookie signs no one in any more
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | tuple[str, int] | str:
    """Ends every session and token of the user; this browser gets a fresh session."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form), 422 if form.is_submitted() else 200
    if form.new_password.data != form.repeat.data:
        form.repeat.errors = [_("The two new passwords differ.")]
        return render_template("auth/password.html", form=form), 422
    user_id = actor().user_id
    try:
        services().directory.change_password(user_id, form.password.data or "", form.new_password.data or "")
    except ValidationFailed as exc:
        form.form_errors.append(exc.message)
        return render_template("auth/password.html", form=form), 422
    session.clear()
    start_browser_session(user_id)
    login_user(CurrentUser(actor()))
    flash(_("Your password has been changed; you have been signed out everywhere else."), "success")
    return redirect(url_for("mail_admin.account"))
