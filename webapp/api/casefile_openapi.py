"""The OpenAPI description of the case-file endpoints (webapp/api/casefile.py)."""

from __future__ import annotations

from typing import Any

from webapp.api.openapi import (
    ERRORS,
    INSTANCE_ID,
    SCHEMAS,
    TIME,
    _param,
    array,
    integer,
    json_body,
    obj,
    op,
    ref,
    string,
)

ERRORS.setdefault("415", "File type not accepted")
DATE = string("YYYY-MM-DD", "date")
SCHEMAS["Note"] = obj(
    ("id", "at", "author", "text"),
    "A note on a case; never changed, a correction is a new note. Also a history event (note_added).",
    id=string(), at=TIME, author=string("username"), text=string("plain text, up to 10,000 characters"),
    task_id=string("the task the note belongs to, if any"),
)
SCHEMAS["NoteRequest"] = obj(("text",), text=string("plain text, 1 to 10,000 characters"),
                             task_id=string("one of the case's tasks"))
SCHEMAS["NoteList"] = obj(("items",), items=array(ref("Note")), total=integer())
SCHEMAS["Document"] = obj(
    ("id", "filename", "title", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"),
    id=string(), filename=string("sanitised file name"), title={**string(), "nullable": True},
    content_type=string("the type found in the content, e.g. application/pdf"), size=integer("bytes"),
    sha256=string("hex digest of the content"), uploaded_at=TIME, uploaded_by=string("username"),
    task_id=string(), field=string("the form field it was given in"),
)
SCHEMAS["DocumentList"] = obj(("items",), items=array(ref("Document")), total=integer())
SCHEMAS["WithdrawRequest"] = obj(("reason",), reason=string("why the starter withdraws the case"))
SCHEMAS["AbsenceRequest"] = obj(
    ("from", "until", "substitute"),
    **{"from": DATE, "until": DATE, "substitute": string("username of the same organisation")},
)
SCHEMAS["Absence"] = obj(
    ("from", "until", "substitute", "active"),
    **{"from": DATE, "until": DATE, "substitute": string(), "active": {"type": "boolean"}},
)
DOCUMENT_ID = _param("doc", "path", string(), "document id")
DOCUMENT_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": obj(("file",), file={"type": "string", "format": "binary"}, title=string(),
                          task_id=string())
        }
    },
}


def casefile_paths(p: str) -> dict[str, dict[str, Any]]:
    case = f"{p}/process-instances/{{id}}"
    return {
        f"{case}/notes": {
            "get": op("The notes of a case, oldest first", "instances", ("200", "The notes", ref("NoteList")),
                      params=[INSTANCE_ID], errors=("404",)),
            "post": op("Add a note to a case", "instances", ("201", "The note", ref("Note")),
                       params=[INSTANCE_ID], body=json_body("NoteRequest"), errors=("400", "404", "409", "422")),
        },
    }

