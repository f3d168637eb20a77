"""The case file over the API (API.md "Additions"): notes, documents, withdrawal and absences."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import Field

from casework.casefile.records import NoteInfo
from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, Time
from webapp.api.serialise import iso
from webapp.api.spec import endpoint
from webapp.common import actor, services


class NoteRequest(Body):
    # the length and the blank check are the service's (it counts after normalising line breaks)
    text: str = Field(description="plain text, 1 to 10,000 characters")
    task_id: str | None = Field(None, description="one of the case's tasks")


class Note(Answer):
    """A note on a case; never changed, a correction is a new note. Also a history event (note_added)."""

    id: str
    at: Time
    author: str = Field(description="username")
    text: str = Field(description="plain text, up to 10,000 characters")
    task_id: str | None = Field(None, description="the task the note belongs to, if any")


class NoteList(Answer):
    items: list[Note]
    total: int


def note_json(note: NoteInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"id": note.id, "at": iso(note.at), "author": note.author, "text": note.text}
    if note.task_id:
        data["task_id"] = note.task_id
    return data


@bp.get("/process-instances/<instance_id>/notes")
@endpoint("instances", 200, NoteList, "The notes", 404)
def list_notes(instance_id: str) -> Response:
    """The notes of a case, oldest first."""
    notes = services().notes.list(instance_id, actor=actor())
    return jsonify({"items": [note_json(n) for n in notes], "total": len(notes)})


@bp.post("/process-instances/<instance_id>/notes")
@endpoint("instances", 201, Note, "The note", 400, 404, 409, 422)
def add_note(instance_id: str, json: NoteRequest) -> tuple[Response, int]:
    """Add a note to a case."""
    note = services().notes.add(instance_id, actor=actor(), text=json.text, task_id=json.task_id)
    return jsonify(note_json(note)), 201
