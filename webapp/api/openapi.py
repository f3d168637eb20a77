"""The OpenAPI 3.0 description of API v1, built as a dict (served by routes.py, shown by docs.py).

Paths are written as in API.md (``{id}``, ``{key}``); a test checks that every API route appears.
"""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1"
JSON = "application/json"

# --- schema helpers ----------------------------------------------------------------------------


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    required: tuple[str, ...] = (), description: str | None = None, /, **properties: Any
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def string(
    description: str | None = None, fmt: str | None = None, nullable: bool = False, enum: tuple[str, ...] = ()
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if fmt:
        schema["format"] = fmt
    if nullable:
        schema["nullable"] = True
    if enum:
        schema["enum"] = list(enum)
    if description:
        schema["description"] = description
    return schema


def integer(description: str | None = None) -> dict[str, Any]:
    return {"type": "integer", **({"description": description} if description else {})}


def array(items: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    return {"type": "array", "items": items, **({"description": description} if description else {})}


def free_object(description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": True, "description": description}


def paged(item: str) -> dict[str, Any]:
    return obj(
        ("items", "total", "page", "per_page"),
        items=array(ref(item)),
        total=integer(),
        page=integer(),
        per_page=integer("at most 200"),
    )


def listed(item: str) -> dict[str, Any]:
    return obj(("items", "total"), items=array(ref(item)), total=integer())


TIME = string("ISO 8601 with offset, e.g. 2026-11-25T14:00:00+01:00", "date-time")
TIME_OR_NULL = {**TIME, "nullable": True}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj(
        ("error", "message", "details"),
        "Every error answer of the API.",
        error=string("machine-readable code, e.g. not_found, validation_failed, conflict"),
        message=string("German, or English when Accept-Language prefers en"),
        details=obj(
            fields={
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "422: field or parameter name -> message",
            },
            errors=array(ref("Problem"), "422 on deploy: every problem found"),
        ),
    ),
    "Problem": obj(
        ("file", "element_id", "message", "severity"),
        file=string(),
        element_id=string("BPMN/DMN element id", nullable=True),
        message=string(),
        severity=string(enum=("error", "warning")),
    ),
    "TokenRequest": obj(("username", "password"), username=string(), password=string(fmt="password")),
    "Token": obj(
        ("token", "expires_at"),
        token=string("send as Authorization: Bearer <token>"),
        token_type=string(enum=("Bearer",)),
        expires_at=TIME,
    ),
    "Me": obj(
        ("username", "display_name", "email", "groups", "organisation"),
        username=string(),
        display_name=string(),
        email=string(nullable=True),
        groups=array(string()),
        organisation=string("name of the primary organisation", nullable=True),
        organisation_id=string(nullable=True),
        is_admin={"type": "boolean"},
    ),
    "FormOption": obj(("value", "label"), value=string(), label=string()),
    "FormField": obj(
        ("name", "type", "label", "required"),
        name=string(),
        label=string(),
        required={"type": "boolean"},
        type=string(enum=("string", "text", "integer", "number", "boolean", "date", "enum", "user")),
        options=array(ref("FormOption"), "enum fields only"),
        required_if=string("expression over the submitted data"),
        min={"type": "number"},
        max={"type": "number"},
        minlength=integer(),
        maxlength=integer(),
        help=string(),
        readonly={"type": "boolean"},
        confidential={"type": "boolean", "description": "a secret ballot: the value is kept out of the history"},
    ),
    "Form": obj(
        ("fields",),
        fields=array(ref("FormField")),
        values=free_object("current values: task data, else the field defaults"),
    ),
    "Definition": obj(
        ("key", "name", "version", "deployed_at"),
        id=string(),
        key=string("process key = BPMN process id"),
        name=string(),
        version=integer(),
        deployed_at=TIME,
        deployed_by=string(nullable=True),
        starter_groups=array(string()),
        start_form=ref("Form"),
        warnings=array(ref("Problem")),
        can_start={"type": "boolean", "description": "the caller may start it"},
    ),
    "DeployedProcess": obj(
        ("key", "version", "created"),
        key=string(),
        name=string(),
        version=integer(),
        created={"type": "boolean", "description": "false: unchanged, no new version"},
        deployed_at=TIME,
        warnings=array(ref("Problem")),
    ),
    "Deployment": obj(
        ("deployed",),
        "One entry per process in the files. With exactly one process, its key, version and "
        "created are repeated at the top level.",
        deployed=array(ref("DeployedProcess")),
        warnings=array(ref("Problem"), "warnings that belong to no deployed process, e.g. a process "
                                       'with isExecutable="false", which is not deployed'),
        key=string(),
        version=integer(),
        created={"type": "boolean"},
    ),
    "Task": obj(
        (
            "id",
            "name",
            "title",
            "process_instance_id",
            "process_key",
            "business_key",
            "assignee",
            "candidate_groups",
            "created_at",
            "due_at",
            "priority",
            "state",
        ),
        id=string(),
        name=string("BPMN element id"),
        title=string(),
        process_instance_id=string(),
        process_key=string(),
        business_key=string(nullable=True),
        assignee=string(nullable=True),
        candidate_groups=array(string()),
        created_at=TIME,
        due_at=TIME_OR_NULL,
        priority=integer(),
        state=string(enum=("open", "completed", "cancelled")),
        claimed_at=TIME_OR_NULL,
        completed_at=TIME_OR_NULL,
        completed_by=string(nullable=True),
    ),
    "TaskDetail": {
        "allOf": [
            ref("Task"),
            obj(
                ("form", "values"),
                documentation=string(nullable=True),
                form=ref("Form"),
                values=free_object("the current values (the same as form.values)"),
                progress=obj(
                    ("completed", "total"),
                    "multi-instance tasks only: how many of its instances (e.g. ballots) are done",
                    completed=integer(),
                    total=integer(),
                ),
            ),
        ]
    },
    "InstanceSummary": obj(
        ("id", "process_key", "version", "status", "business_key", "started_at", "ended_at", "outcome"),
        id=string(),
        process_key=string(),
        process_name=string(),
        version=integer(),
        status=string(enum=("running", "completed", "terminated", "error")),
        business_key=string(nullable=True),
        variables=free_object("the case data"),
        started_at=TIME,
        started_by=string(nullable=True),
        ended_at=TIME_OR_NULL,
        outcome=string(nullable=True),
        organisation=string(nullable=True),
        error={**obj(element_id=string(nullable=True), message=string(nullable=True)), "nullable": True},
    ),
    "Instance": {
        "allOf": [ref("InstanceSummary"), obj(("variables", "open_tasks"), open_tasks=array(ref("Task")))]
    },
    "HistoryEntry": obj(
        ("at", "actor", "action"),
        at=TIME,
        actor=string(nullable=True),
        action=string("e.g. instance_started, task_claimed, task_completed"),
        task_id=string(),
        task_name=string(),
        task_title=string(),
        data=free_object("details"),
    ),
    "StartRequest": obj(
        ("process_key",),
        process_key=string(),
        business_key=string(nullable=True),
        variables=free_object("start variables, validated against the start form"),
        organisation_id=string("owning organisation (default: the caller's primary one)"),
    ),
    "TerminateRequest": obj(("reason",), reason=string()),
    "RetryRequest": obj((), variables=free_object("corrected variables for the failed tasks")),
    "AssignRequest": obj(("username",), username=string()),
    "CompleteRequest": obj(("data",), data=free_object("form values")),
    "CompleteResult": obj(("process_instance",), process_instance=ref("Instance")),
    "DefinitionPage": paged("Definition"),
    "InstancePage": paged("InstanceSummary"),
    "TaskPage": paged("Task"),
    "History": paged("HistoryEntry"),
    "DefinitionVersions": listed("Definition"),
    "Health": obj(("status", "database"), status=string(), database=string()),
}

ERRORS = {
    "400": "Malformed JSON or request",
    "401": "Not authenticated",
    "403": "Not allowed (or CSRF token missing with a session cookie)",
    "404": "Unknown, or not visible to the caller",
    "409": "Conflict: stale, claimed by someone else, or already completed",
    "413": "Request too large",
    "422": "Invalid data: details.fields (or details.errors for definitions)",
}


def _param(
    name: str, where: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


PAGING = [
    _param("page", "query", {"type": "integer", "minimum": 1, "default": 1}, "page number"),
    _param(
        "per_page",
        "query",
        {"type": "integer", "minimum": 1, "default": 50},
        "items per page, at most 200 (larger values are capped); below 1 or not a number: 422",
    ),
]
KEY = _param("key", "path", string(), "process key")
VERSION = _param("version", "query", {"type": "integer", "minimum": 1}, "a version (default: the latest)")
INSTANCE_ID = _param("id", "path", string(), "process instance id")
TASK_ID = _param("id", "path", string(), "task id")


def op(
    summary: str,
    tag: str,
    ok: tuple[str, str, dict[str, Any] | None],
    *,
    errors: tuple[str, ...] = (),
    params: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    public: bool = False,
    description: str | None = None,
    media: str = JSON,
    extra: dict[str, tuple[str, dict[str, Any] | None]] | None = None,
) -> dict[str, Any]:
    """One operation; ``ok`` is (status, description, schema); 401 is added unless public."""

    def answer(text: str, schema: dict[str, Any] | None, kind: str = JSON) -> dict[str, Any]:
        return {"description": text, **({"content": {kind: {"schema": schema}}} if schema else {})}

    responses = {ok[0]: answer(ok[1], ok[2], media)}
    for status, (text, schema) in (extra or {}).items():
        responses[status] = answer(text, schema)
    codes = errors if public else ("401", *errors)
    for status in sorted(set(codes)):
        responses[status] = answer(ERRORS[status], ref("Error"))
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = body
    if public:
        operation["security"] = []
    return operation


def json_body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": ref(schema)}}}


UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": obj(
                ("files",), files=array({"type": "string", "format": "binary"}, ".bpmn/.dmn files")
            ),
            "encoding": {"files": {"contentType": "application/xml, application/octet-stream"}},
        }
    },
}


def paths() -> dict[str, dict[str, Any]]:
    p = PREFIX
    task_ops = {
        "claim": ("Claim a task (candidate)", ("404", "409"), None),
        "unclaim": ("Give a task back to its groups (assignee)", ("404", "409"), None),
        "assign": (
            "Assign a task (supervisor or admin)",
            ("400", "403", "404", "409", "422"),
            "AssignRequest",
        ),
    }
    result: dict[str, dict[str, Any]] = {
        "/healthz": {
            "get": op(
                "Health check",
                "system",
                ("200", "Healthy", ref("Health")),
                public=True,
                extra={"503": ("Database unreachable", ref("Health"))},
            )
        },
        f"{p}/openapi.json": {
            "get": op("This document", "system", ("200", "OpenAPI 3.0", {"type": "object"}), public=True)
        },
        f"{p}/auth/token": {
            "post": op(
                "Get a bearer token",
                "auth",
                ("200", "A token", ref("Token")),
                public=True,
                errors=("400", "401", "422"),
                body=json_body("TokenRequest"),
                description=(
                    "401 is the same answer for an unknown user and a wrong password; 422 names a missing "
                    "username or password in details.fields. No CSRF token needed."
                ),
            )
        },
        f"{p}/me": {"get": op("The caller", "auth", ("200", "The caller", ref("Me")))},
        f"{p}/process-definitions": {
            "get": op(
                "Deployed definitions, latest version of each",
                "definitions",
                ("200", "A page of definitions", ref("DefinitionPage")),
                params=PAGING,
                errors=("422",),
            ),
            "post": op(
                "Deploy BPMN/DMN files (designer or admin)",
                "definitions",
                ("201", "Deployed; an unchanged process keeps its version (created false)", ref("Deployment")),
                body=UPLOAD,
                errors=("403", "409", "413", "422"),
                description="All or nothing: 422 lists every problem in details.errors and deploys nothing.",
            ),
        },
        f"{p}/process-definitions/{{key}}": {
            "get": op(
                "One definition with its start form",
                "definitions",
                ("200", "The definition", ref("Definition")),
                params=[KEY, VERSION],
                errors=("404", "422"),
            )
        },
        f"{p}/process-definitions/{{key}}/versions": {
            "get": op(
                "Every version of a definition, newest first",
                "definitions",
                ("200", "The versions", ref("DefinitionVersions")),
                params=[KEY],
                errors=("404",),
            )
        },
        f"{p}/process-definitions/{{key}}/bpmn": {
            "get": op(
                "The BPMN XML of a version",
                "definitions",
                ("200", "BPMN 2.0 XML", {"type": "string"}),
                params=[KEY, VERSION],
                errors=("404", "422"),
                media="application/xml",
            )
        },
        f"{p}/process-instances": {
            "get": op(
                "Cases the caller may see, newest first",
                "instances",
                ("200", "A page of cases", ref("InstancePage")),
                errors=("422",),
                params=[
                    _param("process_key", "query", string(), "filter"),
                    _param(
                        "status",
                        "query",
                        string(enum=("running", "completed", "terminated", "error")),
                        "filter",
                    ),
                    _param("business_key", "query", string(), "filter"),
                    *PAGING,
                ],
            ),
            "post": op(
                "Start a case (members of the starter groups)",
                "instances",
                ("201", "The new case (Location header names it)", ref("Instance")),
                body=json_body("StartRequest"),
                errors=("400", "403", "404", "422"),
            ),
        },
        f"{p}/process-instances/{{id}}": {
            "get": op(
                "One case with its open tasks",
                "instances",
                ("200", "The case", ref("Instance")),
                params=[INSTANCE_ID],
                errors=("404",),
            )
        },
        f"{p}/process-instances/{{id}}/history": {
            "get": op(
                "The audit trail, oldest first; pages of up to 200 events (default per_page 200)",
                "instances",
                ("200", "The events", ref("History")),
                params=[INSTANCE_ID, *PAGING],
                errors=("404", "422"),
            )
        },
        f"{p}/process-instances/{{id}}/terminate": {
            "post": op(
                "Terminate a case; open tasks are cancelled (admin)",
                "instances",
                ("200", "The terminated case", ref("Instance")),
                params=[INSTANCE_ID],
                body=json_body("TerminateRequest"),
                errors=("400", "403", "404", "409", "422"),
            )
        },
        f"{p}/process-instances/{{id}}/retry": {
            "post": op(
                "Run a failed case's failed tasks again, optionally with corrected variables (admin)",
                "instances",
                ("200", "The case after the retry", ref("Instance")),
                params=[INSTANCE_ID],
                body=json_body("RetryRequest"),
                errors=("400", "403", "404", "409", "422"),
            )
        },
        f"{p}/tasks": {
            "get": op(
                "Open tasks, by due date then priority",
                "tasks",
                ("200", "A page of tasks", ref("TaskPage")),
                errors=("422",),
                params=[
                    _param(
                        "scope",
                        "query",
                        string(enum=("mine", "candidate", "all")),
                        "mine: assigned to me; candidate: offered to my groups, unassigned; "
                        "all (default): both",
                    ),
                    _param("process_key", "query", string(), "filter"),
                    _param("process_instance_id", "query", string(), "filter"),
                    _param(
                        "overdue", "query", string(enum=("true", "false")), "only tasks past their due date"
                    ),
                    *PAGING,
                ],
            )
        },
        f"{p}/tasks/{{id}}": {
            "get": op(
                "A task with its form and current values (assignee or candidate)",
                "tasks",
                ("200", "The task", ref("TaskDetail")),
                params=[TASK_ID],
                errors=("404",),
            )
        },
        f"{p}/tasks/{{id}}/complete": {
            "post": op(
                "Complete a task (a candidate's complete claims it first)",
                "tasks",
                ("200", "The case after the step", ref("CompleteResult")),
                params=[TASK_ID],
                body=json_body("CompleteRequest"),
                errors=("400", "404", "409", "422"),
                description=(
                    "A form field left out of data takes the value the form shows (form.values of "
                    "GET /tasks/{id}), e.g. a default; send null to leave it empty."
                ),
            )
        },
    }
    for action, (summary, errors, body) in task_ops.items():
        result[f"{p}/tasks/{{id}}/{action}"] = {
            "post": op(
                summary,
                "tasks",
                ("200", "The task", ref("Task")),
                params=[TASK_ID],
                errors=errors,
                body=json_body(body) if body else None,
            )
        }
    result.update(deadline_paths(p))
    result.update(message_paths(p))
    result.update(diagram_paths(p))
    from webapp.api.casefile_openapi import casefile_paths  # local: it extends this module's tables

    result.update(casefile_paths(p))
    from webapp.api.accounts_openapi import account_paths  # it builds on this module's helpers

    for path, operations in account_paths(p).items():
        result.setdefault(path, {}).update(operations)
    return result


# --- the deadline calculator (DOMAIN.md §3 "Deadlines") ---

DATE = string("YYYY-MM-DD", "date")
SCHEMAS["DeadlineRequest"] = obj(
    ("period", "land", "kind"),
    "Exactly one of event_date and posted_on.",
    event_date=string("the triggering event (deadline, appointment) or the first day (period)", "date"),
    posted_on=string("the day a letter was posted; the end counts from the § 37 Abs. 2 SGB X fiction", "date"),
    period=string("ISO 8601, whole days or more: P14D, P2W, P1M, P3M, P1Y, P1Y6M"),
    land=string("holidays subdivision code of the Land where the act is done, e.g. NW, BY, Augsburg"),
    organisation=string("id of an organisation whose municipal holidays count too"),
    kind=string("deadline moves off weekends and holidays (§ 193 BGB); period and appointment never move",
                enum=("deadline", "period", "appointment")),
    counting=string("default: event for deadline/appointment (§ 187 Abs. 1), beginning_of_day for period "
                    "(§ 187 Abs. 2)", enum=("event", "beginning_of_day")),
)
SCHEMAS["DeadlineResult"] = obj(
    ("start", "end", "unshifted_end", "rule_refs"),
    start=DATE,
    end=DATE,
    unshifted_end=DATE,
    shifted_because=array(string(), "only when the end moved: holiday or weekday names (German)"),
    notified_on=string("only with posted_on: the day the letter is deemed received", "date"),
    rule_refs=array(string(), 'e.g. "§ 187 Abs. 1 BGB", "§ 193 BGB"'),
)


def deadline_paths(p: str) -> dict[str, dict[str, Any]]:
    return {
        f"{p}/deadlines": {
            "post": op(
                "Calculate a deadline, period or appointment",
                "deadlines",
                ("200", "The end and how it was reached", ref("DeadlineResult")),
                body=json_body("DeadlineRequest"),
                errors=("400", "422"),
                description="422 names each bad field in details.fields (an impossible date, both or "
                "neither of event_date/posted_on, a malformed period, an unknown Land, kind or organisation).",
            )
        }
    }


def build_document() -> dict[str, Any]:
    """The OpenAPI 3.0 document served at /api/v1/openapi.json."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Fallwerk API",
            "version": "1",
            "description": (
                "JSON API of Fallwerk. Times are ISO 8601 with offset, identifiers are strings. "
                "Errors: {error, message, details}; the message is German, or English when "
                "Accept-Language prefers en. "
                "Lists: ?page&per_page (max 200) -> {items, total, page, per_page}. "
                "Authenticate with a bearer token from POST /api/v1/auth/token, or with the browser "
                "session cookie, which needs the X-CSRFToken header on POST."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "tags": [{"name": n} for n in ("auth", "definitions", "instances", "tasks", "deadlines", "system")],
        "paths": paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "browser session; unsafe methods need the X-CSRFToken header",
                },
            },
        },
    }


# --- messages to waiting cases (casework.messages) ---

SCHEMAS["MessageRequest"] = obj(
    ("name",),
    "Reaches the waiting cases the caller can see (admins: all).",
    name=string("the BPMN message name, e.g. resolution_received"),
    correlation_key=string("the value of the message's correlation property, e.g. a file number; null or "
                           "absent for a case that waits without a key", nullable=True),
    payload=free_object("stored in each receiving case under the variable named like the message"),
)
SCHEMAS["MessageResult"] = obj(("correlated",), correlated=array(string(), "ids of the cases that received it"))


def message_paths(p: str) -> dict[str, dict[str, Any]]:
    return {
        f"{p}/messages": {
            "post": op(
                "Send a message to the cases waiting for it",
                "instances",
                ("200", "The cases that received it", ref("MessageResult")),
                body=json_body("MessageRequest"),
                errors=("400", "404", "409", "422"),
                description="404 when no case the caller can see waits for this name and key; 409 when "
                "a waiting case changed meanwhile (send again).",
            )
        }
    }


# --- a case on its diagram (the case page's viewer, issue 5) ---

_ELEMENT_IDS = array(string(), "BPMN element ids")
SCHEMAS["Diagram"] = obj(
    ("process_key", "version", "xml", "completed", "active", "waiting", "failed"),
    "The BPMN of the case's own version and its elements by state; an element reached again (a loop) "
    "counts only as its current state.",
    process_key=string(),
    version=integer(),
    xml=string("the BPMN XML of the version the case runs on"),
    completed=_ELEMENT_IDS,
    active=array(string(), "human tasks someone has to do"),
    waiting=array(string(), "timers, messages and other events the case waits for"),
    failed=array(string(), "elements whose step failed"),
)


def diagram_paths(p: str) -> dict[str, dict[str, Any]]:
    return {
        f"{p}/process-instances/{{id}}/diagram": {
            "get": op(
                "The case on its diagram: path done, open tasks, waits",
                "instances",
                ("200", "The diagram and the element ids by state", ref("Diagram")),
                params=[INSTANCE_ID],
                errors=("404",),
            )
        }
    }
