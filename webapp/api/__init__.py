"""JSON API v1 (API.md) under /api/v1, its OpenAPI document and the readable reference at /api/docs.

Schema-first: every request body, query and answer is a pydantic model; the same models validate
the request and make the OpenAPI document (:mod:`webapp.api.spec`, library spectree). Nothing about
an endpoint is written twice.

How to add an endpoint
----------------------
1. Put the view in the module of its area (``webapp/api/tasks.py``, ...) or a new module, and
   import that module below so it registers on ``bp``.
2. Declare its input as models beside it: a JSON body subclasses ``schemas.Body``, query
   parameters ``schemas.Paging`` (lists) or ``schemas.Query``; multipart forms ``schemas.Body`` with
   ``spec.UploadedFile`` fields. Use the field types of :mod:`webapp.api.schemas` (``Text`` for a
   required text, ``OptionalText``, ``PositiveNumber``, ``Identifier``, ``FreeObject`` for form data
   and variables, which the BPMN form checks in the service layer). Models shared by several areas
   (``Task``, ``Instance``, ``Error``) live in :mod:`webapp.api.schemas`.
3. Declare its answer as a ``schemas.Answer`` subclass listing every key the serialiser writes
   (optional keys with a default ``None``); the tests validate every answer against it.
4. Decorate, route first::

       @bp.post("/process-instances/<instance_id>/notes")
       @endpoint("instances", 201, Note, "The note", 400, 404, 422)
       def add_note(instance_id: str, json: NoteRequest) -> tuple[Response, int]:
           '''Add a note to a case (summary line for the document).

           Further lines: the description on /api/docs.
           '''
           note = services().notes.add(instance_id, actor=actor(), text=json.text)
           return jsonify(serialise.note(note)), 201

   ``endpoint(tag, status, answer model, description, *error statuses)``: 401 is added unless
   ``public=True``; a failed validation answers 422 with ``details.fields`` in German (400 for
   malformed JSON) before the view runs, so the view reads ``json.text`` typed. No answer body:
   ``endpoint(..., 204, None, "Revoked")``; a JSON array: ``endpoint(..., 200, list[ExternalTask], ...)``;
   more success answers: ``extra={503: (Health, "Database unreachable")}``. Path variables named
   ``instance_id``/``task_id``/``document_id`` appear as API.md's ``{id}``/``{doc}`` in the document
   (``spec.PATH_NAMES``).
5. Run ``pytest tests/web/test_api_openapi.py``: the document must cover the route and stay valid.
"""

from __future__ import annotations

from typing import Any

# each module registers its views on bp when imported
from webapp.api import accounts as _accounts  # noqa: F401
from webapp.api import casefile as _casefile  # noqa: F401
from webapp.api import deadlines as _deadlines  # noqa: F401
from webapp.api import definitions as _definitions  # noqa: F401
from webapp.api import diagram as _diagram  # noqa: F401
from webapp.api import external_tasks as _external_tasks  # noqa: F401
from webapp.api import instances as _instances  # noqa: F401
from webapp.api import messages as _messages  # noqa: F401
from webapp.api import tasks as _tasks  # noqa: F401
from webapp.api.docs import docs_bp
from webapp.api.routes import bp


@bp.record_once
def _register_docs(state: Any) -> None:
    state.app.register_blueprint(docs_bp)


__all__ = ["bp"]
