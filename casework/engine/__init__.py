"""The adapter around SpiffWorkflow: the only package of Fallwerk that imports it.

Services deploy with :func:`parse_deployment`, cache specs with :func:`load_model`, run instances
through one :class:`Engine`, and validate form input with :func:`validate_form`.
"""

from .forms import validate_form
from .parser import ParsedDeployment, ProcessModel, UserTaskMeta, load_model, parse_deployment
from .runner import Assignment, Engine, ReadyTask, Snapshot, Workflow

__all__ = [
    "Assignment",
    "Engine",
    "ParsedDeployment",
    "ProcessModel",
    "ReadyTask",
    "Snapshot",
    "UserTaskMeta",
    "Workflow",
    "load_model",
    "parse_deployment",
    "validate_form",
]
