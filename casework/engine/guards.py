"""Sandbox guards that refuse an oversized allocation before it happens.

``'x' * 10**10``, ``[0] * 10**9``, ``10 ** 10 ** 10`` or ``'a'.ljust(10**10)`` each run as ONE
call into C: no bytecode boundary, so the watchdog (``casework.engine.limits``) could not stop
them, and the memory would be gone before it looked. The compile policy here rewrites the
operators that can multiply a size (``*``, ``**``, ``<<``, ``+``, ``%``) into calls of guards that
compute the result's size first; attribute access wraps the str/bytes methods with a width or
a repetition (``ljust``, ``center``, ``zfill``, ``join``, ``replace``...; ``str.format`` stays refused); the builtins
that materialise or consume an iterable in C get a guarded ``range``. Sizes are compared with the
step's memory limit (:func:`casework.engine.limits.current_limits`).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import safer_getattr
from RestrictedPython.transformer import RestrictingNodeTransformer

from .limits import current_limits, memory_exceeded

# Integers beyond this many bits are no amount of money or days; C computes them without a pause.
MAX_INT_BITS = 1_000_000
# f-string widths are checked when compiling (the limit is not known then): no width beyond this
MAX_LITERAL_WIDTH = 10_000_000
# bytes an item of a list or tuple costs at least (the pointer plus a small object)
_ITEM = 16
# what a range may stand for: consuming it in C (sum, sorted, list) cannot be interrupted
_RANGE_ITEM = 32

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_GUARDED_OPS: dict[type[ast.operator], str] = {
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Add: "_add_",
    ast.Mod: "_mod_",
}
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d+|\*)?(?:\.(\d+|\*))?")
_DIGITS = re.compile(r"\d+")


class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size guards on operators and no catch-all exception handler."""

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = _GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        name = ast.copy_location(ast.Name(guard, ast.Load()), node)
        call = ast.Call(func=name, args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        # the time limit stops a step with an exception a catch-all handler would swallow
        if node.type is None or (isinstance(node.type, ast.Name) and node.type.id == "BaseException"):
            self.error(node, "a bare 'except:' is not allowed; name the exception, e.g. 'except ValueError:'")
        return super().visit_ExceptHandler(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            for part in spec.values:
                if isinstance(part, ast.FormattedValue):
                    self.error(node, "a computed width in an f-string is not allowed")
                elif isinstance(part, ast.Constant) and _too_wide(str(part.value), MAX_LITERAL_WIDTH):
                    self.error(node, f"an f-string width beyond {MAX_LITERAL_WIDTH:,} characters is not allowed")
        return super().visit_FormattedValue(node)


def _too_wide(spec: str, limit: int) -> bool:
    return any(int(d) > limit for d in _DIGITS.findall(spec))


def _refuse(what: str, size: float) -> None:
    limits = current_limits()
    if size > limits.memory:
        raise memory_exceeded(limits, what)


def _footprint(value: Any) -> int:
    """Bytes a sequence holds per item (str counts 1; a wide str would only be larger)."""
    return 1 if isinstance(value, (str, bytes, bytearray)) else _ITEM


def _repeat_size(seq: Any, count: Any) -> float:
    if isinstance(count, int) and isinstance(seq, _SEQUENCES):
        return len(seq) * max(count, 0) * _footprint(seq)
    return 0


def check_mul(a: Any, b: Any) -> None:
    size = _repeat_size(a, b) or _repeat_size(b, a)
    if size:
        _refuse("Die Vervielfachung mit *", size)
    elif isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        _refuse("Die Multiplikation", math.inf)


def check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b * math.log2(abs(a)) > MAX_INT_BITS:
            _refuse("Die Potenz mit **", math.inf)


def check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
        _refuse("Die Verschiebung mit <<", math.inf)


def check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _refuse("Das Aneinanderhängen mit +", (len(a) + len(b)) * _footprint(a))


def check_mod(a: Any, b: Any) -> None:
    if isinstance(a, (str, bytes)):
        text = a if isinstance(a, str) else a.decode("latin-1")
        widths = [int(n) for m in _PERCENT.finditer(text) for n in m.groups() if n and n != "*"]
        if "*" in text:  # a width taken from the arguments
            args = b if isinstance(b, tuple) else (b,)
            widths += [v for v in args if isinstance(v, int)]
        _refuse("Die Formatierung mit %", max(widths, default=0) + len(a))


def guarded_mul(a: Any, b: Any) -> Any:
    check_mul(a, b)
    return a * b


def guarded_pow(a: Any, b: Any, mod: Any = None) -> Any:
    if mod is None:
        check_pow(a, b)
        return a**b
    return pow(a, b, mod)  # modular: the result is smaller than mod


def guarded_lshift(a: Any, b: Any) -> Any:
    check_lshift(a, b)
    return a << b


def guarded_add(a: Any, b: Any) -> Any:
    check_add(a, b)
    return a + b


def guarded_mod(a: Any, b: Any) -> Any:
    check_mod(a, b)
    return a % b


def _width_method(obj: Any, name: str) -> Callable[..., Any]:
    method = getattr(obj, name)
    unit = _footprint(obj)

    def call(*args: Any, **kwargs: Any) -> Any:
        width = args[0] if args else kwargs.get("width", kwargs.get("tabsize", 8))
        if isinstance(width, int):
            factor = len(obj) if name == "expandtabs" else 1
            _refuse(f"'{name}'", width * factor * unit)
        return method(*args, **kwargs)

    return call


def _replace_method(obj: Any) -> Callable[..., Any]:
    def call(old: Any, new: Any, count: int = -1) -> Any:
        growth = len(new) - len(old) if hasattr(new, "__len__") and hasattr(old, "__len__") else 0
        if growth > 0:
            hits = len(obj) // max(len(old), 1) + 1
            if count >= 0:
                hits = min(hits, count)
            _refuse("'replace'", len(obj) + hits * growth)
        return obj.replace(old, new, count)

    return call


def _join_method(obj: Any) -> Callable[..., Any]:
    def call(iterable: Any) -> Any:
        items = list(iterable)
        _refuse("'join'", sum(len(i) for i in items if hasattr(i, "__len__")) + len(obj) * len(items))
        return obj.join(items)

    return call


_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's ``safer_getattr`` (which refuses ``str.format`` and dunders), with size
    checks on the str/bytes methods that can blow up."""
    value = safer_getattr(obj, name, default)  # type: ignore[no-untyped-call]
    if isinstance(obj, (str, bytes, bytearray)):
        if name in _WIDTH_METHODS:
            return _width_method(obj, name)
        if name == "replace":
            return _replace_method(obj)
        if name == "join":
            return _join_method(obj)
    return value


def guarded_range(*args: int) -> range:
    """``range`` as scripts see it: one that ``sum``/``sorted``/``list`` would choke on is refused."""
    result = range(*args)
    _refuse("Der Bereich (range)", len(result) * _RANGE_ITEM)
    return result


GUARDS: dict[str, Any] = {
    "_mul_": guarded_mul,
    "_pow_": guarded_pow,
    "_lshift_": guarded_lshift,
    "_add_": guarded_add,
    "_mod_": guarded_mod,
    "_getattr_": guarded_getattr,
}
GUARDED_BUILTINS: dict[str, Any] = {"range": guarded_range, "pow": guarded_pow}
# builtins scripts must not name: they would let a catch-all handler swallow the time limit
WITHHELD_EXCEPTIONS = ("BaseException", "KeyboardInterrupt", "SystemExit", "GeneratorExit")
_INPLACE_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "*=": check_mul,
    "**=": check_pow,
    "<<=": check_lshift,
    "+=": check_add,
    "%=": check_mod,
}


def check_inplace(op: str, target: Any, value: Any) -> None:
    """Refuse an augmented assignment (``x *= n``) whose result would exceed the memory limit."""
    check = _INPLACE_CHECKS.get(op)
    if check is not None:
        check(target, value)
