"""The Aktenzeichen (business key) of a case: one per organisation and process.

A second case under the same file reference would split one matter's history in two; the start is
refused with a message that names the existing case, so the user can open it instead. A unique
index (migration desk_0012) catches two starts racing each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from casework.errors import ValidationFailed
from models import ProcessInstance

MAX_LENGTH = 200
_BERLIN = ZoneInfo("Europe/Berlin")
_STATUS = {"running": "läuft", "completed": "abgeschlossen", "error": "Fehler", "terminated": "beendet"}


class DuplicateBusinessKey(ValidationFailed):
    """The file reference is taken in this organisation and process (HTTP 422, ``details.existing_case``)."""

    code = "duplicate_business_key"

    def __init__(self, message: str, existing_case: str | None) -> None:
        super().__init__(message, {"business_key": message})
        if existing_case:
            self.details["existing_case"] = existing_case


def clean_business_key(value: Any) -> str | None:
    """Surrounding blanks removed, empty as ``None``.

    Raises:
        ValidationFailed: not a text, or longer than 200 characters.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed("Das Aktenzeichen muss ein Text sein.", {"business_key": "Text erwartet."})
    value = value.strip()
    if len(value) > MAX_LENGTH:
        message = f"Das Aktenzeichen darf höchstens {MAX_LENGTH} Zeichen lang sein."
        raise ValidationFailed(message, {"business_key": message})
    return value or None


def ensure_unique(
    session: sa.orm.Session, *, organisation_id: int | None, process_key: str, process_name: str,
    business_key: str | None,
) -> None:
    """Refuse a file reference another case of the organisation already has in this process.

    Raises:
        DuplicateBusinessKey: the existing case is named (process, start, status) in the message.
    """
    if business_key is None:
        return
    p = ProcessInstance
    owner = p.organisation_id.is_(None) if organisation_id is None else p.organisation_id == organisation_id
    row = session.execute(
        sa.select(p.id, p.started_at, p.status)
        .where(p.process_key == process_key, p.business_key == business_key, owner)
        .order_by(p.started_at)
        .limit(1)
    ).first()
    if row is not None:
        raise DuplicateBusinessKey(duplicate_message(business_key, process_name, row.started_at, row.status),
                                   row.id)


def duplicate_message(business_key: str, process_name: str, started_at: datetime | None = None,
                      status: str | None = None) -> str:
    """The German refusal naming the case that already holds the file reference."""
    case = f"„{process_name}: {business_key}“"
    if started_at is not None:
        day = started_at.astimezone(_BERLIN).strftime("%d.%m.%Y")
        case += f", begonnen am {day}, Stand: {_STATUS.get(status or '', status or '–')}"
    return (f"Das Aktenzeichen {business_key} ist in Ihrer Organisation für diesen Prozess schon vergeben: "
            f"Fall {case}. Bitte öffnen Sie diesen Fall oder wählen Sie ein anderes Aktenzeichen.")
