"""Small accessors every blueprint uses: the services and the current actor."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g
from flask_login import UserMixin, current_user

from casework import Casework
from casework.records import Actor


class CurrentUser(UserMixin):  # type: ignore[misc]
    """flask-login's view of an Actor."""

    def __init__(self, actor: Actor, via_token: bool = False) -> None:
        self.actor = actor
        self.via_token = via_token

    def get_id(self) -> str:
        return str(self.actor.user_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.actor, name)


def services() -> Casework:
    return current_app.extensions["casework"]  # type: ignore[no-any-return]


def actor() -> Actor:
    """The logged-in actor; 401 (API) or redirect (HTML) is handled by login_required before."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor  # type: ignore[no-any-return]


def request_cache(key: str, factory: Any) -> Any:
    if key not in g:
        setattr(g, key, factory())
    return getattr(g, key)


def page_arg(args: Any) -> int:
    """The ``page`` query parameter of an HTML list; anything odd means the first page."""
    text = str(args.get("page", "1")).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):  # an OFFSET must fit the database
        return 1
    return max(1, int(text))
