"""SQLAlchemy models, one table per module; importable without Flask app or SpiffWorkflow."""

from models.db import db
from models.definition import ProcessDefinition
from models.history import HistoryEvent
from models.instance import CaseParty, ProcessInstance
from models.organisation import Organisation, OrganisationLink
from models.task import HumanTask, TaskCandidate
from models.user import Group, Membership, User

__all__ = [
    "CaseParty",
    "Group",
    "HistoryEvent",
    "HumanTask",
    "Membership",
    "Organisation",
    "OrganisationLink",
    "ProcessDefinition",
    "ProcessInstance",
    "TaskCandidate",
    "User",
    "db",
]
