"""The OpenAPI description of webapp/api/accounts.py (sign-ins and accounts, issue 11)."""

from __future__ import annotations

from typing import Any

from webapp.api.openapi import JSON, _param, obj, op, string

USERNAME = _param("username", "path", string(), "the user name")


def account_paths(p: str) -> dict[str, dict[str, Any]]:
    password = {"required": True, "content": {JSON: {"schema": obj(
        ("password", "new_password"), None, password=string("the current password"),
        new_password=string("at least PASSWORD_MIN_LENGTH characters"))}}}
    active = obj(("username", "active"), None, username=string(), active={"type": "boolean"})
    return {
        f"{p}/auth/token": {
            "delete": op("Revoke the bearer token presented", "auth", ("204", "Revoked; it now gets 401", None),
                         errors=("400",), description="400 when called with a session cookie instead of a token."),
        },
        f"{p}/me/password": {
            "put": op("Change one's password; ends every session and token of the caller", "auth",
                      ("204", "Changed", None), body=password, errors=("400", "422")),
        },
        f"{p}/users/{{username}}/deactivate": {
            "post": op("Deactivate a user (admin); ends their sessions and tokens", "auth",
                       ("200", "Deactivated", active), params=[USERNAME], errors=("403", "404")),
        },
        f"{p}/users/{{username}}/activate": {
            "post": op("Reactivate a user (admin)", "auth", ("200", "Active again", active),
                       params=[USERNAME], errors=("403", "404")),
        },
    }
