"""Limits on the designer code one engine step runs: its time, its memory, the case data it leaves.

A deployed ``while True: pass`` must not keep a thread and a core busy for ever, nor hold a
transaction open (issue 11 §1). Counting loop iterations in every script would tax every step;
instead one watchdog thread per process holds the deadline of each running step and, when a step
overruns its time or the process's memory grows past the step's allowance, raises
:class:`Interrupted` in the step's thread (``PyThreadState_SetAsyncExc``: it arrives at the next
bytecode, so ``while True: pass`` stops). Steps cost two lock round trips; the watchdog first looks at
a step after :data:`GRACE` seconds (nearly all have ended by then, so a busy server does not hand it
the GIL at every step), then every :data:`TICK` seconds, and sleeps while no step runs.

The interrupt is delivered only while the thread runs designer code (:meth:`Watchdog.run`), never
inside SpiffWorkflow's bookkeeping or a script helper that talks to the database
(:meth:`Watchdog.shielded`), so a stopped step leaves a task in ERROR exactly as a failing script
does, and never a half-done query. Single allocations are bounded before they happen by the
sandbox's guards (``casework.engine.guards``), the size of the case data after each script by
:func:`check_data_size`.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

MB = 1024 * 1024
# how often the watchdog looks at running steps: a step is stopped at most this late
TICK = 0.02
# an interrupt not acted on (designer code caught it somehow) is raised again after this long
_REFIRE = 0.5
# a step younger than this is not looked at: nearly all end sooner, and a busy server would
# otherwise hand the watchdog the GIL many times a second
GRACE = 0.1
# looks without any running step after which the watchdog sleeps until a step registers (while a
# server is busy it keeps looking every GRACE seconds instead of being woken for each step)
_IDLE_AFTER = 10
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class StepLimits:
    """What one engine step may use (config/default.py: SCRIPT_TIME_LIMIT, SCRIPT_MEMORY_LIMIT, CASE_DATA_LIMIT)."""

    seconds: float = 2.0
    memory: int = 256 * MB
    data: int = 1 * MB

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StepLimits:
        return cls(
            seconds=float(config.get("SCRIPT_TIME_LIMIT", cls.seconds)),
            memory=int(config.get("SCRIPT_MEMORY_LIMIT", cls.memory)),
            data=int(config.get("CASE_DATA_LIMIT", cls.data)),
        )


def _megabytes(size: float) -> str:
    return f"{size / MB:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".") + " MB"


class LimitExceeded(Exception):
    """A step went past one of its limits; ``message`` (German) names the limit and its setting."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "time" | "memory" | "data"
        self.message = message
        self.element: str | None = None  # the BPMN element, when known where it is raised


def time_exceeded(limits: StepLimits) -> LimitExceeded:
    seconds = f"{limits.seconds:g}".replace(".", ",")
    return LimitExceeded(
        "time",
        f"Zeitlimit überschritten: Der Schritt lief länger als {seconds} s "
        "(Einstellung FALLWERK_SCRIPT_TIME_LIMIT). Skript oder Ausdruck prüfen, z. B. auf eine Endlosschleife.",
    )


def memory_exceeded(limits: StepLimits, what: str) -> LimitExceeded:
    return LimitExceeded(
        "memory",
        f"Speicherlimit überschritten: {what} braucht mehr als {_megabytes(limits.memory)} "
        "(Einstellung FALLWERK_SCRIPT_MEMORY_LIMIT).",
    )


def data_exceeded(limits: StepLimits, size: int, name: str | None) -> LimitExceeded:
    where = f" (größte Variable: '{name}')" if name else ""
    return LimitExceeded(
        "data",
        f"Datenlimit überschritten: Die Falldaten wären nach dem Schritt {_megabytes(size)} groß{where}; "
        f"erlaubt sind {_megabytes(limits.data)} (Einstellung FALLWERK_CASE_DATA_LIMIT).",
    )


def _json_size(value: Any) -> int:
    return len(json.dumps(value, default=str, separators=(",", ":")))


def check_data_size(data: Mapping[str, Any], limits: StepLimits) -> None:
    """Refuse task data whose JSON would exceed the case data limit, naming its largest variable.

    Raises:
        LimitExceeded: kind "data".
    """
    # strings dominate oversized data, and a string's length is a lower bound of its JSON
    rough = {k: len(v) if isinstance(v, str) else 64 for k, v in data.items()}
    total = sum(rough.values())
    if total > limits.data:
        raise data_exceeded(limits, total, max(rough, key=rough.__getitem__))
    if total <= limits.data // 8 and len(data) < 64:
        return  # small data of few variables cannot reach the limit: skip the encoding
    size = _json_size(dict(data))
    if size > limits.data:
        raise data_exceeded(limits, size, max(data, key=lambda k: _json_size(data[k])))


class Interrupted(BaseException):
    """Raised asynchronously in a step's thread. A BaseException, so ``except Exception`` in a
    script does not swallow it (and the sandbox refuses a bare ``except:``)."""


@dataclass(eq=False, slots=True)
class _Step:
    limits: StepLimits
    thread_id: int
    deadline: float
    look_at: float  # when the watchdog looks at the step next (time and memory)
    exposed: int = 0  # > 0 while designer code runs (not inside a shielded helper)
    reason: str | None = None  # "time" | "memory" once the watchdog has judged the step
    fired_at: float | None = None
    rss_ceiling: int | None = None  # set by the watchdog when it first looks at the step

    def exceeded(self) -> LimitExceeded:
        if self.reason == "memory":
            return memory_exceeded(self.limits, "Der Schritt")
        return time_exceeded(self.limits)


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0  # not Linux: the memory watch is off, the allocation guards still hold


def _async_raise(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class Watchdog:
    """Deadlines of the running steps of this process, and the thread that enforces them."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._reset()
        if hasattr(os, "register_at_fork"):
            # gunicorn forks workers: a child gets neither the thread nor a usable lock state
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._steps: dict[int, _Step] = {}
        self._thread: threading.Thread | None = None
        self._idle = True
        self._last_rss = _rss()

    def current(self) -> _Step | None:
        step: _Step | None = getattr(self._local, "step", None)
        return step

    def step(self, limits: StepLimits) -> AbstractContextManager[_Step]:
        """The block is one step with ``limits``; nested blocks share the outer step's deadline."""
        current = self.current()
        return nullcontext(current) if current is not None else _StepScope(self, limits)

    def _register(self, entry: _Step) -> None:
        # a dict item is set atomically; the lock is needed only to wake a sleeping watchdog
        self._steps[entry.thread_id] = entry
        self._local.step = entry
        if self._idle or self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._watch, name="fallwerk-step-watchdog", daemon=True)
                    self._thread.start()
                self._wake.notify()

    def _unregister(self, entry: _Step) -> None:
        self._local.step = None
        with self._lock:
            self._steps.pop(entry.thread_id, None)
            if entry.fired_at is not None:
                _async_raise(entry.thread_id, None)  # an interrupt still pending must not leak out

    def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run designer code, which the watchdog may interrupt.

        Raises:
            LimitExceeded: the step ran out of time or memory (before or while ``fn`` ran).
        """
        entry = self.current()
        if entry is None:
            return fn(*args, **kwargs)
        previous = self._expose(entry, None)
        try:
            try:
                return fn(*args, **kwargs)
            finally:
                self._expose(entry, previous)
        except Interrupted:
            self._expose(entry, previous)  # the interrupt may have come before the finally did
            raise entry.exceeded() from None

    def shielded(self, fn: Callable[P, R]) -> Callable[P, R]:
        """``fn`` (a script helper) is never interrupted: it may be inside a database call."""

        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            entry = self.current()
            if entry is None or not entry.exposed:
                return fn(*args, **kwargs)
            previous = self._expose(entry, 0)
            try:
                return fn(*args, **kwargs)
            finally:
                self._expose(entry, previous)

        call.__name__ = getattr(fn, "__name__", "helper")
        call.__doc__ = fn.__doc__
        return call

    def _expose(self, entry: _Step, level: int | None) -> int:
        """Set the exposure level (None: one deeper); returns the level before. Raises LimitExceeded
        when going deeper into a step the watchdog has already judged."""
        with self._lock:
            before = entry.exposed
            if level is None:
                if entry.reason is not None:
                    raise entry.exceeded()
                entry.exposed = before + 1
            else:
                entry.exposed = level
                if level == 0 and entry.fired_at is not None:
                    _async_raise(entry.thread_id, None)
            return before

    def _watch(self) -> None:
        quiet = 0
        while True:
            with self._lock:
                if not self._steps and quiet >= _IDLE_AFTER:
                    # idle before looking: a step registering meanwhile then sees it and wakes us
                    self._idle = True
                    while not self._steps:
                        self._wake.wait()
                    self._idle = False
                steps = list(self._steps.values())
            quiet = 0 if steps else quiet + 1
            # neither the lock nor the GIL is held while waiting or reading /proc, so a running step
            # is not held up; a step registering meanwhile is looked at later than the one waited for
            delay = min((entry.look_at for entry in steps), default=time.monotonic() + GRACE) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
                continue
            rss = self._last_rss = _rss()
            with self._lock:
                self._judge(time.monotonic(), rss)

    def _judge(self, now: float, rss: int) -> None:
        for entry in self._steps.values():
            if entry.look_at > now:
                continue  # a young step: most end before anyone needs to look
            entry.look_at = now + TICK
            if entry.reason is None:
                if now >= entry.deadline:
                    entry.reason = "time"
                elif entry.rss_ceiling is None:
                    entry.rss_ceiling = rss + entry.limits.memory if rss else None
                elif rss > entry.rss_ceiling:
                    entry.reason = "memory"
            if entry.reason and entry.exposed and (entry.fired_at is None or now - entry.fired_at >= _REFIRE):
                _async_raise(entry.thread_id, Interrupted)
                entry.fired_at = now


class _StepScope:
    """One registered step (a class, not a generator: it runs for every expression outside a step)."""

    __slots__ = ("_watchdog", "_entry")

    def __init__(self, watchdog: Watchdog, limits: StepLimits) -> None:
        now = time.monotonic()
        self._watchdog = watchdog
        self._entry = _Step(limits, threading.get_ident(), now + limits.seconds, now + min(GRACE, limits.seconds))
        if watchdog._last_rss:  # the process's size when last looked at: no /proc read per step
            self._entry.rss_ceiling = watchdog._last_rss + limits.memory

    def __enter__(self) -> _Step:
        self._watchdog._register(self._entry)
        return self._entry

    def __exit__(self, *exc: object) -> None:
        self._watchdog._unregister(self._entry)


WATCHDOG = Watchdog()


def current_limits() -> StepLimits:
    """The limits of the step running on this thread, or the defaults (a lint, a dry run)."""
    entry = WATCHDOG.current()
    return entry.limits if entry is not None else _DEFAULT


_DEFAULT = StepLimits()
