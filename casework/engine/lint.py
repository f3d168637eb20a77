"""Deploy-time rules over the BPMN XML, beyond what the XSD and SpiffWorkflow's parser check.

SpiffWorkflow stops at the first problem of a process and does not look at scripts, forms or
Camunda attributes at all; designers should see every mistake of an upload at once, each pointing
at an element id they can find in the modeler.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from lxml import etree

from casework.errors import Problem

from .camunda import cron_text
from .facts import fact_problems
from .forms import read_form
from .message_subprocesses import nested_start_problems
from .script_lint import code_warnings
from .scripting import compile_problem, is_expression, normalise_script, unwrap_expression
from .timing import resolve_due, timer_value_problem
from .xmlsafe import (
    BPMN_NS,
    CAMUNDA_NS,
    NSMAP,
    camunda_attr,
    default_group,
    local_name,
    namespace,
    task_property,
)

ASSIGNMENT_ATTRS = ("candidateGroups", "candidateUsers", "assignee", "dueDate", "priority")
HUMAN_TASKS = ("userTask", "manualTask")
_PYTHON_FORMATS = ("", "python", "py", "python3")
_GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
_NOT_FLOW_NODES = (
    "sequenceFlow",
    "laneSet",
    "lane",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "group",
    "documentation",
    "extensionElements",
    "ioSpecification",
    "property",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    # a subprocess's own incoming/outgoing references sit among its child flow nodes
    "incoming",
    "outgoing",
)
# the prefixes bpmn-js and the Camunda Modeler give new elements, followed by their random suffix
GENERATED_ID = re.compile(
    r"^(Activity|Task|UserTask|ManualTask|ServiceTask|ScriptTask|SendTask|ReceiveTask|BusinessRuleTask|"
    r"CallActivity|SubProcess|Transaction|Gateway|ExclusiveGateway|InclusiveGateway|ParallelGateway|"
    r"EventBasedGateway|ComplexGateway|Event|StartEvent|EndEvent|IntermediateCatchEvent|"
    r"IntermediateThrowEvent|BoundaryEvent|Flow|SequenceFlow|Process|Participant|Collaboration|Lane|"
    r"DataObject|DataObjectReference|DataStoreReference|TextAnnotation|Association)_[0-9][0-9a-z]*$"
)
MEANINGFUL_ID_HINT = "give it a meaningful snake_case id (e.g. review_request): ids appear in the history and the API"
NO_FORM_WARNING = "the user task has no form (camunda:formData): completing it records only that it was done"
LOOP_WARNING = (
    "loop via gateway back-edge: SpiffWorkflow stalls after ~500 passes; use standardLoopCharacteristics"
)


# A check of a user task's ``camunda:property`` that a capability above the engine owns (the reminder
# policy belongs to casework.time.reminders): handed in as data, so the engine imports nothing above
# it. Given the value and the task's camunda attributes (dueDate, ...), it returns (severity, message)
# pairs; the lint adds the file and the element.
PropertyCheck = Callable[[str, Mapping[str, str]], list[tuple[str, str]]]


def executable_processes(root: etree._Element) -> list[etree._Element]:
    """Top-level processes SpiffWorkflow will run (a missing isExecutable counts as executable)."""
    return [
        p for p in root.xpath("./bpmn:process", namespaces=NSMAP) if p.get("isExecutable", "true") == "true"
    ]


def lint_bpmn(
    root: etree._Element, file: str, property_checks: Mapping[str, PropertyCheck] | None = None
) -> list[Problem]:
    """Every problem in one BPMN document, errors and warnings."""
    problems: list[Problem] = []
    processes = root.xpath("./bpmn:process", namespaces=NSMAP)
    if not processes:
        problems.append(Problem(file, None, "Die Datei enthält keinen Prozess.", "warning"))
    for process in processes:
        if process.get("isExecutable", "true") != "true":
            problems.append(Problem(file, process.get("id"), f"Der Prozess '{process.get('id')}' ist nicht "
                                    'ausführbar (isExecutable="false"): wie Camunda 7 stellt Fallwerk ihn nicht '
                                    'bereit; isExecutable="true" setzen, um ihn auszuführen', "warning"))
        problems.extend(_process_id_problems(process, file))
        problems.extend(_lint_process(process, file, property_checks or {}))
    return problems


# One rule for the API and the designer: an XML id (NCName) in ASCII, as the Camunda Modeler writes
# them (loanApproval, invoice-receipt), at most 120 characters (the process_key column).
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,119}$")
PROCESS_ID_RULE = ("zuerst ein Buchstabe oder _, dann Buchstaben, Ziffern, _, - oder . (ASCII, höchstens 120 Zeichen)")


def _process_id_problems(process: etree._Element, file: str) -> list[Problem]:
    pid = process.get("id") or ""
    if PROCESS_ID.match(pid):
        return []
    return [Problem(file, pid or None, f"Die Prozess-ID '{pid}' ist nicht verwendbar: {PROCESS_ID_RULE}")]


def _lint_process(
    process: etree._Element, file: str, property_checks: Mapping[str, PropertyCheck]
) -> list[Problem]:
    problems: list[Problem] = []
    pid = process.get("id")
    if process.get("isExecutable", "true") == "true" and not camunda_attr(process, "candidateStarterGroups"):
        problems.append(
            Problem(file, pid, "no camunda:candidateStarterGroups: every user may start it", "warning")
        )
    problems.extend(fact_problems(process, file))
    for start in process.xpath("./bpmn:startEvent", namespaces=NSMAP):
        problems.extend(read_form(start, file)[1])
    for element in process.iter(f"{{{BPMN_NS}}}*"):
        name = local_name(element)
        if _is_flow_node(element) and not element.get("id"):
            problems.append(Problem(file, pid, f"a {name} element has no id"))
            continue
        checker = _CHECKS.get(name)
        if checker is not None:
            problems.extend(checker(element, file))
        if name in _HUMAN_TASKS:
            problems.extend(_check_properties(element, file, property_checks))
        problems.extend(_check_generated_id(element, file))
    for scope in [process, *process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")]:
        problems.extend(_loop_warnings(scope, file))
    return problems + nested_start_problems(process, file)


def _is_flow_node(element: etree._Element) -> bool:
    parent = element.getparent()
    return (
        parent is not None
        and local_name(parent) in ("process", "subProcess", "transaction", "adHocSubProcess")
        and local_name(element) not in _NOT_FLOW_NODES
    )


def _problem(element: etree._Element, file: str, message: str, severity: str = "error") -> Problem:
    return Problem(file, element.get("id"), message, severity)


def _check_expression(element: etree._Element, file: str, what: str, source: str | None) -> list[Problem]:
    if source is None or not source.strip():
        return [_problem(element, file, f"{what}: der Ausdruck ist leer (auch Camunda 7 verlangt einen)")]
    return _sandbox_problems(element, file, what, source, "eval")


def _sandbox_problems(element: etree._Element, file: str, what: str, source: str, mode: str) -> list[Problem]:
    """A syntax error blocks the deploy; code the sandbox refuses (imports, dunders) is reported as a
    warning and fails when it runs, so the refusal is also recorded in the case's history."""
    reason = compile_problem(source, mode)
    text = unwrap_expression(source) if mode == "eval" else normalise_script(source)
    if not reason:
        return [_problem(element, file, f"{what}: {w}", "warning") for w in code_warnings(text, mode)]
    try:
        compile(text, "<bpmn>", mode)
    except SyntaxError:
        return [_problem(element, file, f"{what}: {reason}")]
    return [_problem(element, file, f"{what}: {reason} (the sandbox refuses it when it runs)", "warning")]


def _check_human_task(task: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    if not any(camunda_attr(task, a) for a in ("candidateGroups", "candidateUsers", "assignee")):
        problems.append(_problem(task, file, "no camunda:candidateGroups, candidateUsers or assignee: the "
                                             f"task goes to the process's default group '{default_group(task)}' "
                                             "(process property default_group)", "warning"))
    for attr in ASSIGNMENT_ATTRS:
        value = camunda_attr(task, attr)
        if value is None:
            continue
        if is_expression(value):
            problems.extend(_check_expression(task, file, f"camunda:{attr}", value))
        elif "${" in value:
            problems.append(
                _problem(task, file, f"camunda:{attr}: only a whole-value ${{...}} expression is supported")
            )
        elif attr == "dueDate":
            try:
                resolve_due(value, datetime.now(UTC))
            except ValueError as exc:
                problems.append(_problem(task, file, f"camunda:dueDate: {exc}"))
        elif attr == "priority" and not value.lstrip("+-").isdigit():
            problems.append(_problem(task, file, f"camunda:priority must be a whole number, got '{value}'"))
    problems.extend(read_form(task, file)[1])
    problems.extend(fact_problems(task, file))
    return problems


def _check_properties(
    task: etree._Element, file: str, property_checks: Mapping[str, PropertyCheck]
) -> list[Problem]:
    problems: list[Problem] = []
    prefix = f"{{{CAMUNDA_NS}}}"
    for name, check in property_checks.items():
        value = task_property(task, name)
        if value is None:
            continue
        attributes = {
            str(k)[len(prefix):]: str(v).strip()
            for k, v in task.attrib.items()
            if str(k).startswith(prefix) and str(v).strip()
        }
        problems.extend(_problem(task, file, message, severity) for severity, message in check(value, attributes))
    return problems


def designer_hints(root: etree._Element, file: str) -> list[Problem]:
    """Warnings the designer shows while a model is edited, beyond what a deploy reports: a user task
    without a form is legitimate (an acknowledgement), so only the designer points it out."""
    return [
        _problem(task, file, NO_FORM_WARNING, "warning")
        for task in root.iter(f"{{{BPMN_NS}}}userTask")
        if not task.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NSMAP)
    ]


def _check_generated_id(element: etree._Element, file: str) -> list[Problem]:
    """Ids such as ``Activity_0x1y2z3`` are what a modeler invents; they end up in the history, the
    API and the tests, where nobody can tell what they mean."""
    ident = element.get("id")
    if not ident or not GENERATED_ID.match(ident):
        return []
    return [_problem(element, file, f"the id '{ident}' was generated by the modeler; {MEANINGFUL_ID_HINT}", "warning")]


def _check_script_task(task: etree._Element, file: str) -> list[Problem]:
    fmt = (task.get("scriptFormat") or "").strip().lower()
    if fmt not in _PYTHON_FORMATS:
        return [_problem(task, file, f"scriptFormat '{fmt}' wird nicht unterstützt; "
                                     "Skripte sind Python (sie laufen in der Sandbox)")]
    scripts = task.xpath("./bpmn:script", namespaces=NSMAP)
    if not scripts or not (scripts[0].text or "").strip():
        return [_problem(task, file, "the script task has no script")]
    return _sandbox_problems(task, file, "script", scripts[0].text, "exec")


def _check_flow(flow: etree._Element, file: str) -> list[Problem]:
    conditions = flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP)
    if not conditions:
        return []
    return _check_expression(flow, file, "condition", conditions[0].text)


def _check_gateway(gateway: etree._Element, file: str) -> list[Problem]:
    scope = gateway.getparent()
    gid = gateway.get("id")
    outgoing = [f for f in scope.xpath("./bpmn:sequenceFlow", namespaces=NSMAP) if f.get("sourceRef") == gid]
    default = gateway.get("default")
    problems: list[Problem] = []
    if default and default not in {f.get("id") for f in outgoing}:
        problems.append(
            _problem(gateway, file, f"default flow '{default}' is not an outgoing flow of this gateway")
        )
    if len(outgoing) < 2:
        return problems
    for flow in outgoing:
        if flow.get("id") != default and not flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP):
            problems.append(
                _problem(
                    flow,
                    file,
                    "an outgoing flow of a gateway needs a condition unless it is the default flow",
                )
            )
    if not default:
        problems.append(
            _problem(
                gateway,
                file,
                "no default flow: if no condition holds, the case stops with an error",
                "warning",
            )
        )
    return problems


def _check_multi_instance(loop: etree._Element, file: str) -> list[Problem]:
    problems: list[Problem] = []
    task = loop.getparent()
    if loop.get(f"{{{CAMUNDA_NS}}}collection") is not None:
        problems.append(
            _problem(
                task, file, "camunda:collection is not supported; use loopDataInputRef and inputDataItem"
            )
        )
    for tag in ("loopCardinality", "completionCondition"):
        for node in loop.xpath(f"./bpmn:{tag}", namespaces=NSMAP):
            problems.extend(_check_expression(task, file, tag, node.text))
    return problems


def _check_standard_loop(loop: etree._Element, file: str) -> list[Problem]:
    task = loop.getparent()
    problems: list[Problem] = []
    for node in loop.xpath("./bpmn:loopCondition", namespaces=NSMAP):
        problems.extend(_check_expression(task, file, "loopCondition", node.text))
    return problems


def _check_timer(timer: etree._Element, file: str) -> list[Problem]:
    event = timer.getparent()
    problems: list[Problem] = []
    for node in timer:
        if namespace(node) == BPMN_NS:
            found = _check_expression(event, file, f"timer {local_name(node)}", node.text)
            problems.extend(found or _check_timer_literal(event, file, local_name(node), node.text or ""))
    return problems


def _check_timer_literal(event: etree._Element, file: str, element: str, source: str) -> list[Problem]:
    """A quoted literal must be ISO 8601 of the element's kind; an unquoted ``P10D`` is a name, not a value."""
    text = unwrap_expression(source).strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if re.fullmatch(r"(R\d*/)?P[0-9YMWDTHS.]+", text, re.IGNORECASE):
            return [_problem(event, file, f"timer {element}: write '{text}' in quotes (\"{text}\"); "
                                          "unquoted it is a variable name")]
        return []  # an expression: checked when the timer is reached
    if element == "timeCycle" and cron_text(value) is not None:
        return []  # a Quartz cron cycle, checked when it was translated (casework.engine.camunda)
    problem = timer_value_problem(element, value)
    return [_problem(event, file, f"timer {element}: {problem}")] if problem else []


def _check_call_activity(task: etree._Element, file: str) -> list[Problem]:
    return [] if task.get("calledElement") else [_problem(task, file, "a call activity needs calledElement")]


def _check_business_rule(task: etree._Element, file: str) -> list[Problem]:
    if task.get(f"{{{CAMUNDA_NS}}}decisionRef"):
        return []
    return [_problem(task, file, "Eine Geschäftsregelaufgabe braucht camunda:decisionRef (die id der DMN-Entscheidung) "
                                 'oder camunda:type="external" mit camunda:topic, wie in Camunda 7')]


_HUMAN_TASKS = ("userTask", "manualTask")
_CHECKS = {
    "userTask": _check_human_task,
    "manualTask": _check_human_task,
    "scriptTask": _check_script_task,
    "sequenceFlow": _check_flow,
    "exclusiveGateway": _check_gateway,
    "inclusiveGateway": _check_gateway,
    "multiInstanceLoopCharacteristics": _check_multi_instance,
    "standardLoopCharacteristics": _check_standard_loop,
    "timerEventDefinition": _check_timer,
    "callActivity": _check_call_activity,
    "businessRuleTask": _check_business_rule,
}


def _loop_warnings(scope: etree._Element, file: str) -> list[Problem]:
    """Warn about cycles of sequence flows: each pass deepens SpiffWorkflow's task tree (guide §3)."""
    nodes = [c for c in scope if isinstance(c.tag, str) and _is_flow_node(c) and c.get("id")]
    kinds = {n.get("id"): local_name(n) for n in nodes}
    edges: dict[str, list[str]] = {ident: [] for ident in kinds}
    for flow in scope.xpath("./bpmn:sequenceFlow", namespaces=NSMAP):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in edges and target in edges:
            edges[source].append(target)
    for node in nodes:  # a boundary event continues its host's path
        host = node.get("attachedToRef")
        if local_name(node) == "boundaryEvent" and host in edges:
            edges[host].append(node.get("id"))
    problems = []
    for component in _cycles(edges):
        gateways = [n for n in component if kinds[n] in _GATEWAYS]
        anchor = (gateways or component)[0]
        path = ", ".join(component)
        problems.append(Problem(file, anchor, f"{LOOP_WARNING} (cycle through {path})", "warning"))
    return problems


def _cycles(edges: dict[str, list[str]]) -> Iterable[list[str]]:
    """Strongly connected components that contain a cycle, in document order (Tarjan, iterative)."""
    order = {node: i for i, node in enumerate(edges)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    found.append(sorted(component, key=order.__getitem__))
    return sorted(found, key=lambda c: order[c[0]])
