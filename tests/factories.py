"""Helpers that build test situations with keyword defaults (CTFd's gen_* idea, as plain functions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from casework import Casework
from casework.records import Actor, InstanceInfo

DATA = Path(__file__).resolve().parent / "data"


def fixture_bytes(name: str, **replace: str) -> bytes:
    """A BPMN fixture from tests/data with placeholder words replaced (SCRIPT, TITLE_ONE, ...)."""
    text = (DATA / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode("utf-8")


def deploy_fixture(casework: Casework, name: str, **replace: str) -> Any:
    ((info, _created),) = casework.repository.deploy({name: fixture_bytes(name, **replace)}, actor=None)
    return info


def employee_request(**overrides: Any) -> dict[str, Any]:
    data = {
        "initiator": "employee",
        "employee_name": "Erika Beispiel",
        "employer": "ba",
        "reason": "Pflege eines Angehörigen",
        "requested_end_date": "2027-01-31",
    }
    data.update(overrides)
    return data


def start_termination(casework: Casework, actor: Actor, **overrides: Any) -> InstanceInfo:
    business_key = overrides.pop("business_key", "ZW-2026-001")
    return casework.runtime.start(
        "assignment_termination",
        actor=actor,
        business_key=business_key,
        variables=employee_request(**overrides),
    )


def only_task(instance: InstanceInfo, name: str | None = None) -> Any:
    tasks = [t for t in instance.open_tasks if name is None or t.name == name]
    assert len(tasks) == 1, instance.open_tasks
    return tasks[0]
