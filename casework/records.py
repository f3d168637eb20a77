"""Frozen dataclasses the services return: callers never see live ORM objects or SpiffWorkflow tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Form field types a BPMN form may use (API.md); "long" is Camunda's name for integer.
# "file": a document of the case (its id), uploaded with the form (issue 14 §2)
# "table": a small table, rows of objects whose columns the designer declares (casework/engine/tables.py)
FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "date", "enum", "user", "file", "table")
FIELD_TYPE_ALIASES = {"long": "integer", "double": "number", "textarea": "text"}


@dataclass(frozen=True)
class FormOption:
    value: str
    label: str


@dataclass(frozen=True)
class TableColumn:
    """One column of a ``table`` form field: a key of every row, its heading, a cell type."""

    name: str
    label: str
    type: str = "string"
    required: bool = False
    options: tuple[FormOption, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type, "required": self.required}
        if self.options:
            d["options"] = [{"value": o.value, "label": o.label} for o in self.options]
        return d


@dataclass(frozen=True)
class FormField:
    """One field of a user task's (or start event's) form, read from ``camunda:formField``.

    ``default`` may be a literal or a ``${expression}`` evaluated against the task data;
    ``required_if`` is an expression over the submitted data that makes the field required.
    """

    name: str
    type: str
    label: str
    required: bool = False
    options: tuple[FormOption, ...] = ()
    default: str | None = None
    required_if: str | None = None
    # an expression over the submitted values that must hold, with the message shown when it does not
    valid_if: str | None = None
    invalid_message: str | None = None
    readonly: bool = False
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    help: str | None = None
    # a secret ballot: the value is kept out of the case history (the process shows it when it may)
    confidential: bool = False
    # how a number is shown and typed: "money" (12.500,50 €) or "percent"; None: a plain number
    format: str | None = None
    # a "table" field: its columns and how many rows it takes
    columns: tuple[TableColumn, ...] = ()
    min_rows: int | None = None
    max_rows: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "required": self.required,
        }
        if self.type == "enum":
            d["options"] = [{"value": o.value, "label": o.label} for o in self.options]
        for key in ("required_if", "min", "max", "minlength", "maxlength", "help"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        if self.readonly:
            d["readonly"] = True
        if self.confidential:
            d["confidential"] = True
        if self.format:
            d["format"] = self.format
        if self.type == "table":
            d["columns"] = [c.as_dict() for c in self.columns]
            d.update({k: v for k, v in (("min_rows", self.min_rows), ("max_rows", self.max_rows)) if v is not None})
        return d


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[FormField, ...] = ()

    def as_dict(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"fields": [f.as_dict() for f in self.fields]}
        if values is not None:
            d["values"] = values
        return d


@dataclass(frozen=True)
class Actor:
    """Who is calling: resolved once per request so services never re-query memberships."""

    user_id: int
    username: str
    display_name: str
    groups: frozenset[str]
    # (group id, organisation id) pairs: "is gf in Jobcenter Musterkreis"
    memberships: frozenset[tuple[int, int]]
    organisation_ids: frozenset[int]
    primary_organisation_id: int | None
    is_admin: bool = False
    email: str | None = None
    # absent colleagues this actor stands in for today (Vertretung, issue 14 §3)
    stands_in_for: tuple[StandIn, ...] = ()

    def in_group(self, *names: str) -> bool:
        return any(n in self.groups for n in names)

    @property
    def all_memberships(self) -> frozenset[tuple[int, int]]:
        """The actor's own (group, organisation) pairs and those of the colleagues they stand in for."""
        pairs = set(self.memberships)
        for stand_in in self.stands_in_for:
            if stand_in.tasks:
                pairs |= stand_in.memberships
        return frozenset(pairs)

    @property
    def offered_as(self) -> frozenset[int]:
        """The user ids a task named for a candidate user (``camunda:candidateUsers``) reaches the
        actor under: their own and those of the colleagues they stand in for."""
        return frozenset({self.user_id, *(s.user_id for s in self.stands_in_for if s.tasks)})


@dataclass(frozen=True)
class StandIn:
    """An absent user the actor acts for: their group tasks and tasks assigned from a group
    (``tasks``: the actor is the absence's substitute), and their personal ballots (``ballots``:
    the actor is their named deputy in a committee)."""

    user_id: int
    username: str
    display_name: str
    memberships: frozenset[tuple[int, int]]
    tasks: bool = True
    ballots: bool = False


@dataclass(frozen=True)
class DefinitionInfo:
    id: int
    key: str
    name: str
    version: int
    deployed_at: datetime
    deployed_by: str | None
    content_hash: str
    starter_groups: tuple[str, ...] = ()
    start_form: FormSpec = field(default_factory=FormSpec)
    warnings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TaskInfo:
    id: str
    name: str  # BPMN element id
    title: str
    process_instance_id: str
    process_key: str
    business_key: str | None
    assignee: str | None
    candidate_groups: tuple[str, ...]
    created_at: datetime
    due_at: datetime | None
    priority: int
    state: str
    completed_at: datetime | None = None
    completed_by: str | None = None
    claimed_at: datetime | None = None
    documentation: str | None = None
    form: FormSpec | None = None
    form_values: dict[str, Any] | None = None
    case_title: str | None = None
    # (done, of) over the instances of a multi-instance task: "3 of 6 have voted", not who voted what
    progress: tuple[int, int] | None = None
    # when the task was escalated as overdue (casework/time/reminders.py)
    escalated_at: datetime | None = None
    # the absent colleague the caller would do this task for (Vertretung), by display name
    on_behalf_of: str | None = None
    # the users an open task is offered to by name (camunda:candidateUsers)
    candidate_users: tuple[str, ...] = ()
    # what the task page shows of the case (casework/presentation.py): the declared facts, and the
    # data they are read from -- the task's own data (its multi-instance item) over the case's
    facts: tuple[Any, ...] = ()
    fact_data: dict[str, Any] | None = None
    # code labels of the process's enum fields, for facts and read-only fields
    options: dict[str, dict[str, str]] | None = None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    task_id: str | None = None
    task_name: str | None = None
    task_title: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class InstanceInfo:
    id: str
    process_key: str
    process_name: str
    version: int
    status: str
    business_key: str | None
    variables: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    started_by: str | None
    organisation: str | None
    error_message: str | None = None
    error_element: str | None = None
    open_tasks: tuple[TaskInfo, ...] = ()
    lock_version: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    per_page: int
    # total stopped counting (a search tells "more than 1,000"): there are more than ``total``
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class CasePresentation:
    """A process version's declared facts (casework/presentation.py), element names and code labels."""

    facts: tuple[Any, ...] = ()
    element_names: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, str]] = field(default_factory=dict)
