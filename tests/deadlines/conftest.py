"""Fixtures for the calculator's and the legal parameters' database tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from models import Organisation, db


@pytest.fixture
def org_id(casework: Any) -> Any:
    """org_id("jc-musterkreis") -> the demo organisation's id."""

    def find(slug: str) -> int:
        found = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))
        assert found is not None, slug
        return int(found)

    return find


@pytest.fixture
def restore_legal(casework: Any) -> Iterator[None]:
    """Tests that add versions get the law back afterwards: the seed is written once per run."""
    yield
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM legal_parameters"))
    db.session.remove()
    casework.legal.seed()
