"""ManagementService: health and maintenance of the engine (due timers join it with the scheduler)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from casework.unit_of_work import unit_of_work


class ManagementService:
    def database_ok(self) -> bool:
        """True when the database answers a trivial query (for /healthz); never raises."""
        try:
            with unit_of_work(write=False) as session:
                session.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True
