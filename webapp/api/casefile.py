"""The case file over the API (API.md "Additions"): notes, documents, withdrawal and absences."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, jsonify
from pydantic import Field

from casework.casefile.records import AbsenceInfo, DocumentInfo, NoteInfo
from casework.errors import NotFound
from webapp.api import serialise
from webapp.api.routes import bp
from webapp.api.schemas import Answer, Body, Instance, OptionalText, Time
from webapp.api.serialise import iso
from webapp.api.spec import UploadedFile, endpoint
from webapp.casefile.downloads import attachment
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


# --- documents ---------------------------------------------------------------------------------


class DocumentUpload(Body):
    file: UploadedFile = Field(description="the file: PDF, ODT, DOCX, XLSX, PNG, JPEG or UTF-8 text")
    title: OptionalText = Field(None, description="a title shown instead of the file name")
    task_id: OptionalText = Field(None, description="one of the case's tasks the document belongs to")


class Document(Answer):
    """One document of a case; never changed: a new version is a new document."""

    id: str
    filename: str = Field(description="the sanitised file name, with the extension of its type")
    title: str | None
    content_type: str = Field(description="the type found in the content, e.g. application/pdf")
    size: int = Field(description="bytes")
    sha256: str = Field(description="hex digest of the content")
    uploaded_at: Time
    uploaded_by: str = Field(description="username")
    task_id: str | None = None
    field: str | None = Field(None, description="the form field it was given in")


class DocumentList(Answer):
    items: list[Document]
    total: int


def document_json(document: DocumentInfo) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": document.id, "filename": document.filename, "title": document.title,
        "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
        "uploaded_at": iso(document.uploaded_at), "uploaded_by": document.uploaded_by,
    }
    for key in ("task_id", "field"):
        if getattr(document, key):
            data[key] = getattr(document, key)
    return data


@bp.get("/process-instances/<instance_id>/documents")
@endpoint("instances", 200, DocumentList, "The documents, newest first", 404)
def list_documents(instance_id: str) -> Response:
    """The documents of a case."""
    documents = services().documents.list(instance_id, actor=actor())
    return jsonify({"items": [document_json(d) for d in documents], "total": len(documents)})


@bp.post("/process-instances/<instance_id>/documents")
@endpoint("instances", 201, Document, "The document", 400, 403, 404, 409, 413, 415, 422, 503)
def add_document(instance_id: str, form: DocumentUpload) -> tuple[Response, int]:
    """Upload a document (a party to the case).

    The type is found in the content, not the name (415 otherwise); over the size limit 413, refused
    by its Content-Length before the body is read.
    """
    document = services().documents.add(
        instance_id, actor=actor(), source=form.file.stream, filename=form.file.filename,
        title=form.title, task_id=form.task_id,
    )
    return jsonify(document_json(document)), 201


@bp.get("/process-instances/<instance_id>/documents/<document_id>")
@endpoint("instances", 200, None, "The bytes with the stored type, as an attachment (nosniff)", 404, 503)
def download_document(instance_id: str, document_id: str) -> Response:
    """Download a document (logged as an access)."""
    return attachment(services().documents.open(instance_id, document_id, actor=actor()))


# --- withdrawal ----------------------------------------------------------------------------------


class WithdrawRequest(Body):
    # blank and length are the service's: it names the field in German
    reason: str | None = Field(None, description="why the starter withdraws the case (required)")


@bp.post("/process-instances/<instance_id>/withdraw")
@endpoint("instances", 200, Instance, "The case, terminated", 400, 403, 404, 409, 422)
def withdraw_instance(instance_id: str, json: WithdrawRequest) -> Response:
    """Withdraw a case (its starter, while the process allows it).

    assignment_termination: until the GF has decided; 409 afterwards. The history records who and why.
    """
    info = services().withdrawal.withdraw(instance_id, actor=actor(), reason=json.reason)
    return jsonify(serialise.instance(info))


# --- absence (Vertretung) ------------------------------------------------------------------------


class AbsenceRequest(Body):
    # dates are checked by the service, which names the bad field in German
    from_: str = Field(alias="from", description="YYYY-MM-DD, first day of absence")
    until: str = Field(description="YYYY-MM-DD, last day of absence")
    substitute: str = Field(description="username of the same organisation")


class Absence(Answer):
    from_: date = Field(alias="from")
    until: date
    substitute: str
    active: bool = Field(description="whether the absence covers today")


def absence_json(absence: AbsenceInfo | None) -> dict[str, Any] | None:
    if absence is None:
        return None
    return {"from": absence.starts_on.isoformat(), "until": absence.ends_on.isoformat(),
            "substitute": absence.substitute, "active": absence.active}


@bp.get("/me/absence")
@endpoint("auth", 200, Absence, "My absence", 404)
def get_absence() -> Response:
    """My recorded absence; 404 when none is recorded (GET /me shows it as null)."""
    absence = services().absences.get(actor=actor())
    if absence is None:
        raise NotFound("Keine Abwesenheit erfasst.")
    return jsonify(absence_json(absence))


@bp.put("/me/absence")
@endpoint("auth", 200, Absence, "The absence", 400, 422)
def set_absence(json: AbsenceRequest) -> Response:
    """Record my absence and my substitute.

    While it lasts, the substitute sees my group tasks and the tasks assigned to me from a group and
    may complete them; the history names both.
    """
    absence = services().absences.set(actor=actor(), starts_on=json.from_, ends_on=json.until,
                                      substitute=json.substitute)
    return jsonify(absence_json(absence))


@bp.delete("/me/absence")
@endpoint("auth", 204, None, "Ended")
def end_absence() -> tuple[str, int]:
    """End my absence now."""
    services().absences.end(actor=actor())
    return "", 204
