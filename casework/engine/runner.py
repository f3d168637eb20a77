"""Running workflow instances: start, complete human tasks, step, fire timers, save/restore.

Reading an instance (snapshots, open tasks, diagram states) is casework.engine.state's.

The :class:`Engine` is the only object the services use to drive SpiffWorkflow. It holds no
per-instance state, so one instance serves the whole app on every thread; everything an instance
needs (including the last script error) lives in the ``BpmnWorkflow`` and survives ``dump()``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import MultiInstanceTaskConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from casework.clock import Clock
from casework.errors import Conflict, ScriptFailed
from casework.records import FormSpec

from . import events, message_subprocesses
from .assignment import Assignment, names_of, priority_of
from .conditions import refresh_conditions, run_on
from .events import WaitingTimer
from .external import ExternalTasksMixin, topic_of
from .forms import coerce_default
from .interrupting import apply_interrupting
from .limits import WATCHDOG, LimitExceeded, StepLimits, data_exceeded, time_exceeded
from .parser import ProcessModel, UserTaskMeta
from .progress import ProgressMixin
from .scripting import RestrictedEnvironment, is_expression, make_script_engine
from .state import (
    ERROR_KEY,
    Workflow,
    all_tasks,
    diagram_state,
    json_safe,
    open_human_tasks,
    snapshot,
)
from .timing import engine_time, install_engine_clock, resolve_due


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Serializes an instance without its spec: specs live in the deployment cache (guide §5).

    Converting the spec to a dict on every save only to drop it cost a third of each save.
    """

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


# The camunda config, plus the standard multi-instance tasks our parser creates instead of camunda's.
SERIALIZER_CONFIG = {
    **CAMUNDA_CONFIG,
    ParallelMultiInstanceTask: MultiInstanceTaskConverter,
    SequentialMultiInstanceTask: MultiInstanceTaskConverter,
    BpmnWorkflow: _StateOnlyWorkflowConverter,
}


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be stored in the case data")


# builtins a designer may try that the sandbox withholds (files, imports, dynamic code)
_WITHHELD = frozenset({"open", "exec", "eval", "compile", "globals", "locals", "vars", "input", "breakpoint",
                       "memoryview", "__import__", "exit", "quit", "help"})


def _describe(exc: Exception) -> str:
    """A one-line message: the underlying Python error, the failing line, SpiffWorkflow's hints."""
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, LimitExceeded):
        return cause.message  # German, names the limit and its setting: nothing to add
    if isinstance(exc, WorkflowTaskException) and cause is not None:
        detail = f"{type(cause).__name__}: {cause}"
        if isinstance(cause, NameError) and getattr(cause, "name", None) in _WITHHELD:
            # SpiffWorkflow's "did you mean" hint would only confuse: the name is withheld on purpose
            return f"refused by the sandbox: '{cause.name}' is not available to scripts ({detail})"
        if isinstance(cause, ImportError):
            return f"refused by the sandbox: scripts cannot import modules ({detail})"
        # Expressions say which expression failed; scripts only repeat the class name.
        text = f"{text}: {detail}" if text.startswith("Error evaluating") else detail
    line = getattr(exc, "line_number", None)
    error_line = (getattr(exc, "error_line", None) or "").strip()
    if line and error_line:
        text += f" (line {line}: {error_line})"
    notes = [
        n.strip()
        for n in getattr(exc, "notes", [])
        if n and n.strip() and not n.startswith("Python script error")
    ]
    return " ".join([text, *notes])


class Engine(ExternalTasksMixin, ProgressMixin):
    """SpiffWorkflow behind a small facade; reentrant, one per application."""

    def __init__(
        self,
        helpers: Mapping[str, Callable[..., Any]],
        clock: Clock | None = None,
        limits: StepLimits | None = None,
    ) -> None:
        # Timers read this clock (timing.install_engine_clock); tests and benchmarks freeze it.
        install_engine_clock()
        self._clock = clock or Clock()
        self._limits = limits or StepLimits()
        self._script_engine = make_script_engine(helpers, self._limits)
        self._environment: RestrictedEnvironment = self._script_engine.environment
        registry = BpmnWorkflowSerializer.configure(SERIALIZER_CONFIG)
        registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
        self._serializer = BpmnWorkflowSerializer(registry)

    @property
    def limits(self) -> StepLimits:
        """What one step may use (time, memory, case data); scripts and expressions share them."""
        return self._limits

    @limits.setter
    def limits(self, limits: StepLimits) -> None:
        self._limits = self._environment.limits = limits

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, model: ProcessModel, data: dict[str, Any]) -> Workflow:
        """A new instance with ``data`` seeded on the root task (guide §2), advanced to its first wait."""
        wf = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=self._script_engine)
        wf.task_tree.data.update(json.loads(json.dumps(data, default=_json_default)))
        with engine_time(self._clock.now), WATCHDOG.step(self.limits):
            self.step(wf)
        return wf

    def unstarted(self, model: ProcessModel, data: dict[str, Any]) -> Workflow:
        """The instance :meth:`start` would step: what a start that went past a limit is stored as."""
        wf = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=self._script_engine)
        wf.task_tree.data.update(json.loads(json.dumps(data, default=_json_default)))
        return wf

    def dump(self, wf: Workflow) -> str:
        """The instance state as JSON, without the spec: specs come from the deployment cache."""
        state = self._serializer.to_dict(wf)
        state[BpmnWorkflowSerializer.VERSION_KEY] = SERIALIZER_VERSION
        return json.dumps(state, default=_json_default, separators=(",", ":"))

    def restore(self, model: ProcessModel, state: str) -> Workflow:
        """Rebuild an instance from ``dump()`` output around the cached live spec objects (guide §5).

        Raises:
            Conflict: the state was written by an incompatible serializer version.
        """
        data = json.loads(state)
        version = data.get(BpmnWorkflowSerializer.VERSION_KEY)
        if version != SERIALIZER_VERSION:
            # Migrations would need the serialized spec, which we do not store.
            raise Conflict(f"instance state has serializer version {version}, expected {SERIALIZER_VERSION}")
        data.pop(BpmnWorkflowSerializer.VERSION_KEY)
        data["spec"] = model.spec
        data["subprocess_specs"] = model.subprocess_specs
        wf: BpmnWorkflow = self._serializer.from_dict(data)
        wf.script_engine = self._script_engine  # the deserializer installs an unsandboxed default
        return wf

    def rebind(self, wf: Workflow, model: ProcessModel) -> Workflow:
        """The same instance state around another version's spec (an admin's fix of the model).

        Allowed only when every task the instance has (done, open or predicted) exists under the
        same id in the new version: its history keeps its meaning, only scripts, conditions and
        forms change.

        Raises:
            Conflict: the new version lacks tasks the instance has (named in the message).
        """
        specs = [model.spec, *model.subprocess_specs.values()]
        known = {name for spec in specs for name in spec.task_specs}
        missing = sorted({t.task_spec.name for t in all_tasks(wf)} - known)
        if missing:
            raise Conflict(
                "Die neueste Version passt nicht zum Stand des Falls; es fehlen: " + ", ".join(missing[:5])
            )
        return self.restore(model, self.dump(wf))

    def retry(self, wf: Workflow, variables: dict[str, Any]) -> list[str]:
        """Run the failed tasks again, with ``variables`` merged into their data (an incident's fix).

        Returns the BPMN ids of the tasks retried.

        Raises:
            Conflict: nothing in the case has failed.
        """
        failed = [t for t in all_tasks(wf) if t.state == TaskState.ERROR]
        if not failed and ERROR_KEY not in wf.task_tree.internal_data:
            raise Conflict("nothing in this case has failed")
        patch = json.loads(json.dumps(variables, default=_json_default))
        incident = wf.task_tree.internal_data.pop(ERROR_KEY, None) or {}
        retried = []
        for task in failed:
            retried.append(task.task_spec.bpmn_id or task.task_spec.name)
            wf.reset_from_task_id(task.id)
            # after the reset the task has inherited its parent's data again: the fix goes on top
            task.data.update(patch)
        if not failed:  # stored as it was before a step that went past a limit: run that step again
            wf.task_tree.data.update(patch)
            ready = [t for t in all_tasks(wf) if t.state == TaskState.READY]
            retried = [t.task_spec.bpmn_id for t in ready if t.task_spec.bpmn_id]
            # an incident at an external task (no retries left): the worker may fetch it again
            for task in all_tasks(wf):
                if task.state == TaskState.STARTED and topic_of(task) is not None:
                    task.data.update(patch)
            if not retried and incident.get("element"):
                retried = [incident["element"]]
        with engine_time(self._clock.now), WATCHDOG.step(self.limits):
            self.step(wf)
        return retried

    def complete(self, wf: Workflow, task_id: str, data: dict[str, Any]) -> None:
        """Complete a READY human task with (already validated) form data, then advance.

        Raises:
            Conflict: unknown task, not READY, or not a human task. ``task.run()`` itself does
                not check any of this (guide §2).
        """
        try:
            task = wf.get_task_from_id(uuid.UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException):
            raise Conflict(f"task {task_id} does not exist in this case") from None
        if task.state != TaskState.READY:
            raise Conflict(f"task {task_id} is {TaskState.get_name(task.state)}, not READY")
        if not task.task_spec.manual:
            raise Conflict(f"task {task_id} is not a human task")
        task.data.update(json.loads(json.dumps(data, default=_json_default)))
        # running a task may reach a timer and compute its due time
        with engine_time(self._clock.now), WATCHDOG.step(self.limits):
            run_on(wf, task, task.run, self.step)  # a conditional event may be met first

    def step(self, wf: Workflow) -> None:
        """Run engine tasks until only human tasks or waits remain; remember failures, never raise.

        A failing script leaves its task in ERROR; a gateway loop past ~500 passes leaves READY
        engine tasks that ``do_engine_steps`` no longer finds. Both are recorded for ``snapshot()``.
        """
        previous: set[uuid.UUID] | None = None
        # a timer made READY by do_engine_steps' last refresh runs next round; the same stuck tasks twice: a stall
        for _ in range(5):
            try:
                wf.do_engine_steps()
            except WorkflowTaskException as exc:
                self._record(wf, exc.task.task_spec.bpmn_id if exc.task else None, _describe(exc))
                return
            except (WorkflowException, SpiffWorkflowException) as exc:
                element = getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
                self._record(wf, element, _describe(exc))
                return
            except LimitExceeded as exc:  # past a limit outside any script task (e.g. entering one)
                self._record(wf, None, exc.message)
                return
            except Exception as exc:  # a SpiffWorkflow bug must fail the case, not the request
                self._record(wf, None, f"internal engine error: {type(exc).__name__}: {exc}")
                return
            except BaseException as exc:
                if type(exc).__name__ != "_Interrupt":
                    raise
                # the watchdog's interrupt arrived just as a script finished (a few bytecodes wide)
                self._record(wf, None, time_exceeded(self.limits).message)
                return
            tasks = list(all_tasks(wf))
            if apply_interrupting(wf, tasks) or refresh_conditions(wf):  # scope cancelled, or a condition met
                continue
            stuck = [t for t in tasks if t.state == TaskState.READY and not t.task_spec.manual]
            if not stuck:
                if not any(t.state == TaskState.ERROR for t in tasks):
                    wf.task_tree.internal_data.pop(ERROR_KEY, None)  # an earlier failure is resolved
                    self.check_can_move(wf)
                return
            ids = {t.id for t in stuck}
            if ids == previous:
                break
            previous = ids
        first = stuck[0].task_spec
        self._record(
            wf,
            first.bpmn_id or first.name,
            f"the case is stuck at '{first.bpmn_name or first.name}': the engine no longer advances "
            "(a gateway loop ran too many passes; model repetition with standardLoopCharacteristics)",
        )

    @staticmethod
    def _record(wf: Workflow, element: str | None, message: str) -> None:
        wf.task_tree.internal_data[ERROR_KEY] = {"element": element, "message": message}

    def check_size(self, wf: Workflow, state: str, variables: Mapping[str, Any]) -> None:
        """Refuse a state (``dump()`` output) larger than the case data limit.

        Each script's own data is checked as it runs; this catches what grew elsewhere (a value
        changed in place, many tasks together). Raises LimitExceeded naming the element that ran
        last and the largest variable.
        """
        if len(state) <= self.limits.data:
            return
        largest = max(variables, key=lambda k: len(json.dumps(variables[k], default=str)), default=None)
        exc = data_exceeded(self.limits, len(state), largest)
        done = [t for t in all_tasks(wf) if t.state == TaskState.COMPLETED and t.task_spec.bpmn_id]
        exc.element = max(done, key=lambda t: t.last_state_change).task_spec.bpmn_id if done else None
        raise exc

    def fail(self, wf: Workflow, element: str | None, message: str) -> None:
        """Mark ``wf`` (as stored before a step that could not be stored) as failed at ``element``."""
        self._record(wf, element, message)

    # -- timers and messages (casework.engine.events) ------------------------------------------

    waiting_timers = staticmethod(events.waiting_timers)
    waiting_messages = staticmethod(events.waiting_messages)
    timer_fired = staticmethod(events.timer_fired)
    timer_element = staticmethod(events.timer_element)

    def fire_timers(self, wf: Workflow, now: datetime) -> list[WaitingTimer]:
        """Fire every timer due at ``now`` and advance; returns one entry per firing.

        A cycle timer overdue by several cycles fires once per elapsed cycle (one refresh each,
        guide §3) and is reported once per cycle, with each cycle's own due time. A failure is
        recorded like any step failure (see :meth:`step`), never raised.
        """
        before = events.timer_marks(wf)
        with engine_time(lambda: now + events.TICK), WATCHDOG.step(self.limits):
            for _ in range(events.MAX_CATCH_UP):
                due = [t for t in events.waiting_timers(wf) if t.due_at <= now]
                if not due:
                    break
                try:
                    wf.refresh_timers()
                except Exception as exc:  # noqa: BLE001 - a timer expression failing is the case's error
                    self._record(wf, due[0].element_id, _describe(exc))
                    break
                self.step(wf)
                if set(due) & set(events.waiting_timers(wf)):
                    break  # nothing moved: do not spin
        return events.fired_since(wf, before, now)

    def correlate(self, wf: Workflow, name: str, payload: Mapping[str, Any], correlation_key: str | None) -> list[str]:
        """Deliver a message to the tasks waiting for ``name`` with ``correlation_key``, then advance.

        The payload is stored under the variable :func:`events.message_variable` (``name`` as an
        identifier). Returns the element ids that caught the message.

        Raises:
            Conflict: the instance does not wait for this message with this key.
        """
        clean = json.loads(json.dumps(dict(payload), default=_json_default))
        catchers = events.message_catchers(wf, name, correlation_key)
        # an event subprocess the message starts (casework.engine.message_subprocesses)
        starts = [] if catchers else message_subprocesses.starting(wf, name, correlation_key)
        if not catchers and not starts:
            raise Conflict(f"the case does not wait for message '{name}' with this key")
        variable = events.message_variable(name)
        with engine_time(self._clock.now), WATCHDOG.step(self.limits):
            sent = [events.message_event(wf, task, name, clean) for task in catchers] or [
                message_subprocesses.start_event(wf, starts[0], clean, variable)]
            for event in sent:
                try:
                    wf.send_event(event)
                except (WorkflowException, SpiffWorkflowException) as exc:
                    raise Conflict(f"the case does not accept message '{name}': {exc}") from None
            self.step(wf)
        return [t.task_spec.bpmn_id or t.task_spec.name for t in catchers] or [s.bpmn_id or s.name for s in starts]

    # -- reading -------------------------------------------------------------------------------

    # reading an instance: casework.engine.state
    snapshot = staticmethod(snapshot)
    open_human_tasks = staticmethod(open_human_tasks)
    diagram_state = staticmethod(diagram_state)

    # -- expressions ---------------------------------------------------------------------------

    def evaluate(self, expression: str, data: Mapping[str, Any]) -> Any:
        """Evaluate a Python (or ``${...}``) expression in the sandbox against ``data``.

        Raises:
            ScriptFailed: the expression is refused or fails; the message names the cause.
        """
        try:
            return self._environment.evaluate(expression, dict(data))
        except LimitExceeded as exc:
            raise ScriptFailed(f"{exc.message} (in expression: {expression})", None) from None
        except Exception as exc:  # noqa: BLE001 - any failure of designer code becomes ScriptFailed
            raise ScriptFailed(f"{type(exc).__name__}: {exc} (in expression: {expression})", None) from None

    def _value(self, raw: str | None, data: Mapping[str, Any], meta: UserTaskMeta, what: str) -> Any:
        if raw is None or not is_expression(raw):
            return raw
        try:
            return self.evaluate(raw, data)
        except ScriptFailed as exc:
            raise ScriptFailed(f"{what} of '{meta.bpmn_id}': {exc.message}", meta.bpmn_id) from None

    def resolve_assignment(self, meta: UserTaskMeta, data: Mapping[str, Any], now: datetime) -> Assignment:
        """Evaluate a task's candidate groups, assignee, due date and priority for ``data``.

        Raises:
            ScriptFailed: an expression fails or yields an unusable value.
        """
        groups = names_of(self._value(meta.candidate_groups, data, meta, "candidateGroups"), "candidateGroups",
                        "group", meta.bpmn_id)
        assignee = self._value(meta.assignee, data, meta, "assignee")
        if assignee is not None and not isinstance(assignee, str):
            raise ScriptFailed(
                f"assignee of '{meta.bpmn_id}' must be a user name, got {assignee!r}", meta.bpmn_id
            )
        users = names_of(self._value(meta.candidate_users, data, meta, "candidateUsers"), "candidateUsers",
                       "user", meta.bpmn_id)
        if not assignee and len(users) == 1 and not meta.candidate_groups:
            assignee = users[0]  # the only one who may claim it: Camunda's single candidate user
        try:
            due_at = resolve_due(self._value(meta.due_date, data, meta, "dueDate"), now)
        except ValueError as exc:
            raise ScriptFailed(f"dueDate of '{meta.bpmn_id}': {exc}", meta.bpmn_id) from None
        return Assignment(
            candidate_groups=groups,
            assignee=(assignee or "").strip() or None,
            due_at=due_at,
            priority=priority_of(self._value(meta.priority, data, meta, "priority"), meta.bpmn_id),
            candidate_users=tuple(users),
        )

    def form_defaults(self, form: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
        """Initial form values: the task data's value of the same name, else the field's default.

        A default expression that fails (e.g. names a variable this path never set) gives no
        default rather than an unopenable task; deploy-time lint has already checked its syntax.
        """
        values: dict[str, Any] = {}
        for field in form.fields:
            if data.get(field.name) is not None:
                values[field.name] = json_safe(data[field.name])
            elif field.default is not None and is_expression(field.default):
                try:
                    result = self.evaluate(field.default, data)
                except ScriptFailed:
                    continue
                if result is not None:
                    values[field.name] = json_safe(coerce_default(field, result))
            elif field.default is not None:
                values[field.name] = coerce_default(field, field.default)
        return values
