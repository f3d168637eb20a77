"""What the case pages show, gathered from the services (the routes stay one call long)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from casework.cases.start_form import start_form_defaults
from casework.errors import Forbidden, NotFound
from casework.presentation import Fact, ShownFact, format_scalar, present
from casework.records import (
    Actor,
    CasePresentation,
    DefinitionInfo,
    FormField,
    FormSpec,
    HistoryEntry,
    InstanceInfo,
    Page,
)
from webapp.cases.monitoring import Monitoring, build_monitoring
from webapp.common import page_arg, services
from webapp.designer.pages import case_diagram_config
from webapp.i18n import common_vocabulary, current_locale

STATUSES = ("running", "completed", "error", "terminated")
_TEMPLATE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,119}$")


def may_start(definition: DefinitionInfo, actor: Actor) -> bool:
    """The UI offers a process to admins and to members of its starter groups."""
    return actor.is_admin or bool(set(definition.starter_groups) & actor.groups)


def case_vocabulary(
    process_key: str, version: int | None = None
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Field and option labels of a process's forms -- the start form and every task form of that
    version -- to show its variables and history readably (``decision`` as "Entscheidung")."""
    labels, options = common_vocabulary()
    labels.update(history_labels())
    for spec_field in form_fields(process_key, version):
        labels[spec_field.name] = spec_field.label
        if spec_field.options:
            options[spec_field.name] = {o.value: o.label for o in spec_field.options}
        for column in spec_field.columns:  # a table field's columns head its facts' tables
            labels.setdefault(column.name, column.label)
            if column.options:
                options.setdefault(column.name, {o.value: o.label for o in column.options})
    return labels, options


def history_labels() -> dict[str, str]:
    """Names the engine writes into history entries (task_created), in the request's language."""
    return {"candidate_groups": _("Groups"), "due_at": _("Due"), "on_behalf_of": _("Standing in for")}


def form_fields(process_key: str, version: int | None = None) -> list[FormField]:
    """Every form field of a process version, task forms first, the start form last (it wins)."""
    try:
        return services().repository.form_fields(process_key, version)
    except NotFound:
        return []


_FIELD_KINDS = {"date": "date", "integer": "integer", "number": "number", "boolean": "yesno", "enum": "code"}


def field_text(spec_field: FormField, value: Any, locale: str) -> str:
    """A form field's value as text, formatted by its type (read-only fields, not inputs)."""
    kind = spec_field.format or _FIELD_KINDS.get(spec_field.type, "auto")
    codes = tuple((o.value, o.label) for o in spec_field.options)
    fact = Fact(spec_field.name, spec_field.label, kind, codes=codes)
    if spec_field.type == "boolean" and isinstance(value, str):
        value = {"true": True, "false": False}.get(value, value)
    return format_scalar(value, fact, {}, locale)


def visible_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Case data worth showing: internal names (leading underscore) stay hidden."""
    return {k: v for k, v in variables.items() if not k.startswith("_")}


@dataclass(frozen=True)
class CaseQuery:
    process: str = ""
    status: str = ""
    business_key: str = ""
    page: int = 1
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CaseQuery:
        status = args.get("status", "")
        page = page_arg(args)
        return cls(
            (args.get("process") or "").strip()[:120],
            status if status in STATUSES else "",
            (args.get("business_key") or "").strip()[:200],
            page,
            (args.get("q") or "").strip()[:500],
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {
            "process": self.process,
            "status": self.status,
            "business_key": self.business_key,
            "page": self.page,
            "q": self.q,
            **changes,
        }
        return {k: v for k, v in values.items() if v not in (None, "", 1)}

    @property
    def filtered(self) -> bool:
        return bool(self.process or self.status or self.business_key or self.q)


@dataclass(frozen=True)
class CaseListView:
    query: CaseQuery
    cases: Page[InstanceInfo]
    definitions: list[DefinitionInfo]


def load_cases(actor: Actor, query: CaseQuery, per_page: int) -> CaseListView:
    casework = services()
    cases = casework.runtime.list(
        actor=actor,
        process_key=query.process or None,
        status=query.status or None,
        business_key=query.business_key or None,
        q=query.q or None,
        page=query.page,
        per_page=per_page,
    )
    return CaseListView(query, cases, casework.repository.list_definitions())


@dataclass(frozen=True)
class CaseView:
    case: InstanceInfo
    history: list[HistoryEntry]
    labels: dict[str, str]
    options: dict[str, dict[str, str]]
    now: datetime
    actor: Actor
    history_intact: bool = True
    presentation: CasePresentation = CasePresentation()

    @property
    def facts(self) -> list[ShownFact]:
        """The case's facts its designer labelled on the process; nothing unlabelled."""
        options = {**self.options, **self.presentation.options}
        return present(self.presentation.facts, self.case.variables, options, self.labels, current_locale())

    def element_name(self, element_id: str | None) -> str:
        """A step's German name, never its id (an unnamed step: its kind in words)."""
        if not element_id:
            return "–"
        return self.presentation.element_names.get(element_id) or _("an unnamed step")

    @property
    def decision_templates(self) -> list[str]:
        """The process's own decision record (templates/cases/decisions/<key>.html), else the generic one."""
        generic = "cases/decisions/_generic.html"
        if not _TEMPLATE_NAME.match(self.case.process_key):
            return [generic]  # a key is a BPMN id; anything else never names a template
        return [f"cases/decisions/{self.case.process_key}.html", generic]

    @property
    def panel_templates(self) -> list[str]:
        """A process's own panel below the case data (templates/cases/panels/<key>.html), if it has one."""
        return [f"cases/panels/{self.case.process_key}.html"] if _TEMPLATE_NAME.match(self.case.process_key) else []

    @property
    def monitoring(self) -> Monitoring | None:
        """Targets against quarterly actuals, for a case whose data has a ``targets`` table."""
        return build_monitoring(self.case.variables, current_locale())

    @property
    def diagram(self) -> dict[str, Any]:
        """The configuration of the diagram script on the case page (webapp/static/src/case-diagram.js)."""
        return case_diagram_config(self.case.id)

    def may_open(self, task: Any) -> bool:
        """Link a task only for those who can open it: its assignee or its groups' members."""
        if task.assignee:
            return bool(task.assignee == self.actor.username or self.actor.is_admin)
        return self.actor.is_admin or bool(set(task.candidate_groups) & self.actor.groups)


def load_case(instance_id: str, actor: Actor) -> CaseView:
    """A case, its history and the labels for its data.

    Raises:
        NotFound: unknown, or not visible to the actor.
    """
    casework = services()
    case = casework.runtime.get(instance_id, actor=actor)
    history, intact = casework.runtime.history_trail(instance_id, actor=actor)
    labels, options = case_vocabulary(case.process_key, case.version)
    try:
        presentation = casework.repository.presentation(case.process_key, case.version)
    except NotFound:
        presentation = CasePresentation()
    return CaseView(case, history, labels, options, casework.clock.now(), actor, intact, presentation)


def startable(actor: Actor) -> list[DefinitionInfo]:
    """The processes the actor may start, by name."""
    found = [d for d in services().repository.list_definitions() if may_start(d, actor)]
    return sorted(found, key=lambda d: d.name.casefold())


def load_start(key: str, actor: Actor) -> tuple[DefinitionInfo, FormSpec]:
    """A process the actor may start and its start form.

    Raises:
        NotFound: no such process.  Forbidden: the actor may not start it.
    """
    definition = services().repository.get_definition_with_form(key)
    if not may_start(definition, actor):
        raise Forbidden(_("You may not start this process."))
    return definition, definition.start_form


def start_defaults(key: str, actor: Actor) -> dict[str, Any]:
    """The start form's initial values: plain defaults, and ${expressions} evaluated for the starter's
    organisation (gf_appointment asks the TV's data whether the Agentur named the first chair)."""
    return start_form_defaults(services().runtime, key, actor)
