"""The adapter around SpiffWorkflow: the only package of Fallwerk that imports it.

Services deploy with :func:`parse_deployment`, cache specs with :func:`load_model`, run instances
through one :class:`Engine`, and validate form input with :func:`validate_form`.

May import: SpiffWorkflow, lxml, RestrictedPython and the base modules (errors, records, clock,
dates) — nothing above it. What a capability above must add (the reminder policy's check, the
script helpers) is handed in as data: ``parse_deployment(..., property_checks=...)``, ``Engine(helpers)``.
"""

from .assignment import Assignment
from .forms import validate_form
from .limits import LimitExceeded, StepLimits
from .lint import PropertyCheck
from .parser import ParsedDeployment, ProcessModel, UserTaskMeta, load_model, parse_deployment
from .quiet import quiet_spiff_loggers
from .runner import Engine
from .state import ReadyTask, Snapshot, Workflow

quiet_spiff_loggers()

__all__ = [
    "Assignment",
    "Engine",
    "LimitExceeded",
    "ParsedDeployment",
    "ProcessModel",
    "PropertyCheck",
    "ReadyTask",
    "Snapshot",
    "StepLimits",
    "UserTaskMeta",
    "Workflow",
    "load_model",
    "parse_deployment",
    "validate_form",
]
