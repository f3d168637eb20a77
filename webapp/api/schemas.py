"""The bodies and query parameters of API v1 as pydantic models: each validates and documents.

Request models (``Body``, ``Query``) ignore unknown keys, as the API always did; answer models
(``Answer``) forbid them, so a field the serialiser adds without declaring it here fails the tests,
which validate every answer (``API_VALIDATE_RESPONSES``). Field descriptions appear in the OpenAPI
document and on /api/docs. Models of one area (deadlines, messages, ...) live beside its routes;
the ones shared by several areas (tasks, cases, paging, errors) live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --- field types --------------------------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _positive_number(value: Any) -> int:
    """Query and body numbers: 1 to 999999999, digits only (no sign, no fraction, no exponent)."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        text = ""
    if not (text.isascii() and text.isdigit() and len(text) <= 9 and int(text) >= 1):
        raise PydanticCustomError("positive_number", "Ganze Zahl von 1 bis 999999999 erwartet.")
    return int(text)


#: a required text: surrounding blanks removed, empty or blank is "Pflichtfeld."
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
#: an optional text: blank counts as absent
OptionalText = Annotated[Text | None, BeforeValidator(_blank_is_none)]
#: a whole number from 1 to 999999999 (pages, versions), as digits in a query or a JSON number
PositiveNumber = Annotated[
    int, BeforeValidator(_positive_number), Field(json_schema_extra={"minimum": 1, "maximum": 999_999_999})
]
#: an identifier sent as a string of digits (or a JSON number), e.g. an organisation id
Identifier = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    StringConstraints(pattern=r"^[0-9]{1,9}$"),
]
#: free-form data (task form data, case variables): checked by the BPMN form in the service layer
FreeObject = dict[str, Any]
#: ISO 8601 with offset, e.g. 2026-11-25T14:00:00+01:00
Time = Annotated[datetime, Field(description="ISO 8601 with offset, e.g. 2026-11-25T14:00:00+01:00")]


# --- bases --------------------------------------------------------------------------------------


class Body(BaseModel):
    """A JSON request body; unknown keys are ignored (clients may send more than we read)."""

    model_config = ConfigDict(extra="ignore")


class Query(BaseModel):
    """Query parameters; an empty value (``?status=``) counts as absent."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None, [])}
        return data


class Answer(BaseModel):
    """A response body; every key the serialiser writes must be declared."""

    model_config = ConfigDict(extra="forbid")


# --- errors -------------------------------------------------------------------------------------


class Problem(Answer):
    """One problem of a BPMN/DMN file."""

    file: str
    element_id: str | None = Field(description="BPMN/DMN element id")
    message: str
    severity: Literal["error", "warning", "info"] = Field(
        description="info: how a Camunda 7 construct was translated (what will run)")


class ErrorDetails(BaseModel):
    """What went wrong in detail; other keys may appear (e.g. ``reason``)."""

    model_config = ConfigDict(extra="allow")

    fields: dict[str, str] | None = Field(None, description="422: field or parameter name -> message")
    errors: list[Problem] | None = Field(None, description="422 on deploy: every problem found")
    existing_case: str | None = Field(
        None, description="422 duplicate_business_key: the id of the case that already has the Aktenzeichen"
    )


class Error(BaseModel):
    """Every error answer of the API."""

    error: str = Field(description="machine-readable code, e.g. not_found, validation_failed, conflict")
    message: str = Field(description="German, or English when Accept-Language prefers en")
    details: ErrorDetails


# --- paging -------------------------------------------------------------------------------------

MAX_PER_PAGE = 200


class Paging(Query):
    page: PositiveNumber = Field(1, description="page number")
    per_page: PositiveNumber = Field(
        50, description="items per page, at most 200 (larger values are capped); below 1 or not a number: 422"
    )

    def window(self) -> dict[str, int]:
        """``page`` and ``per_page`` for a service call, ``per_page`` capped at 200 (API.md)."""
        return {"page": self.page, "per_page": min(self.per_page, MAX_PER_PAGE)}


class PageAnswer(Answer):
    total: int
    page: int
    per_page: int = Field(description="at most 200")


# --- forms --------------------------------------------------------------------------------------


class FormOption(Answer):
    value: str
    label: str


class TableColumn(Answer):
    name: str = Field(description="the key of this cell in every row")
    label: str
    type: Literal["string", "text", "integer", "number", "date", "boolean", "enum"]
    required: bool
    options: list[FormOption] | None = Field(None, description="enum columns only")


class FormField(Answer):
    name: str
    type: Literal["string", "text", "integer", "number", "boolean", "date", "enum", "user", "file", "table"]
    label: str
    required: bool
    options: list[FormOption] | None = Field(None, description="enum fields only")
    required_if: str | None = Field(None, description="expression over the submitted data")
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    help: str | None = None
    readonly: bool | None = None
    confidential: bool | None = Field(None, description="a secret ballot: the value is kept out of the history")
    format: str | None = Field(
        None, description="how a number is shown: money (12.500,50 €) or percent; the value stays a JSON number"
    )
    columns: list[TableColumn] | None = Field(
        None, description="table fields only: the value is a list of row objects with these keys"
    )
    min_rows: int | None = None
    max_rows: int | None = None


class StartForm(Answer):
    fields: list[FormField]


class Form(StartForm):
    values: FreeObject = Field(description="current values: task data, else the field defaults")


# --- tasks --------------------------------------------------------------------------------------


class Task(Answer):
    """A human task (API.md's task object)."""

    id: str
    name: str = Field(description="BPMN element id")
    title: str
    process_instance_id: str
    process_key: str
    business_key: str | None
    assignee: str | None
    candidate_groups: list[str]
    candidate_users: list[str] = Field(
        [], description="the users an open task is offered to by name (camunda:candidateUsers)")
    created_at: Time
    due_at: Time | None
    priority: int
    state: Literal["open", "completed", "cancelled"]
    claimed_at: Time | None
    completed_at: Time | None
    completed_by: str | None
    on_behalf_of: str | None = Field(
        None, description="Vertretung: the absent colleague (display name) the caller would do this task for")


class Progress(Answer):
    """Multi-instance tasks only: how many of its instances (e.g. ballots) are done."""

    completed: int
    total: int


class CaseFact(Answer):
    """One fact of the case the task shows (declared in the BPMN), formatted for the request's language."""

    label: str
    text: str | None = Field(None, description="a single value, e.g. 04.12.2026 or 12.500,50 €")
    items: list[str] | None = Field(None, description="a list of values")
    headers: list[str] | None = Field(None, description="a table: its column headings")
    rows: list[list[str]] | None = Field(None, description="a table: its rows, formatted")


class TaskDetail(Task):
    """A task with its form and current values."""

    documentation: str | None
    form: Form
    values: FreeObject = Field(description="the current values (the same as form.values)")
    progress: Progress | None = None
    facts: list[CaseFact] | None = Field(
        None, description="what the task page shows of the case, only for those who may see the case"
    )


class TaskPage(PageAnswer):
    items: list[Task]


# --- cases --------------------------------------------------------------------------------------

InstanceStatus = Literal["running", "completed", "terminated", "error"]


class InstanceError(Answer):
    element_id: str | None
    message: str | None


class InstanceSummary(Answer):
    """A case without its open tasks (list answers)."""

    id: str
    process_key: str
    process_name: str | None
    version: int
    status: InstanceStatus
    business_key: str | None
    variables: FreeObject = Field(description="the case data")
    started_at: Time
    started_by: str | None
    ended_at: Time | None
    outcome: str | None
    organisation: str | None
    error: InstanceError | None


class Instance(InstanceSummary):
    """A case with its open tasks."""

    open_tasks: list[Task]


class InstancePage(PageAnswer):
    items: list[InstanceSummary]
    total_capped: bool = Field(
        False, description="a search (?q=) counts its hits up to 1,000: true when there are more than `total`"
    )


class Health(Answer):
    status: str = Field(description="ok, or degraded")
    database: str = Field(description="ok, or unreachable")


class Readiness(Answer):
    status: Literal["ready", "unready"]
    database: str = Field(description="ok, or unreachable")
    schema_state: str | None = Field(
        None, alias="schema", description="current, or outdated (a migration is missing)"
    )
    scheduler: str | None = Field(None, description="ok, or silent (no scheduler beat lately)")


__all__ = [
    "Answer",
    "Body",
    "Error",
    "FreeObject",
    "Identifier",
    "Instance",
    "InstancePage",
    "InstanceSummary",
    "OptionalText",
    "Paging",
    "PositiveNumber",
    "Query",
    "Task",
    "TaskDetail",
    "TaskPage",
    "Text",
    "Time",
]
