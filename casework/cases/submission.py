"""What a task's submitted data must satisfy beyond its form, and what of it the history may show.

A ``file`` field must name a document of the same case; a confidential field (a secret ballot) is
recorded by name only. Used by ``TaskService.complete``; imports models and the base modules.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from casework.errors import ValidationFailed
from models import CaseDocument


def check_documents(session: sa.orm.Session, instance_id: str, form: Any, clean: dict[str, Any]) -> None:
    """A ``file`` field names a document of this case, never another case's.

    Raises:
        ValidationFailed: naming each field whose document is not one of the case's.
    """
    wanted = {f.name: clean[f.name] for f in form.fields if f.type == "file" and clean.get(f.name)}
    if not wanted:
        return
    found = set(session.scalars(sa.select(CaseDocument.id).where(
        CaseDocument.instance_id == instance_id, CaseDocument.id.in_(sorted(set(wanted.values()))))))
    wrong = {name: "Kein Dokument dieses Falls." for name, doc in wanted.items() if doc not in found}
    if wrong:
        raise ValidationFailed("Die Eingaben sind ungültig.", wrong)


def recordable(meta: Any, clean: dict[str, Any]) -> dict[str, Any]:
    """The submitted values the history may show: a confidential field (a secret ballot) is named
    as given, its value left out; the process reveals the collected ballots once the vote closes."""
    secret = {f.name for f in meta.form.fields if f.confidential} if meta is not None else set()
    if not secret & set(clean):
        return clean
    shown: dict[str, Any] = {k: v for k, v in clean.items() if k not in secret}
    shown["confidential"] = sorted(secret & set(clean))
    return shown
