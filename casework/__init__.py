"""The engine service layer: services over SpiffWorkflow and the database, free of HTTP.

``Casework`` bundles the services, built once per app (Camunda's ProcessEngineServices); it is the
one entry for ``webapp``. The rooms, from the top (each may import only those below it; contracts
in pyproject.toml, docs/architecture.md):

- ``helpers`` (the general script helpers), ``demo`` (the demo world)
- ``governance/`` (committees, votes, legal parameters) | ``designer/`` (drafts, versions, diff) |
  ``casefile/`` (notes and the rest of the case file)
- ``time/`` (deadlines, holidays, due timers, BPMN timers, reminders, scheduler heartbeats)
- ``mail/`` (outbox, SMTP)
- ``cases/`` (repository, runtime, steps, tasks, history, access, directory, parties, messages)
- ``engine/`` (the SpiffWorkflow adapter)
- base modules: ``errors``, ``records``, ``presentation`` (case facts for people), ``unit_of_work``,
  ``clock``, ``context``, ``dates``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from casework.casefile.absence import AbsenceService
from casework.casefile.documents import DEFAULT_MAX_BYTES, DocumentService
from casework.casefile.notes import NoteService
from casework.casefile.reassign import ReassignService
from casework.casefile.storage import DocumentStorage, FilesystemStorage
from casework.casefile.withdrawal import WithdrawalService
from casework.cases.access import AccessService
from casework.cases.directory import DirectoryService
from casework.cases.external_tasks import ExternalTaskService
from casework.cases.history import HistoryService
from casework.cases.incidents import StuckCaseCheck
from casework.cases.parties import build_party_helpers
from casework.cases.related import build_related_helpers
from casework.cases.repository import RepositoryService, SpecCache
from casework.cases.runtime import RuntimeService
from casework.cases.saved_filters import SavedFilterService
from casework.cases.search import CaseIndex, SearchService
from casework.cases.sessions import SessionPolicy, SessionService
from casework.cases.tasks import TaskService
from casework.clock import Clock
from casework.designer import DesignerService
from casework.engine import Engine, StepLimits
from casework.governance.chairs import ChairRecorder, build_chair_helpers
from casework.governance.committees import CommitteeService
from casework.governance.helpers import build_governance_helpers
from casework.governance.legal import LegalParameterService
from casework.helpers import build_helpers
from casework.mail.compose import build_mail_helpers
from casework.mail.new_tasks import NewTaskMail
from casework.mail.outbox import OutboxService
from casework.time.deadlines import DeadlineService
from casework.time.holidays import HolidayService
from casework.time.management import DEFAULT_LEASE_SECONDS, ManagementService
from casework.time.monitoring import MonitoringService
from casework.time.reminders import REMINDER_KINDS, ReminderService, check_policy
from casework.time.timers import BPMN as BPMN_TIMER
from casework.time.timers import BpmnTimers, TimerSync


class Casework:
    """The services of one app, sharing one clock, one engine and one spec cache."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        password_method: str = "scrypt",  # noqa: S107 - a method name
        timer_lease_seconds: int = DEFAULT_LEASE_SECONDS,
        session_policy: SessionPolicy | None = None,
        min_password_length: int = 12,
        limits: StepLimits | None = None,
        document_storage: DocumentStorage | None = None,
        document_max_bytes: int = DEFAULT_MAX_BYTES,
        external_workers: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.clock = clock or Clock()
        # the calculator and the legal parameters: deadline(), notified_on(), legal_parameter()
        self.legal = LegalParameterService()
        self.deadlines = DeadlineService(self.legal)
        self.holidays = HolidayService()
        self.engine = Engine(self._script_helpers(), self.clock, limits)
        self.access = AccessService()
        self.access.today = self.clock.today
        # sessions run on wall-clock time: moving the business clock (tests, timers) must not end them
        self.sessions = SessionService(self.access, session_policy)
        self.directory = DirectoryService(
            self.access,
            password_method,
            self.clock,
            sessions=self.sessions,
            min_password_length=min_password_length,
        )
        self.history = HistoryService()
        self.repository = RepositoryService(SpecCache(), self.clock, {"reminders": check_policy})
        self.runtime = RuntimeService(self.repository, self.engine, self.access, self.history, self.clock)
        self.tasks = TaskService(self.runtime, self.access, self.clock)
        self.designer = DesignerService(self.repository, self.clock)
        self._case_file(document_storage or FilesystemStorage(Path("instance") / "documents"), document_max_bytes)
        self.management = ManagementService(self.clock, lease_seconds=timer_lease_seconds)
        self.monitoring = MonitoringService(self.clock)
        self.committees = CommitteeService(self.clock)
        self.outbox = OutboxService(self.clock)
        self.reminders = ReminderService(self.clock, self.runtime, self.outbox)
        # no case hangs silently: running cases that cannot move become incidents (issue 16)
        self.stuck_cases = StuckCaseCheck(self.runtime, self.clock)
        # external tasks (camunda:type="external"): rows kept in step with each case, fetched by workers
        self.external_tasks = ExternalTaskService(self.runtime, self.clock, external_workers or {})
        self._wire_steps_and_scheduler()

    def _case_file(self, storage: DocumentStorage, max_bytes: int) -> None:
        """The case file (issue 14): notes, documents, withdrawal, absences with substitutes, reassignment."""
        self.notes = NoteService(self.runtime, self.access, self.clock)
        self.documents = DocumentService(self.runtime, self.access, self.clock, storage, max_bytes)
        self.withdrawal = WithdrawalService(self.runtime, self.access, self.clock)
        self.absences = AbsenceService(self.clock)
        self.reassign = ReassignService(self.access)

    def _script_helpers(self) -> dict[str, Callable[..., Any]]:
        """The functions BPMN scripts may call, from every room (a later name wins)."""
        helpers = build_helpers(self.clock)
        helpers.update(build_governance_helpers(self.clock))
        helpers.update(build_chair_helpers(self.clock))  # committee(), rotation_turn(), record_chair()
        helpers.update(build_mail_helpers())
        helpers.update(build_party_helpers())  # involve(): further organisations join a case
        helpers.update(build_related_helpers())  # count_cases(): other cases' outcomes (§ 48b Abs. 4)
        helpers.update(self.deadlines.script_helpers())
        helpers.update(self.legal.script_helpers())
        return helpers

    def _wire_steps_and_scheduler(self) -> None:
        """What reacts to every step (listeners, in the step's transaction) and what the scheduler runs."""
        # BPMN timers and message waits become rows after every step; the scheduler fires the rows
        self.runtime.step_listeners.append(TimerSync(self.engine))
        # record_chair(): the new chair of a TV or KA goes into the committee's data with the step
        self.runtime.step_listeners.append(ChairRecorder(self.clock))
        # the searchable text of a case follows its facts (full-text search)
        self.runtime.step_listeners.append(CaseIndex())
        self.search = SearchService(self.repository)
        self.saved_filters = SavedFilterService(self.clock)
        self.management.register_timer_handler(BPMN_TIMER, BpmnTimers(self.runtime).fire)
        # mail: notify effects are queued in the step's transaction, delivered by a scheduler job
        # a scheduler that stops lets the delivery of mails stop between two of them
        self.outbox.stopping = self.management.stopping
        self.runtime.step_listeners.append(self.outbox.on_step)
        # a mail when work arrives, as each user chose (one each, the daily digest, or none)
        self.new_task_mail = NewTaskMail(self.outbox)
        self.runtime.step_listeners.append(self.new_task_mail)
        # reminders/escalations: timer rows written as tasks with a due date open, fired by the scheduler
        self.runtime.step_listeners.append(self.reminders.on_step)
        for kind in REMINDER_KINDS:
            self.management.register_timer_handler(kind, self.reminders.fire)
        self.management.jobs.extend([self.reminders.send_digests, self.outbox.deliver_due, self.outbox.purge_sent])
        self.management.jobs.append(self.stuck_cases)
        self.management.jobs.append(self.sessions.purge)
        self.runtime.step_listeners.append(self.external_tasks.on_step)


__all__ = ["Casework", "StepLimits"]
