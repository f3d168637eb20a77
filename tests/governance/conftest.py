"""The demo committees are set-up data shared by the whole suite: tests that change them get them back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from models import db

COMMITTEE_TABLES = ("bodies", "body_members")  # parents first for inserting


@pytest.fixture
def restore_committees(app: Flask) -> Iterator[None]:
    """Put bodies and seats back as they were before the test (the test may add organisations' bodies)."""
    with app.app_context():
        with db.engine.connect() as conn:
            saved = {t: [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {t}"))]  # noqa: S608
                     for t in COMMITTEE_TABLES}
        db.session.remove()
    yield
    with app.app_context():
        with db.engine.begin() as conn:
            for table in reversed(COMMITTEE_TABLES):
                conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
            for table in COMMITTEE_TABLES:
                if saved[table]:
                    conn.execute(sa.table(table, *(sa.column(c) for c in saved[table][0])).insert(), saved[table])
        db.session.remove()
