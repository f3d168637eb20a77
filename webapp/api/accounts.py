"""Sign-ins and accounts over the API: token revocation, one's password, an admin's deactivation."""

from __future__ import annotations

from flask import Response, jsonify, request

from webapp import auth_setup
from webapp.api.routes import ApiError, bp, json_body, text_field
from webapp.common import actor, services


@bp.delete("/auth/token")
def revoke_token() -> tuple[str, int]:
    """API.md: revokes the bearer token presented (204); the same token then gets 401."""
    token = auth_setup.bearer_token(request)
    if token is None:  # signed in by the browser session: there is no token to revoke
        raise ApiError("bad_request", 400, reason="bearer token required")
    auth_setup.revoke_token(token)
    return "", 204


@bp.put("/me/password")
def change_password() -> tuple[str, int]:
    """``{"password", "new_password"}`` → 204; every session and token of the caller ends."""
    body = json_body()
    services().directory.change_password(
        actor().user_id, text_field(body, "password", required=True) or "",
        body.get("new_password") if isinstance(body.get("new_password"), str) else "",
    )
    return "", 204


@bp.post("/users/<username>/deactivate")
def deactivate_user(username: str) -> Response:
    """Admins: the user can no longer sign in; their sessions and tokens end at once."""
    services().directory.set_active(username, False, actor=actor())
    return jsonify(username=username, active=False)


@bp.post("/users/<username>/activate")
def activate_user(username: str) -> Response:
    services().directory.set_active(username, True, actor=actor())
    return jsonify(username=username, active=True)
