"""The inbox: my tasks and my groups' tasks, claiming them, and the task page with its form."""

from __future__ import annotations

from flask import Blueprint

from webapp.forms import signed_in_pages

bp = signed_in_pages(Blueprint("inbox", __name__))

from webapp.inbox import routes  # noqa: E402,F401  (registers the views on bp)
