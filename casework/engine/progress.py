"""Whether a case can still move: the check behind "no case ever hangs silently" (issue 16)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

from .state import ACTIVE, all_tasks, can_move


class ProgressMixin:
    """The Engine's stuck-case check (casework.engine.runner.Engine)."""

    @staticmethod
    def _record(wf: Any, element: str | None, message: str) -> None: ...  # provided by Engine

    def check_can_move(self, wf: Any) -> bool:
        """Record an incident when a running case waits for nothing that could ever come: no open
        human task, no timer or message, no external task; e.g. a task whose work nobody does.

        Returns whether the case can move (or has ended).
        """
        tasks = list(all_tasks(wf))
        if wf.is_completed() and not any(t.state & ACTIVE for t in tasks):
            return True
        if any(can_move(t) for t in tasks):
            return True
        blocked = [t for t in tasks if t.state & (TaskState.STARTED | TaskState.READY) and t.task_spec.bpmn_id]
        spec = blocked[-1].task_spec if blocked else None
        name = (spec.bpmn_name or spec.bpmn_id) if spec is not None else None
        where = f" at '{name}'" if name else ""
        self._record(wf, spec.bpmn_id if spec is not None else None,
                     f"the case cannot move{where}: no task is open and it waits for no timer, message or "
                     "worker (an element without an implementation Fallwerk can run)")
        return False
