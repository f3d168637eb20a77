"""What the inbox pages show, gathered from the services (the routes stay one call long)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.errors import NotFound
from casework.presentation import ShownFact, present
from casework.records import Actor, DefinitionInfo, FormField, FormSpec, InstanceInfo, Page, TaskInfo
from webapp.cases.pages import case_vocabulary, field_text
from webapp.common import page_arg, services
from webapp.i18n import current_locale

# "supervised": overdue tasks of the groups the user supervises (gf: employee, hr_ba, hr_kommune)
SCOPES = ("mine", "candidate", "supervised")
# the sortable columns (casework.cases.task_order.SORT_KEYS) and the due filter (DUE_STATES)
SORTS = ("due_at", "-due_at", "created_at", "-created_at", "priority", "-priority", "process_key", "-process_key",
         "title", "-title")
DUES = ("overdue", "this_week", "none")


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's GET parameters, cleaned: unknown values fall back to the defaults."""

    scope: str = "mine"
    process: str = ""
    page: int = 1
    sort: str = ""
    due: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> InboxQuery:
        scope, sort, due = args.get("scope", "mine"), args.get("sort", ""), args.get("due", "")
        page = page_arg(args)
        return cls(scope if scope in SCOPES else "mine", (args.get("process") or "").strip()[:120], page,
                   sort if sort in SORTS else "", due if due in DUES else "")

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters for a link to this inbox view with ``changes`` applied."""
        values = {"scope": self.scope, "process": self.process or None, "page": self.page, "sort": self.sort,
                  "due": self.due, **changes}
        return {k: v for k, v in values.items() if v not in (None, "", 1) or k == "scope"}

    def sorted_by(self, key: str) -> str:
        """``ascending``/``descending`` when the list is sorted by ``key`` (for aria-sort), else ``none``."""
        current = self.sort or "due_at"
        if current.removeprefix("-") != key:
            return "none"
        return "descending" if current.startswith("-") else "ascending"

    def sort_link(self, key: str) -> dict[str, Any]:
        """The link of a column heading: sort by it, or turn the direction when already sorted by it."""
        return self.args(sort=f"-{key}" if self.sorted_by(key) == "ascending" else key, page=1)


@dataclass(frozen=True)
class InboxView:
    query: InboxQuery
    tasks: Page[TaskInfo]
    counts: dict[str, int]
    definitions: list[DefinitionInfo]
    now: datetime
    supervises: bool = False
    saved: tuple[Any, ...] = ()

    def process_name(self, key: str) -> str:
        return next((d.name for d in self.definitions if d.key == key), key)

    def saved_is_current(self, query: dict[str, str]) -> bool:
        """The saved filter whose parameters are the ones shown now (its tab is the current one)."""
        return query == {k: str(v) for k, v in self.query.args(page=1).items()}


def load_inbox(actor: Actor, query: InboxQuery, per_page: int) -> InboxView:
    """One page of the chosen tab, the other tab's count and the processes to filter by."""
    casework = services()
    process = query.process or None
    supervises = bool(casework.access.supervised_groups(actor))
    counts: dict[str, int] = {}
    for scope in ("mine", "candidate"):
        if scope != query.scope:
            counts[scope] = casework.tasks.list(actor=actor, scope=scope, process_key=process, per_page=1).total
    if query.scope == "supervised":
        tasks = casework.tasks.list_overdue_supervised(actor=actor, page=query.page, per_page=per_page)
    else:
        tasks = casework.tasks.list(
            actor=actor, scope=query.scope, process_key=process, page=query.page, per_page=per_page,
            sort=query.sort or None, due=query.due or None,
        )
        if supervises:
            counts["supervised"] = casework.tasks.list_overdue_supervised(actor=actor, per_page=1).total
    counts[query.scope] = tasks.total
    return InboxView(
        query=query,
        tasks=tasks,
        counts=counts,
        definitions=casework.repository.list_definitions(),
        now=casework.clock.now(),
        supervises=supervises,
        saved=tuple(casework.saved_filters.list(actor=actor)),
    )


@dataclass(frozen=True)
class TaskView:
    task: TaskInfo
    case: InstanceInfo | None
    process_name: str
    labels: dict[str, str]
    options: dict[str, dict[str, str]]
    now: datetime
    actor: Actor = field(repr=False)

    @property
    def is_open(self) -> bool:
        return self.task.state == "open"

    @property
    def is_mine(self) -> bool:
        return self.task.assignee == self.actor.username

    @property
    def can_complete(self) -> bool:
        """Mine, or offered to me and free (completing claims it)."""
        return self.is_open and (self.task.assignee is None or self.is_mine or bool(self.task.on_behalf_of))

    @property
    def facts(self) -> list[ShownFact]:
        """The case's facts the designer labelled for this task, its own multi-instance item only."""
        if self.case is None:
            return []
        options = {**self.options, **(self.task.options or {})}
        return present(self.task.facts, self.task.fact_data or {}, options, self.labels, current_locale())

    def readonly_text(self, spec_field: FormField) -> str:
        """A read-only field's value as text (it is context, not an input)."""
        value = (self.task.form_values or {}).get(spec_field.name)
        return field_text(spec_field, value, current_locale())

    @property
    def overdue(self) -> bool:
        return bool(self.is_open and self.task.due_at and self.task.due_at < self.now)


def load_task(task_id: str, actor: Actor) -> TaskView:
    """The task with its form, and its case when the actor may see the case.

    Raises:
        NotFound: the task is unknown or not visible to the actor.
    """
    casework = services()
    task = casework.tasks.get(task_id, actor=actor)
    case = casework.tasks.get_case_context(task_id, actor=actor)
    if case is not None:
        name = case.process_name
    else:
        try:
            name = casework.repository.get_definition(task.process_key).name
        except NotFound:
            name = task.process_key
    labels, options = case_vocabulary(task.process_key, case.version if case is not None else None)
    for spec_field in (task.form or FormSpec()).fields:
        labels.setdefault(spec_field.name, spec_field.label)
        if spec_field.options:
            options.setdefault(spec_field.name, {o.value: o.label for o in spec_field.options})
    return TaskView(task, case, name, labels, options, casework.clock.now(), actor)
