"""Sign-ins and accounts over the API: tokens (issue, revoke), the caller, one's password, and an
admin's deactivation of a user (API.md; sessions and tokens are server-side, issue 11)."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify, request
from pydantic import Field

from webapp import auth_setup, throttle
from webapp.api import serialise
from webapp.api.casefile import Absence, absence_json
from webapp.api.errors import ApiError, error_response
from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, Text, Time
from webapp.api.spec import endpoint
from webapp.common import actor, services


class TokenRequest(Body):
    # not stripped: a password may begin or end with a blank
    username: str = Field(min_length=1)
    password: str = Field(min_length=1, json_schema_extra={"format": "password"})


class Token(Answer):
    token: str = Field(description="send as Authorization: Bearer <token>")
    token_type: str = Field(description="always Bearer")
    expires_at: Time


class Me(Answer):
    username: str
    display_name: str
    email: str | None
    groups: list[str]
    organisation: str | None = Field(description="name of the primary organisation")
    organisation_id: str | None
    is_admin: bool
    absence: Absence | None = Field(None, description="the caller's recorded absence (Vertretung), or null")
    stands_in_for: list[str] = Field(default_factory=list, description="usernames the caller stands in for today")


class PasswordChange(Body):
    password: Text = Field(description="the current password")
    new_password: str = Field(description="at least PASSWORD_MIN_LENGTH characters")


class UserActive(Answer):
    username: str
    active: bool


@bp.post("/auth/token")
@endpoint("auth", 200, Token, "A token", 400, 401, 422, 429, public=True)
def issue_token(json: TokenRequest) -> Response:
    """Get a bearer token.

    401 is the same answer for an unknown user and a wrong password; 422 names a missing username
    or password in details.fields; 429 with Retry-After when sign-ins from this address or for this
    account are throttled (README "Sign-in throttling"). No CSRF token needed.
    """
    found, wait = throttle.sign_in(json.username, json.password)
    if wait is not None:
        response = error_response("too_many_requests", 429, {"retry_after": wait})
        response.headers["Retry-After"] = str(wait)
        return response
    if found is None:
        raise ApiError("invalid_credentials", 401)
    token, expires_at = auth_setup.issue_token(found.user_id)
    return jsonify(serialise.token(token, expires_at))


@bp.delete("/auth/token")
@endpoint("auth", 204, None, "Revoked; it now gets 401", 400)
def revoke_token() -> tuple[str, int]:
    """Revoke the bearer token presented.

    400 when called with a session cookie instead of a token: there is no token to revoke.
    """
    token = auth_setup.bearer_token(request)
    if token is None:
        raise ApiError("bad_request", 400, reason="bearer token required")
    auth_setup.revoke_token(token)
    return "", 204


@bp.get("/me")
@endpoint("auth", 200, Me, "The caller")
def me() -> Response:
    """The caller."""
    who = actor()
    data = serialise.me(who, services().directory.organisation_name(who.primary_organisation_id))
    data["absence"] = absence_json(services().absences.get(actor=who))
    data["stands_in_for"] = [s.username for s in who.stands_in_for]
    return jsonify(data)


@bp.put("/me/password")
@endpoint("auth", 204, None, "Changed", 400, 422)
def change_password(json: PasswordChange) -> tuple[str, int]:
    """Change one's password; ends every session and token of the caller."""
    services().directory.change_password(actor().user_id, json.password, json.new_password)
    return "", 204


@bp.post("/users/<username>/deactivate")
@endpoint("auth", 200, UserActive, "Deactivated", 403, 404)
def deactivate_user(username: str) -> Response:
    """Deactivate a user (admin); their sessions and tokens end at once."""
    services().directory.set_active(username, False, actor=actor())
    return jsonify(username=username, active=False)


@bp.post("/users/<username>/activate")
@endpoint("auth", 200, UserActive, "Active again", 403, 404)
def activate_user(username: str) -> Response:
    """Reactivate a user (admin)."""
    services().directory.set_active(username, True, actor=actor())
    return jsonify(username=username, active=True)


class Notifications(Body):
    new_task: Literal["immediately", "daily", "off"] = Field(
        description="a mail for each new task offered or assigned (immediately), in the daily digest, or none"
    )


class NotificationChoice(Answer):
    new_task: Literal["immediately", "daily", "off"]


@bp.get("/me/notifications")
@endpoint("auth", 200, NotificationChoice, "The caller's choice of mails for new tasks")
def get_notifications() -> Response:
    """How the caller hears of new tasks."""
    return jsonify({"new_task": services().new_task_mail.get_choice(actor=actor())})


@bp.put("/me/notifications")
@endpoint("auth", 200, NotificationChoice, "The choice, stored", 400, 422)
def set_notifications(json: Notifications) -> Response:
    """Choose a mail for each new task, the daily digest, or none."""
    return jsonify({"new_task": services().new_task_mail.set_choice(actor=actor(), new_task=json.new_task)})
