"""Inbox filters a user keeps under a name and finds again as tabs (issue 13 §3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.clock import Clock
from casework.errors import NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import SavedFilter

MAX_FILTERS = 20
# what a saved filter may hold: the inbox's own query parameters, nothing else
KEYS = ("scope", "process", "due", "sort")


@dataclass(frozen=True)
class FilterInfo:
    id: int
    name: str
    query: dict[str, str]


class SavedFilterService:
    """Each user's saved inbox filters."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def list(self, *, actor: Actor) -> list[FilterInfo]:
        with unit_of_work(write=False) as session:
            rows = session.scalars(
                sa.select(SavedFilter).where(SavedFilter.user_id == actor.user_id).order_by(SavedFilter.name)
            ).all()
            return [FilterInfo(r.id, r.name, dict(r.query)) for r in rows]

    def save(self, *, actor: Actor, name: str, query: Mapping[str, Any]) -> FilterInfo:
        """Keep ``query`` (the inbox's parameters) under ``name``; the same name replaces the filter.

        Raises:
            ValidationFailed: no name, too long, or too many filters.
        """
        name = " ".join(str(name or "").split())
        if not name or len(name) > 80:
            raise ValidationFailed("Bitte einen Namen angeben (höchstens 80 Zeichen).", {"name": "1–80 Zeichen"})
        kept = {k: str(v) for k, v in query.items() if k in KEYS and v}
        with unit_of_work() as session:
            existing = session.scalar(
                sa.select(SavedFilter).where(SavedFilter.user_id == actor.user_id, SavedFilter.name == name)
            )
            if existing is not None:
                existing.query = kept
                return FilterInfo(existing.id, name, kept)
            count = session.scalar(
                sa.select(sa.func.count()).select_from(SavedFilter).where(SavedFilter.user_id == actor.user_id)
            ) or 0
            if count >= MAX_FILTERS:
                raise ValidationFailed(f"Höchstens {MAX_FILTERS} gespeicherte Filter.", {"name": "Zu viele Filter"})
            row = SavedFilter(user_id=actor.user_id, name=name, query=kept, created_at=self.clock.now())
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:  # the same name saved twice at once
                raise ValidationFailed("Ein Filter dieses Namens besteht bereits.", {"name": "Schon vergeben"}) from exc
            return FilterInfo(row.id, name, kept)

    def delete(self, filter_id: int, *, actor: Actor) -> None:
        """Raises: NotFound: not one of the actor's filters."""
        with unit_of_work() as session:
            row = session.scalar(
                sa.select(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == actor.user_id)
            )
            if row is None:
                raise NotFound("Filter nicht gefunden.")
            session.delete(row)
