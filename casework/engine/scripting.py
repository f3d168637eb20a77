"""The RestrictedPython sandbox every BPMN script, condition and ``${...}`` expression runs in.

SpiffWorkflow's own ``PythonScriptEngine`` uses plain ``eval``/``exec`` with full builtins (guide §4),
so a deployed BPMN file could read files or import modules. We plug a ``TaskDataEnvironment``
subclass into it that compiles with RestrictedPython and runs with a small builtin set, the
RestrictedPython guards and the domain helpers. Deploy-time lint uses :func:`compile_problem`: a
syntax error refuses the upload, code the sandbox refuses is reported with its element id and fails
the case (recorded in its history) when it runs.
"""

from __future__ import annotations

import builtins
import operator
import textwrap
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.Limits import limited_builtins
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition

from .guards import GUARDED_BUILTINS, GUARDS, WITHHELD_EXCEPTIONS, LimitingTransformer, check_inplace
from .limits import WATCHDOG, LimitExceeded, StepLimits, check_data_size

# The builtins the brief allows on top of RestrictedPython's safe set; everything else
# (open, __import__, getattr, eval, exec, type, vars, ...) is simply absent.
_EXTRA_BUILTINS = (
    "sum",
    "min",
    "max",
    "any",
    "all",
    "sorted",
    "enumerate",
    "len",
    "dict",
    "list",
    "set",
    "frozenset",
    "tuple",
    "range",
    "round",
    "abs",
    "str",
    "int",
    "float",
    "bool",
    "zip",
    "isinstance",
    "reversed",
)
# safe_builtins offers these, but scripts never need them and they widen the attack surface.
_DROPPED_BUILTINS = ("__build_class__", "setattr", "delattr", "id", "hash", "_getattr_")

_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "^=": operator.ixor,
    "|=": operator.ior,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    """RestrictedPython rewrites ``x += y`` into a call of this guard."""
    check_inplace(op, target, value)
    try:
        return _INPLACE_OPS[op](target, value)
    except KeyError:
        raise ValueError(f"operator {op} is not allowed") from None


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """RestrictedPython routes ``f(*args, **kwargs)`` through this guard."""
    return func(*args, **kwargs)


def _build_builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    for name in _EXTRA_BUILTINS:
        allowed[name] = getattr(builtins, name)
    allowed.update(GUARDED_BUILTINS)
    for name in (*_DROPPED_BUILTINS, *WITHHELD_EXCEPTIONS):
        allowed.pop(name, None)
    return allowed


_BUILTINS = _build_builtins()

# Guard names RestrictedPython's compiled code calls; removed from task data after each exec.
_GUARDS: dict[str, Any] = {
    "__builtins__": _BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_print_": PrintCollector,
    **GUARDS,  # size checks on operators, str methods and attribute access (casework.engine.guards)
}


def unwrap_expression(text: str) -> str:
    """Return the Python source of an expression, accepting Camunda's ``${...}`` wrapper.

    Designers coming from Camunda write ``${decision == 'objection'}``; the body is Python here.
    """
    stripped = text.strip()
    if stripped.startswith("${") and stripped.endswith("}"):
        return stripped[2:-1].strip()
    return stripped


def is_expression(value: str | None) -> bool:
    """True if an attribute value is a whole ``${...}`` expression rather than a literal."""
    if value is None:
        return False
    stripped = value.strip()
    return stripped.startswith("${") and stripped.endswith("}")


def normalise_script(script: str) -> str:
    """Dedent a script: BPMN editors indent the text inside ``<bpmn:script>``."""
    return textwrap.dedent(script.replace("\r\n", "\n")).strip("\n")


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> CodeType | str:
    """Compile once per distinct source; returns the code or the joined error messages.

    Cached because gateways evaluate the same condition on every pass and RestrictedPython's
    AST transform costs far more than the evaluation itself.
    """
    policy = LimitingTransformer
    result = (
        compile_restricted_eval(source, policy=policy)
        if mode == "eval"
        else compile_restricted_exec(source, policy=policy)
    )
    if result.errors or result.code is None:
        return "; ".join(result.errors) or "cannot be compiled"
    return result.code


def compile_problem(source: str, mode: str) -> str | None:
    """The reason ``source`` is refused by the sandbox (``mode`` "eval" or "exec"), or None if it compiles."""
    text = unwrap_expression(source) if mode == "eval" else normalise_script(source)
    if not text:
        return "is empty"
    compiled = _compile(text, mode)
    return compiled if isinstance(compiled, str) else None


class SandboxRefused(Exception):
    """The sandbox will not compile this code (syntax error, import, dunder access, eval...)."""


def _code(source: str, mode: str) -> CodeType:
    compiled = _compile(source, mode)
    if isinstance(compiled, str):
        # Not a SyntaxError: SpiffWorkflow expects those to carry a line number of the original.
        raise SandboxRefused(f"refused by the sandbox: {compiled}")
    return compiled


class UnstorableValue(TypeError):
    """A script left a value in task data that cannot be saved as JSON."""


def storable(value: Any, name: str) -> Any:
    """Turn a value a script produced into something that survives the JSON round trip.

    Task data is persisted as JSON (guide §5); a ``set`` would come back as a list anyway, and a
    generator or ``range`` left in data would break the save much later, far from its cause.
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return value  # the serializer's registry stores datetimes
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): storable(v, name) for k, v in value.items()}
    if isinstance(value, (list, tuple, range)):
        return [storable(v, name) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [storable(v, name) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    raise UnstorableValue(
        f"variable '{name}' holds a {type(value).__name__}, which cannot be stored in the case data; "
        "convert it, e.g. with list(...)"
    )


class RestrictedEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """SpiffWorkflow script environment that only runs RestrictedPython-compiled code.

    Stateless apart from the helper mapping and the limits, so one instance serves every workflow
    on every thread. Every evaluation runs inside a step of :data:`WATCHDOG` (the engine's call
    when there is one, else its own) and may be stopped there; helpers are shielded from that.
    """

    def __init__(self, helpers: Mapping[str, Callable[..., Any]], limits: StepLimits | None = None) -> None:
        super().__init__({name: WATCHDOG.shielded(fn) for name, fn in helpers.items()})
        self.limits = limits or StepLimits()

    def _globals(self, external_context: Mapping[str, Any] | None) -> dict[str, Any]:
        scope: dict[str, Any] = dict(_GUARDS)
        scope.update(self.globals)
        scope.update(external_context or {})
        return scope

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = _code(unwrap_expression(expression), "eval")
        scope = self._globals(external_context)
        scope.update(context)
        scope["__builtins__"] = _BUILTINS  # task data must never replace the builtins
        with WATCHDOG.step(self.limits):
            return WATCHDOG.run(eval, code, scope)

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        self.check_for_overwrite(context, external_context or {})
        code = _code(normalise_script(script), "exec")
        scope = self._globals(external_context)
        reserved = set(scope)
        saved = dict(context)
        before = set(saved)
        context.update(scope)
        try:
            with WATCHDOG.step(self.limits):
                WATCHDOG.run(exec, code, context)
        except LimitExceeded:
            # the failed task keeps the data it started with, not a half-built giant value
            context.clear()
            context.update(saved)
            raise
        finally:
            # Guards, helpers and RestrictedPython's own temporaries (``_print``) are not case data.
            for key in list(context):
                temporary = key.startswith("_") and key not in before
                if key in reserved or temporary or callable(context[key]):
                    context.pop(key, None)
        for key in list(context):
            try:
                context[key] = storable(context[key], key)
            except UnstorableValue:
                context.pop(key)  # the failed task's data must still be saveable
                raise
        try:
            check_data_size(context, self.limits)
        except LimitExceeded:
            context.clear()
            context.update(saved)
            raise
        return True


class CaseScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow's script engine, except that a conditional event's condition reading a variable
    that is not set (yet) is not met yet, as in Camunda, instead of failing the case
    (casework.engine.conditions evaluates it again when variables change)."""

    def evaluate(self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, ConditionalEventDefinition) and exc.error_type in ("NameError", "KeyError"):
                return False
            raise


def make_script_engine(
    helpers: Mapping[str, Callable[..., Any]], limits: StepLimits | None = None
) -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose every script and expression is sandboxed and limited."""
    return CaseScriptEngine(environment=RestrictedEnvironment(helpers, limits))
