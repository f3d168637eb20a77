"""NoteService: notes on a case, optionally tied to one of its tasks; part of the hash-chained history."""

from __future__ import annotations

import sqlalchemy as sa

from casework.casefile.chain import append_events
from casework.casefile.records import NoteInfo
from casework.cases.access import AccessService
from casework.cases.history import PendingEvent
from casework.cases.runtime import RuntimeService
from casework.clock import Clock
from casework.errors import NotFound, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import CaseNote, HumanTask, User

MAX_NOTE_LENGTH = 10_000


class NoteService:
    """Notes are never edited or deleted: a correction is a new note."""

    def __init__(self, runtime: RuntimeService, access: AccessService, clock: Clock) -> None:
        self.runtime = runtime
        self.access = access
        self.clock = clock

    def list(self, instance_id: str, *, actor: Actor, newest_first: bool = False) -> list[NoteInfo]:
        """The notes of a case the actor may see, oldest first (the API) or newest first (the pages).

        Raises:
            NotFound: unknown, or not visible to the actor.
        """
        with unit_of_work(write=False) as session:
            self._require_visible(session, actor, instance_id)
            order = CaseNote.id.desc() if newest_first else CaseNote.id
            rows = session.execute(
                sa.select(CaseNote, User.display_name, HumanTask.title)
                .outerjoin(User, User.username == CaseNote.author)
                .outerjoin(HumanTask, HumanTask.id == CaseNote.task_id)
                .where(CaseNote.instance_id == instance_id)
                .order_by(order)
            ).all()
            return [_info(note, name, title) for note, name, title in rows]

    def add(self, instance_id: str, *, actor: Actor, text: object, task_id: object = None) -> NoteInfo:
        """Write a note (plain text up to 10,000 characters) and its history event in one transaction.

        Raises:
            NotFound: the case is unknown or not visible.
            ValidationFailed: empty or too long text, or a task that is not one of the case's.
        """
        clean = _clean_text(text)
        with unit_of_work() as session:
            self._require_visible(session, actor, instance_id)
            title = _task_title(session, instance_id, task_id)
            now = self.clock.now()
            note = CaseNote(instance_id=instance_id, task_id=task_id or None, author=actor.username,
                            at=now, text=clean)
            session.add(note)
            session.flush()
            event = PendingEvent(now, actor.username, "note_added", task_id=note.task_id, task_title=title,
                                 data={"note_id": str(note.id), "text": clean})
            append_events(session, self.runtime, instance_id, [event])
            return _info(note, actor.display_name, title)

    def _require_visible(self, session: sa.orm.Session, actor: Actor, instance_id: str) -> None:
        if not isinstance(instance_id, str) or not self.access.can_see_instance(session, actor, instance_id):
            raise NotFound("Fall nicht gefunden.")


def _clean_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed("Die Notiz ist leer.", {"text": "Bitte einen Text eingeben."})
    # browsers send CRLF; store one kind of line break, so the length is what the writer sees
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(clean) > MAX_NOTE_LENGTH:
        raise ValidationFailed(
            "Die Notiz ist zu lang.", {"text": f"Höchstens {MAX_NOTE_LENGTH:,} Zeichen.".replace(",", ".")}
        )
    return clean


def _task_title(session: sa.orm.Session, instance_id: str, task_id: object) -> str | None:
    if task_id in (None, ""):
        return None
    if not isinstance(task_id, str) or len(task_id) > 36:
        raise ValidationFailed("Unbekannte Aufgabe.", {"task_id": "Keine Aufgabe dieses Falls."})
    title = session.scalar(
        sa.select(HumanTask.title).where(HumanTask.id == task_id, HumanTask.instance_id == instance_id)
    )
    if title is None:
        raise ValidationFailed("Unbekannte Aufgabe.", {"task_id": "Keine Aufgabe dieses Falls."})
    return title


def _info(note: CaseNote, author_name: str | None, task_title: str | None) -> NoteInfo:
    return NoteInfo(
        id=str(note.id), instance_id=note.instance_id, at=note.at, author=note.author,
        author_name=author_name or note.author, text=note.text, task_id=note.task_id, task_title=task_title,
    )
