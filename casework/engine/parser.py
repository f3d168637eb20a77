"""Deploying BPMN/DMN files: safe loading, XSD validation, lint, and SpiffWorkflow specs.

One ``CamundaParser`` subclass per deployment (SpiffWorkflow refuses a process id twice in one
parser, guide §1), paired with ``SpiffWorkflow.camunda.serializer.DEFAULT_CONFIG`` in the runner.
Its user task parser keeps the Camunda assignment attributes that the stock parser drops
(``candidateGroups``, ``assignee``, ``dueDate``, ``priority``) together with our :class:`FormSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.task_parsers import SubprocessParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import CallActivity, EventSubprocess, ManualTask, NoneTask, ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (
    BusinessRuleTaskParser,
    CallActivityParser,
    CamundaTaskParser,
    SubWorkflowParser,
    UserTaskParser,
)
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.camunda.specs.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from casework.errors import DefinitionInvalid, Problem
from casework.presentation import Fact
from casework.records import FormSpec

from .camunda import adapt
from .conditions import arm_conditional_subprocesses
from .cron import use_cron_timers
from .decisions import DecisionRequirementsMixin
from .depth import chain_problems
from .external import external_topics, mark_external
from .facts import read_codes, read_facts, read_title
from .forms import read_form
from .inferred_forms import form_for_formless_task
from .interrupting import INTERRUPTING_ATTR, is_interrupting
from .lint import PropertyCheck, executable_processes, lint_bpmn
from .loading import add_to_parser, message_starts, not_repeated, spiff_problem
from .schema import schema_problems
from .script_lint import lint_dmn
from .xmlsafe import (
    BPMN_NS,
    DMN_NAMESPACES,
    NSMAP,
    UnsafeXml,
    as_utf8,
    camunda_attr,
    default_group,
    local_name,
    namespace,
    parse_xml,
    task_property,
)

# Attribute under which our parser stores a human task's UserTaskMeta on the SpiffWorkflow spec.
META_ATTR = "fallwerk_meta"



@dataclass(frozen=True)
class UserTaskMeta:
    """What the app needs to route and render a human task; expressions are kept unevaluated."""

    bpmn_id: str
    title: str
    documentation: str | None
    candidate_groups: str | None
    assignee: str | None
    due_date: str | None
    priority: str | None
    form: FormSpec
    # the task's reminder policy (camunda:property name="reminders"), checked by lint; None: the default
    reminders: str | None = None
    # camunda:candidateUsers: a comma list or ${expression} of user names who may claim the task
    candidate_users: str | None = None
    # the model names no one: candidate_groups holds the process's default group (lint warns)
    defaulted: bool = False
    # the case facts the task shows (its own ``fact:`` properties; the process's come first) and its
    # title template (``title`` property: "Abstimmung über {vote_item.nominee}"), casework/presentation.py
    facts: tuple[Fact, ...] = ()
    title_template: str | None = None
    # where the task goes when whoever it names is unknown here (casework.cases.sync)
    fallback_group: str = "admin"


@dataclass
class ProcessModel:
    """One deployable process: the live spec objects plus everything the app reads from the XML."""

    key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    starter_groups: tuple[str, ...]
    start_form: FormSpec
    user_tasks: dict[str, UserTaskMeta]
    files: dict[str, bytes] = field(default_factory=dict)
    # the process's own camunda:property values (visibility, withdrawable_until, secret_ballots, ...)
    properties: dict[str, str] = field(default_factory=dict)
    # camunda:initiator of the none start event: the variable that gets the starter's user name
    initiator: str | None = None
    # variables only the system sets (process property "system_variables"); a start refuses them
    system_variables: tuple[str, ...] = ()
    # the facts every page of the case shows (the process's ``fact:`` properties)
    facts: tuple[Fact, ...] = ()
    # German names of the flow elements by id, so pages never show an id (gateway_join)
    element_names: dict[str, str] = field(default_factory=dict)
    # code lists the process declares for computed values (``codes:<name>``)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    # the topics of its external tasks (none: no external task rows to keep)
    external_topics: tuple[str, ...] = ()
    # whether the process has a none start event (POST /process-instances can start it)
    none_start: bool = True
    # message name -> start event id, for the start events that wait for a message
    message_starts: dict[str, str] = field(default_factory=dict)

    @cached_property
    def options(self) -> dict[str, dict[str, str]]:
        """Code labels of every enum field of the process's forms (field name -> code -> label)."""
        found: dict[str, dict[str, str]] = dict(self.codes)
        for form in [*(m.form for m in self.user_tasks.values()), self.start_form]:
            for spec_field in form.fields:
                if spec_field.options:
                    found[spec_field.name] = {o.value: o.label for o in spec_field.options}
        return found


@dataclass
class ParsedDeployment:
    processes: dict[str, ProcessModel]
    warnings: list[Problem]


def _meta_from_xml(node: etree._Element, file: str) -> UserTaskMeta:
    docs = node.xpath("./bpmn:documentation", namespaces=NSMAP)
    documentation = (docs[0].text or "").strip() or None if docs else None
    bpmn_id = str(node.get("id"))
    groups, users, assignee = (camunda_attr(node, a) for a in ("candidateGroups", "candidateUsers", "assignee"))
    defaulted = not (groups or users or assignee)
    return UserTaskMeta(
        bpmn_id=bpmn_id,
        title=(node.get("name") or bpmn_id).strip(),
        documentation=documentation,
        candidate_groups=default_group(node) if defaulted else groups,
        candidate_users=users,
        defaulted=defaulted,
        fallback_group=default_group(node),
        assignee=assignee,
        due_date=camunda_attr(node, "dueDate"),
        priority=camunda_attr(node, "priority"),
        # problems are reported by lint, which sees every file; a task without fields offers what the model reads
        form=form_for_formless_task(node, read_form(node, file)[0]),
        reminders=task_property(node, "reminders"),
        facts=read_facts(node),
        title_template=read_title(node),
    )


def element_properties(node: etree._Element) -> dict[str, str]:
    """Every ``camunda:property`` of an element itself, by name."""
    found: dict[str, str] = {}
    for prop in node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NSMAP):
        name = prop.get("name") or prop.get("id")
        if name:
            found[str(name)] = str(prop.get("value") or "")
    return found


class _StandardMultiInstance:
    """Read BPMN's own multi-instance markup (loopDataInputRef, inputDataItem, loopDataOutputRef,
    outputDataItem) instead of ``camunda:collection``.

    SpiffWorkflow's camunda multi-instance tasks rewrite attributes of the *task spec* while an
    instance runs; our specs are cached and shared by every instance on every thread, so that
    would leak one case's state into another. The standard variant leaves the spec alone.
    """

    def _add_multiinstance_task(self, loop_characteristics: etree._Element) -> None:
        TaskParser._add_multiinstance_task(self, loop_characteristics)


class _MetaMixin:
    """Attach a UserTaskMeta to the task spec the parser creates."""

    node: etree._Element
    filename: str

    def attach_meta(self, spec: Any) -> Any:
        setattr(spec, META_ATTR, _meta_from_xml(self.node, self.filename or ""))
        return spec


class HumanTaskParser(_MetaMixin, _StandardMultiInstance, UserTaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        return self.attach_meta(super().create_task())


class ManualTaskParser(_MetaMixin, _StandardMultiInstance, CamundaTaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        return self.attach_meta(super().create_task())


class PlainTaskParser(_StandardMultiInstance, CamundaTaskParser):  # type: ignore[misc]
    pass


class ServiceTaskParser(_StandardMultiInstance, CamundaTaskParser):  # type: ignore[misc]
    def create_task(self) -> Any:
        return mark_external(super().create_task(), self.node)


class RuleTaskParser(_StandardMultiInstance, BusinessRuleTaskParser):  # type: ignore[misc]
    pass


class CallParser(_StandardMultiInstance, CallActivityParser):  # type: ignore[misc]
    pass


class EmbeddedSubprocessParser(_StandardMultiInstance, SubWorkflowParser):  # type: ignore[misc]
    """Keeps ``triggeredByEvent``, which Camunda's parser drops (the event subprocess never ran)."""

    def create_task(self) -> Any:
        if self.node.get("triggeredByEvent") != "true":
            return super().create_task()
        subworkflow_spec = SubprocessParser.get_subprocess_spec(self)
        spec = EventSubprocess(self.spec, self.bpmn_id, subworkflow_spec=subworkflow_spec, **self.bpmn_attributes)
        setattr(spec, INTERRUPTING_ATTR, is_interrupting(self.node))
        return spec


class FallwerkParser(DecisionRequirementsMixin, CamundaParser):  # type: ignore[misc]
    """CamundaParser that keeps assignment attributes and our form model on human task specs."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (HumanTaskParser, UserTask),
        full_tag("manualTask"): (ManualTaskParser, ManualTask),
        full_tag("task"): (PlainTaskParser, NoneTask),
        full_tag("businessRuleTask"): (RuleTaskParser, BusinessRuleTask),
        full_tag("serviceTask"): (ServiceTaskParser, ServiceTask),
        full_tag("callActivity"): (CallParser, CallActivity),
        full_tag("subProcess"): (EmbeddedSubprocessParser, CallActivity),
    }


@dataclass
class _Document:
    file: str
    root: etree._Element
    kind: str  # "bpmn" | "dmn"


def _load(file: str, content: bytes, problems: list[Problem] | None = None) -> _Document:
    """Parse one file and classify it by its root element, not its file name.

    A BPMN document is adapted to what Fallwerk runs (:func:`.camunda.adapt`); when ``problems`` is
    given, the schema is checked first, on the file as written, and every problem is added to it.
    """
    root = parse_xml(content)
    if namespace(root) == BPMN_NS and local_name(root) == "definitions":
        kind = "bpmn"
    elif namespace(root) in DMN_NAMESPACES and local_name(root) == "definitions":
        kind = "dmn"
    else:
        raise UnsafeXml("neither a BPMN 2.0 nor a DMN definitions document")
    if problems is not None:
        problems.extend(schema_problems(root, file))
    if kind == "bpmn":
        found = adapt(root, file)
        if problems is not None:
            problems.extend(found)
    return _Document(file, root, kind)


def _process_ids(doc: _Document) -> set[str]:
    return {str(p.get("id")) for p in doc.root.xpath("./bpmn:process", namespaces=NSMAP)}


def _decision_ids(doc: _Document) -> set[str]:
    return {str(d.get("id")) for d in doc.root if isinstance(d.tag, str) and local_name(d) == "decision"}


def parse_deployment(
    files: dict[str, bytes],
    existing: dict[str, bytes] | None = None,
    property_checks: Mapping[str, PropertyCheck] | None = None,
) -> ParsedDeployment:
    """Validate and parse an upload; nothing is returned unless every file is free of errors.

    ``existing`` holds already deployed files the upload may call or use (called processes, DMN);
    they are trusted, not linted, and replaced by an uploaded file with the same name or ids.
    ``property_checks`` check the user tasks' ``camunda:property`` values that capabilities above
    the engine own (the reminder policy), by property name.

    Raises:
        DefinitionInvalid: listing every problem found (errors and warnings).
    """
    files, docs, problems = _load_checked(files, property_checks or {})
    context = _existing_documents(existing or {}, files, docs)
    parser = FallwerkParser()
    spiff: list[Problem] = []
    for doc in context + docs:
        try:
            add_to_parser(parser, doc)
        except Exception as exc:  # a parser crash on odd input must become a problem, not a 500
            spiff.append(spiff_problem(exc, doc.file, None))
    known = set(parser.process_parsers)
    models: dict[str, ProcessModel] = {}
    for doc in docs:
        if doc.kind != "bpmn":
            continue
        for process in executable_processes(doc.root):
            model = _build_checked(parser, doc, process, known, spiff)
            if model is not None:
                models[model.key] = model
    problems = _without_echoes(problems, spiff)
    if any(p.severity == "error" for p in problems):
        raise DefinitionInvalid(problems)
    all_docs = context + docs
    for model in models.values():
        model.files = _files_for(model, parser, all_docs, {**(existing or {}), **files})
    return ParsedDeployment(models, [p for p in problems if p.severity != "error"])


def _load_checked(
    files: dict[str, bytes], property_checks: Mapping[str, PropertyCheck]
) -> tuple[dict[str, bytes], list[_Document], list[Problem]]:
    """Each uploaded file loaded safely (as UTF-8, its expressions translated, checked against the XSD
    and the chain limit) and linted: the files as UTF-8, the documents without errors, the problems."""
    problems: list[Problem] = []
    docs: list[_Document] = []
    files = dict(files)
    for file, content in list(files.items()):
        found: list[Problem] = []
        try:
            files[file] = as_utf8(content)
            doc = _load(file, files[file], found)
        except UnsafeXml as exc:
            problems.append(Problem(file, None, str(exc)))
            continue
        found.extend(chain_problems(doc.root, file) if doc.kind == "bpmn" else [])
        problems.extend(found)
        if doc.kind == "bpmn":
            problems.extend(not_repeated(lint_bpmn(doc.root, file, property_checks), found))
        else:
            problems.extend(lint_dmn(doc.root, file))
        # SpiffWorkflow's parser may fail in obscure ways on schema-invalid XML, and recurses too
        # deep on an overlong chain (both are among ``found``)
        if not any(p.severity == "error" for p in found):
            docs.append(doc)
    return files, docs, problems


def _existing_documents(
    existing: Mapping[str, bytes], files: Mapping[str, bytes], new: list[_Document]
) -> list[_Document]:
    """Previously deployed documents not superseded by the upload (same file name or same ids)."""
    new_processes = set().union(*(_process_ids(d) for d in new)) if new else set()
    new_decisions = set().union(*(_decision_ids(d) for d in new)) if new else set()
    kept = []
    for file, content in existing.items():
        if file in files:
            continue
        try:
            doc = _load(file, content)
        except UnsafeXml:
            continue  # trusted but unreadable: a reference to it will be reported as missing
        if _process_ids(doc) & new_processes or _decision_ids(doc) & new_decisions:
            continue
        kept.append(doc)
    return kept


def _build_checked(
    parser: FallwerkParser, doc: _Document, process: etree._Element, known: set[str], problems: list[Problem]
) -> ProcessModel | None:
    key = str(process.get("id"))
    missing = False
    for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
        called = call.get("calledElement")
        if called and called not in known:
            problems.append(Problem(doc.file, call.get("id"), f"der aufgerufene Prozess '{called}' ist weder in "
                                    "dieser Bereitstellung noch bereitgestellt (Dateien, die einander aufrufen, "
                                    "zusammen hochladen)"))
            missing = True
    if missing:
        return None
    try:
        return _build_model(parser, key, process, doc.file)
    except Exception as exc:  # SpiffWorkflow raises assorted types on malformed models
        problems.append(spiff_problem(exc, doc.file, key))
        return None


def _build_model(parser: FallwerkParser, key: str, process: etree._Element, file: str) -> ProcessModel:
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    user_tasks: dict[str, UserTaskMeta] = {}
    for candidate in [spec, *subprocess_specs.values()]:
        for task_spec in candidate.task_specs.values():
            meta = getattr(task_spec, META_ATTR, None)
            if meta is not None:
                user_tasks.setdefault(meta.bpmn_id, meta)  # the process's own tasks win on an id clash
    starters = camunda_attr(process, "candidateStarterGroups") or ""
    starts = [s for s in process.xpath("./bpmn:startEvent", namespaces=NSMAP) if not _has_event_definition(s)]
    start_form = read_form(starts[0], file)[0] if starts else FormSpec()
    use_cron_timers([spec, *subprocess_specs.values()])
    arm_conditional_subprocesses([spec, *subprocess_specs.values()], subprocess_specs)
    return ProcessModel(
        key=key,
        name=(process.get("name") or key).strip(),
        spec=spec,
        subprocess_specs=subprocess_specs,
        starter_groups=tuple(g.strip() for g in starters.split(",") if g.strip()),
        start_form=start_form,
        user_tasks=user_tasks,
        properties=element_properties(process),
        initiator=camunda_attr(starts[0], "initiator") if starts else None,
        system_variables=tuple(
            v.strip() for v in (element_properties(process).get("system_variables") or "").split(",") if v.strip()
        ),
        facts=read_facts(process),
        element_names=_element_names(process),
        codes=read_codes(process),
        none_start=bool(starts),
        external_topics=external_topics([spec, *subprocess_specs.values()]),
        message_starts=message_starts(process),
    )


def _element_names(process: etree._Element) -> dict[str, str]:
    names = {}
    for element in process.iter(f"{{{BPMN_NS}}}*"):
        name, element_id = (element.get("name") or "").strip(), element.get("id")
        if name and element_id:
            names[element_id] = " ".join(name.split())
    return names


def _has_event_definition(event: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and local_name(c).endswith("EventDefinition") for c in event)


def _files_for(
    model: ProcessModel, parser: FallwerkParser, docs: list[_Document], contents: Mapping[str, bytes]
) -> dict[str, bytes]:
    """The process's own file, the files of the processes it calls, and every DMN file."""
    needed = {parser.process_parsers[model.key].filename}
    for name in model.subprocess_specs:
        sub = parser.process_parsers.get(name)
        if sub is not None and sub.filename:
            needed.add(sub.filename)
    needed.update(d.file for d in docs if d.kind == "dmn")
    return {name: contents[name] for name in sorted(needed) if name in contents}


def _without_echoes(found: list[Problem], spiff: list[Problem]) -> list[Problem]:
    """Add SpiffWorkflow's problems, except its echo of an element our own checks already flagged."""
    flagged = {(p.file, p.element_id) for p in found if p.severity == "error"}
    return found + [p for p in spiff if (p.file, p.element_id) not in flagged]


def load_model(key: str, files: dict[str, bytes]) -> ProcessModel:
    """Re-parse stored, already validated files for the spec cache: no XSD, no lint.

    Raises:
        DefinitionInvalid: the stored files do not yield the process (corrupted storage).
    """
    parser = FallwerkParser()
    try:
        docs = [_load(name, content) for name, content in files.items()]
        for doc in docs:
            add_to_parser(parser, doc)
        for doc in docs:
            for process in doc.root.xpath("./bpmn:process", namespaces=NSMAP):
                if process.get("id") == key:
                    model = _build_model(parser, key, process, doc.file)
                    model.files = dict(files)
                    return model
    except (UnsafeXml, SpiffWorkflowException, ValueError, KeyError) as exc:
        raise DefinitionInvalid([Problem(next(iter(files), "-"), key, str(exc))]) from None
    raise DefinitionInvalid(
        [Problem(next(iter(files), "-"), key, f"process '{key}' is not in the stored files")]
    )
