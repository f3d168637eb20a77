"""Camunda 7 models as Fallwerk runs them: translated at deploy, or refused naming the element.

:func:`adapt` rewrites a parsed BPMN document in place before lint and SpiffWorkflow's parser see
it, the same way at deploy and when a stored version is loaded again (so the stored file stays the
designer's own). It translates JUEL (:mod:`.juel`) into Python, gives gateway flows without a
condition Camunda's meaning (always true), quotes ISO literal timers, marks Quartz cron cycles,
turns ``camunda:collection`` into BPMN's own multi-instance markup, and refuses what nothing here can
run (Java delegates, listeners, connectors, input/output mappings, compensation). Every translation
is reported as an ``info`` problem, so the designer shows the Python that will run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from lxml import etree

from casework.errors import Problem

from .cron import CRON_PREFIX, CronError, looks_like_cron, parse_cron
from .juel import JuelError, has_expression, translate_value
from .xmlsafe import BPMN_NS, CAMUNDA_NS, NSMAP, camunda_attr, local_name, nearest_id, task_property

# user task attributes that may hold an expression
EXPRESSION_ATTRS = ("candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate", "priority")
JAVA_ATTRS = ("class", "delegateExpression", "expression")
SERVICE_LIKE = ("serviceTask", "sendTask", "businessRuleTask")
_ISO_LITERAL = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)(/P[0-9YMWDTHS.,]+)?$",
    re.IGNORECASE,
)
_REFUSED_EXTENSIONS = {
    "inputOutput": "camunda:inputOutput (Ein-/Ausgabe-Zuordnungen) wird hier nicht ausgeführt; die Werte "
                   "in einer Skriptaufgabe vor oder nach dem Element berechnen",
    "executionListener": "camunda:executionListener (Java) wird hier nicht ausgeführt; eine Skriptaufgabe "
                         "verwenden",
    "taskListener": "camunda:taskListener (Java) wird hier nicht ausgeführt; eine Skriptaufgabe oder die "
                    "Attribute der Aufgabe verwenden",
    "connector": "camunda:connector (Camunda Connect, Java) wird hier nicht ausgeführt; eine externe Aufgabe "
                 '(camunda:type="external" camunda:topic="…") verwenden, die ein Worker bedient',
    "field": "camunda:field setzt Werte in Java-Klassen, die hier nicht ausgeführt werden",
}
# external tasks run as service tasks (a send or business rule task with camunda:type="external" is
# one in Camunda 7 too; SpiffWorkflow would throw a send task's message instead of waiting)
EXTERNAL_TASK_ELEMENTS = ("serviceTask",)
_GERMAN = {"serviceTask": "Serviceaufgabe", "sendTask": "Sendeaufgabe", "businessRuleTask": "Geschäftsregelaufgabe"}


class _Report:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, element: etree._Element | None, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file, nearest_id(element), message, severity))

    def translated(self, element: etree._Element, what: str, before: str, after: str) -> None:
        bare = before.strip()
        if bare.startswith("${") and bare.endswith("}") and bare.count("${") == 1:
            bare = bare[2:-1].strip()
        if bare != after.strip():
            self.add(element, f"{what}: '{before.strip()}' läuft als Python '{after}'", "info")


def adapt(root: etree._Element, file: str) -> list[Problem]:
    """Translate and check one BPMN document in place; returns refusals, warnings and translations."""
    report = _Report(file)
    _data_stores(root, report)
    for process in root.xpath("./bpmn:process", namespaces=NSMAP):
        for element in list(process.iter()):
            if not isinstance(element.tag, str):
                continue
            handler = _HANDLERS.get(local_name(element)) if element.tag.startswith(f"{{{BPMN_NS}}}") else None
            if handler is not None:
                handler(element, report)
            elif element.tag.startswith(f"{{{CAMUNDA_NS}}}"):
                _camunda_extension(element, report)
    return report.problems


def _data_stores(root: etree._Element, report: _Report) -> None:
    """BPMN's data flow has no execution semantics in Camunda 7 (documentation only: it maps variables
    with camunda:inputOutput instead). SpiffWorkflow would run it (a data store needs a registered
    implementation; a task's ioSpecification demands its outputs), so data stores, the tasks'
    ioSpecification and the data associations go."""
    refs = root.xpath(".//bpmn:dataStoreReference", namespaces=NSMAP)
    for ref in refs:
        report.add(ref, f"Datenspeicher '{ref.get('name') or ref.get('id')}': wie in Camunda 7 nur Dokumentation, "
                        "er wird nicht ausgeführt", "info")
        ref.getparent().remove(ref)
    for store in root.xpath("./bpmn:dataStore", namespaces=NSMAP):
        root.remove(store)
    owners = []
    for node in root.xpath(".//bpmn:process//bpmn:ioSpecification | .//bpmn:dataInputAssociation"
                           " | .//bpmn:dataOutputAssociation", namespaces=NSMAP):
        owner = node.getparent()
        if local_name(owner) == "process":
            continue  # the process's own inputs and outputs: SpiffWorkflow ignores them at the start
        owner.remove(node)
        if owner not in owners:
            owners.append(owner)
    for owner in owners:
        report.add(owner, "Datenein- und -ausgaben (ioSpecification, Datenassoziationen): wie in Camunda 7 nur "
                          "Dokumentation, sie werden nicht ausgeführt (Variablen gehören dem ganzen Fall)", "info")


def _camunda_extension(element: etree._Element, report: _Report) -> None:
    reason = _REFUSED_EXTENSIONS.get(local_name(element))
    if reason is None:
        return
    if local_name(element) == "field" and local_name(element.getparent()) != "extensionElements":
        return  # a camunda:field inside a refused listener is reported with its listener
    report.add(element.getparent(), reason)


# --- expressions -------------------------------------------------------------------------------


def _python(value: str, element: etree._Element, report: _Report, what: str) -> str | None:
    """``value`` with its expressions as Python; None (and an error) if it cannot be translated."""
    try:
        return translate_value(value)
    except JuelError as exc:
        report.add(element, f"{what}: der Ausdruck '{value.strip()}' lässt sich nicht übersetzen ({exc})")
        return None


def _expression_attrs(task: etree._Element, report: _Report) -> None:
    for attr in EXPRESSION_ATTRS:
        value = camunda_attr(task, attr)
        if not has_expression(value):
            continue
        python = _python(value or "", task, report, f"camunda:{attr}")
        if python is not None:
            task.set(f"{{{CAMUNDA_NS}}}{attr}", "${" + python + "}")
            report.translated(task, f"camunda:{attr}", value or "", python)
    for field in task.xpath(".//camunda:formField[@defaultValue]", namespaces=NSMAP):
        value = field.get("defaultValue")
        if has_expression(value):
            python = _python(value, task, report, f"defaultValue von '{field.get('id')}'")
            if python is not None:
                field.set("defaultValue", "${" + python + "}")
                report.translated(task, f"defaultValue von '{field.get('id')}'", value, python)


def _text_expression(node: etree._Element, owner: etree._Element, report: _Report, what: str) -> None:
    """A child element whose text is an expression (loop conditions, cardinality)."""
    text = node.text or ""
    if has_expression(text):
        python = _python(text, owner, report, what)
        if python is not None:
            node.text = python
            report.translated(owner, what, text, python)


def _check_language(node: etree._Element, owner: etree._Element, report: _Report, what: str) -> bool:
    language = (node.get("language") or "").strip().lower()
    if language in ("", "juel", "python", "python3", "${}", "http://www.w3.org/1999/xpath"):
        return True
    feel = " (FEEL, die Sprache von Camunda 8/DMN)" if "feel" in language else ""
    report.add(owner, f"{what}: die Sprache '{language}'{feel} kann nicht ausgeführt werden; einen JUEL-Ausdruck "
                      "${...} oder einen Python-Ausdruck schreiben, wie Camunda 7")
    return False


# --- sequence flows and gateways ---------------------------------------------------------------


def _sequence_flow(flow: etree._Element, report: _Report) -> None:
    for node in flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP):
        if not _check_language(node, flow, report, "Bedingung"):
            continue
        text = (node.text or "").strip()
        if not text:
            # Camunda reads an empty condition as no condition: the flow is always taken
            node.text = "True"
            report.add(flow, "Die Bedingung ist leer; wie in Camunda wird der Fluss immer genommen.", "warning")
        elif has_expression(text):
            python = _python(text, flow, report, "Bedingung")
            if python is not None:
                node.text = python
                report.translated(flow, "Bedingung", text, python)
        elif text.startswith("="):
            report.add(flow, f"Bedingung: '{text}' ist ein FEEL-Ausdruck (Camunda 8/Zeebe); Camunda 7 und "
                             "Fallwerk lesen JUEL ${...} oder Python")
        elif "getDataObject" in text:
            report.add(flow, f"Bedingung: '{text}' ist XPath (die Vorgabesprache von BPMN), die weder Camunda 7 noch "
                             "Fallwerk ausführt; ${...} (JUEL) oder einen Python-Ausdruck schreiben")
        elif not _compiles(text):
            report.add(flow, f"Bedingung: '{text}' ist Text, kein Ausdruck (auch Camunda scheitert daran, "
                             "sobald das Gateway erreicht wird); ${...} (JUEL) oder einen Python-Ausdruck schreiben")


def _compiles(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _gateway(gateway: etree._Element, report: _Report) -> None:
    """Camunda takes a flow without condition as true (an exclusive gateway: the first such flow in
    document order); SpiffWorkflow would take it only as the default, so it gets ``True``."""
    scope = gateway.getparent()
    gid, default = gateway.get("id"), gateway.get("default")
    outgoing = [f for f in scope.xpath("./bpmn:sequenceFlow", namespaces=NSMAP) if f.get("sourceRef") == gid]
    if len(outgoing) < 2:
        return
    for flow in outgoing:
        if flow.get("id") == default or flow.xpath("./bpmn:conditionExpression", namespaces=NSMAP):
            continue
        condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
        condition.text = "True"
        report.add(flow, "keine Bedingung: wie in Camunda immer wahr", "info")


# --- timers ---------------------------------------------------------------------------------


def _timer(definition: etree._Element, report: _Report) -> None:
    event = definition.getparent()
    for node in definition:
        if not isinstance(node.tag, str) or local_name(node) not in ("timeDuration", "timeDate", "timeCycle"):
            continue
        kind, text = local_name(node), (node.text or "").strip()
        if has_expression(text):
            python = _python(text, event, report, f"Timer {kind}")
            if python is not None:
                node.text = python
                report.translated(event, f"Timer {kind}", text, python)
        elif kind == "timeCycle" and looks_like_cron(text):
            try:
                parse_cron(text)
            except CronError as exc:
                report.add(event, f"Timer timeCycle: {exc}")
                continue
            node.text = repr(CRON_PREFIX + " ".join(text.split()))
            report.add(event, f"Timer timeCycle: der Quartz-Cron-Ausdruck '{text}' läuft als Zyklus", "info")
        elif _ISO_LITERAL.match(text):
            node.text = repr(text)  # Camunda reads an unquoted ISO value as the literal it is


# --- tasks ----------------------------------------------------------------------------------


def _service_like(task: etree._Element, report: _Report) -> None:
    name = local_name(task)
    java = [a for a in JAVA_ATTRS if camunda_attr(task, a)]
    if java and name == "serviceTask" and _process_property(task, "java_delegates") == "external":
        _java_as_external(task, java[0], report)
        return
    if java:
        attr = java[0]
        report.add(task, f"camunda:{attr}=\"{camunda_attr(task, attr)}\" ist Java-Code, den Fallwerk nicht "
                         'ausführen kann; das Element zur externen Aufgabe machen (camunda:type="external" '
                         'camunda:topic="…"), die ein Worker bedient, oder zur Skriptaufgabe; oder die '
                         "Prozesseigenschaft java_delegates=external setzen, dann läuft jeder Java-Delegate als "
                         "externe Aufgabe")
        return
    kind = camunda_attr(task, "type")
    if kind == "external":
        if not camunda_attr(task, "topic"):
            report.add(task, 'Eine externe Aufgabe braucht camunda:topic="…" (das Thema, das ihre Worker abholen).')
        elif name not in EXTERNAL_TASK_ELEMENTS:
            _external_as_service_task(task, report)
        return
    if kind:
        report.add(task, f"camunda:type=\"{kind}\" wird nicht unterstützt; camunda:type=\"external\" verwenden")
        return
    if name == "businessRuleTask":
        return  # lint asks for its camunda:decisionRef
    if task.xpath("./bpmn:extensionElements/camunda:connector", namespaces=NSMAP):
        return  # reported as a connector
    report.add(task, f"{_GERMAN.get(name, name)} ohne Implementierung (auch Camunda 7 verlangt eine): "
                     "camunda:type=\"external\" mit camunda:topic angeben, damit ein Worker sie erledigt, oder "
                     "als Skriptaufgabe modellieren; sonst bliebe der Fall für immer stehen")


def _external_as_service_task(task: etree._Element, report: _Report) -> None:
    """A send or business rule task with ``camunda:type="external"``: Camunda 7 runs it exactly as an
    external service task (the worker does the sending), so it becomes one."""
    name = local_name(task)
    task.tag = f"{{{BPMN_NS}}}serviceTask"
    task.attrib.pop("messageRef", None)  # the worker sends; no message is thrown here
    report.add(task, f"{_GERMAN.get(name, name)} mit camunda:type=\"external\" läuft wie in Camunda 7 als "
                     f"externe Aufgabe mit dem Thema '{camunda_attr(task, 'topic')}'", "info")


def _process_property(element: etree._Element, name: str) -> str | None:
    process = element
    while process is not None and local_name(process) != "process":
        process = process.getparent()
    value = task_property(process, name) if process is not None else None
    return value.strip() if value else None


def _java_as_external(task: etree._Element, attr: str, report: _Report) -> None:
    """The designer chose (process property java_delegates=external) to deploy Java delegates as
    external tasks: the class name, or the bean of the expression, is the topic a worker serves."""
    value = str(camunda_attr(task, attr)).strip()
    topic = value[2:-1].strip() if value[:2] in ("${", "#{") and value.endswith("}") else value
    del task.attrib[f"{{{CAMUNDA_NS}}}{attr}"]
    task.set(f"{{{CAMUNDA_NS}}}type", "external")
    task.set(f"{{{CAMUNDA_NS}}}topic", topic)
    report.add(task, f"camunda:{attr}=\"{value}\" läuft als externe Aufgabe mit dem Thema '{topic}' "
                     "(Prozesseigenschaft java_delegates=external): ein Worker muss es bedienen", "info")


def _user_task(task: etree._Element, report: _Report) -> None:
    _task_with_compensation(task, report)
    _expression_attrs(task, report)
    form_key = camunda_attr(task, "formKey")
    if form_key and not task.xpath("./bpmn:extensionElements/camunda:formData", namespaces=NSMAP):
        report.add(task, f"camunda:formKey '{form_key}' wird hier nicht angeboten: die Aufgabe zeigt ein "
                         "allgemeines Formular der Variablen, die das Modell liest", "warning")


def _multi_instance(loop: etree._Element, report: _Report) -> None:
    task = loop.getparent()
    for tag in ("loopCardinality", "completionCondition"):
        for node in loop.xpath(f"./bpmn:{tag}", namespaces=NSMAP):
            _text_expression(node, task, report, tag)
    collection = loop.get(f"{{{CAMUNDA_NS}}}collection")
    if collection is None:
        return
    _collection(loop, task, collection, report)


def _collection(loop: etree._Element, task: etree._Element, collection: str, report: _Report) -> None:
    """``camunda:collection="${voters}" camunda:elementVariable="voter"`` as BPMN's own markup."""
    name = collection.strip()
    if has_expression(name):
        try:
            name = translate_value(name)
        except JuelError as exc:
            report.add(task, f"camunda:collection '{collection}' lässt sich nicht übersetzen ({exc})")
            return
    if not name.isidentifier():
        report.add(task, f"camunda:collection '{collection}' muss eine Variable nennen, die die Liste hält "
                         "(einen Ausdruck vorher in einer Skriptaufgabe berechnen)")
        return
    element = loop.get(f"{{{CAMUNDA_NS}}}elementVariable") or "item"
    del loop.attrib[f"{{{CAMUNDA_NS}}}collection"]
    loop.attrib.pop(f"{{{CAMUNDA_NS}}}elementVariable", None)
    if not loop.xpath("./bpmn:loopDataInputRef", namespaces=NSMAP):
        ref = etree.Element(f"{{{BPMN_NS}}}loopDataInputRef")
        ref.text = name
        item = etree.Element(f"{{{BPMN_NS}}}inputDataItem", id=f"{task.get('id')}_{element}", name=element)
        loop.insert(0, item)
        loop.insert(0, ref)
    report.add(task, f"camunda:collection '{collection}' läuft als loopDataInputRef '{name}' mit "
                     f"inputDataItem '{element}'", "info")


def _conditional_event(definition: etree._Element, report: _Report) -> None:
    for node in definition.xpath("./bpmn:condition", namespaces=NSMAP):
        _text_expression(node, definition.getparent(), report, "Bedingung")


def _standard_loop(loop: etree._Element, report: _Report) -> None:
    for node in loop.xpath("./bpmn:loopCondition", namespaces=NSMAP):
        _text_expression(node, loop.getparent(), report, "loopCondition")


def _compensation(element: etree._Element, report: _Report) -> None:
    owner = element.getparent() if local_name(element).endswith("EventDefinition") else element
    if local_name(element) in ("compensateEventDefinition",) or element.get("isForCompensation") == "true":
        report.add(owner, "Kompensation wird nicht unterstützt: die rückgängig machenden Schritte als "
                          "gewöhnliche Aufgaben auf einem Fehler- oder Eskalationspfad modellieren")


def _task_with_compensation(task: etree._Element, report: _Report) -> None:
    if task.get("isForCompensation") == "true":
        _compensation(task, report)


def _element_handlers() -> dict[str, Callable[[etree._Element, _Report], None]]:
    handlers: dict[str, Callable[[etree._Element, _Report], None]] = {
        "sequenceFlow": _sequence_flow,
        "exclusiveGateway": _gateway,
        "inclusiveGateway": _gateway,
        "timerEventDefinition": _timer,
        "userTask": _user_task,
        "manualTask": _task_with_compensation,
        "scriptTask": _task_with_compensation,
        "multiInstanceLoopCharacteristics": _multi_instance,
        "standardLoopCharacteristics": _standard_loop,
        "compensateEventDefinition": _compensation,
        "conditionalEventDefinition": _conditional_event,
    }
    for name in SERVICE_LIKE:
        handlers[name] = _service_and_compensation
    return handlers


def _service_and_compensation(task: etree._Element, report: _Report) -> None:
    _task_with_compensation(task, report)
    _service_like(task, report)


_HANDLERS = _element_handlers()


def cron_text(value: object) -> str | None:
    """The cron expression of a translated ``timeCycle`` value, or None when it is no cron cycle."""
    if isinstance(value, str) and value.startswith(CRON_PREFIX):
        return value[len(CRON_PREFIX):]
    return None
