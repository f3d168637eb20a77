"""The engine service layer: services over SpiffWorkflow and the database, free of HTTP.

``Casework`` bundles the services, built once per app (Camunda's ProcessEngineServices).
"""

from __future__ import annotations

from casework.access import AccessService
from casework.clock import Clock
from casework.directory import DirectoryService
from casework.engine import Engine
from casework.helpers import build_helpers
from casework.history import HistoryService
from casework.management import ManagementService
from casework.repository import RepositoryService, SpecCache
from casework.runtime import RuntimeService
from casework.tasks import TaskService


class Casework:
    """The services of one app, sharing one clock, one engine and one spec cache."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        password_method: str = "scrypt",  # noqa: S107 - a method name
        login_max_failures: int = 10,
        login_lock_seconds: int = 120,
    ) -> None:
        self.clock = clock or Clock()
        self.engine = Engine(build_helpers(self.clock))
        self.access = AccessService()
        self.directory = DirectoryService(
            self.access,
            password_method,
            self.clock,
            max_failures=login_max_failures,
            lock_seconds=login_lock_seconds,
        )
        self.history = HistoryService()
        self.repository = RepositoryService(SpecCache(), self.clock)
        self.runtime = RuntimeService(self.repository, self.engine, self.access, self.history, self.clock)
        self.tasks = TaskService(self.runtime, self.access, self.clock)
        self.management = ManagementService()


__all__ = ["Casework"]
