"""SQLAlchemy models, one table per module; importable without Flask app or SpiffWorkflow."""

from models.auth_session import AuthSession
from models.calendar import HolidayOverride
from models.case_file import Absence, CaseDocument, CaseNote
from models.committee import Body, BodyMember
from models.db import db
from models.definition import ProcessDefinition
from models.draft import ProcessDraft
from models.external_task import ExternalTask
from models.heartbeat import SchedulerHeartbeat
from models.history import HistoryEvent
from models.instance import CaseParty, CaseReader, ProcessInstance
from models.legal import LegalParameter
from models.organisation import Organisation, OrganisationLink
from models.outbox import OutboxMail
from models.saved_filter import SavedFilter
from models.search import CaseSearch
from models.task import HumanTask, TaskCandidate, TaskCandidateUser
from models.timer import MessageSubscription, Timer
from models.user import Group, Membership, User

__all__ = [
    "Absence",
    "AuthSession",
    "CaseDocument",
    "CaseNote",
    "Body",
    "BodyMember",
    "CaseParty",
    "CaseReader",
    "CaseSearch",
    "ExternalTask",
    "Group",
    "HistoryEvent",
    "HolidayOverride",
    "HumanTask",
    "LegalParameter",
    "Membership",
    "MessageSubscription",
    "Organisation",
    "OrganisationLink",
    "OutboxMail",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "SavedFilter",
    "SchedulerHeartbeat",
    "TaskCandidate",
    "TaskCandidateUser",
    "Timer",
    "User",
    "db",
]
