"""Domain errors raised by the service layer; the web layer maps them to HTTP answers in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CaseworkError(Exception):
    """Base of every error the services raise on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(CaseworkError):
    """Unknown, or not visible to the caller (we never tell the difference)."""

    code = "not_found"


class Forbidden(CaseworkError):
    """Visible, but the caller may not do this (e.g. a non-designer deploying)."""

    code = "forbidden"


class Conflict(CaseworkError):
    """The thing changed under the caller: stale instance, task claimed or completed by someone else."""

    code = "conflict"


class ValidationFailed(CaseworkError):
    """Input data is invalid; ``fields`` maps a field name to a human-readable message."""

    code = "validation_failed"

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message, fields=fields)
        self.fields = fields


@dataclass(frozen=True)
class Problem:
    """One problem found in a BPMN/DMN file at deploy time."""

    file: str
    element_id: str | None
    message: str
    severity: str = "error"  # "error" blocks the deploy, "warning" is reported only

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "element_id": self.element_id,
            "message": self.message,
            "severity": self.severity,
        }


class DefinitionInvalid(CaseworkError):
    """A deployment was refused; ``errors`` lists every problem found, nothing was deployed."""

    code = "definition_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(
            f"{p.file}: {p.element_id or '-'}: {p.message}" for p in problems[:5]
        )
        super().__init__(f"Deployment refused: {summary}", errors=[p.as_dict() for p in problems])
        self.problems = problems


class ScriptFailed(CaseworkError):
    """A script task or expression failed inside the engine (the task is left in ERROR)."""

    code = "script_failed"

    def __init__(self, message: str, element_id: str | None) -> None:
        super().__init__(message, element_id=element_id)
        self.element_id = element_id


class TooLarge(CaseworkError):
    """An upload over the size limit (HTTP 413)."""

    code = "payload_too_large"


class UnsupportedType(CaseworkError):
    """An upload whose content is none of the accepted types (HTTP 415)."""

    code = "unsupported_media_type"


class Unavailable(CaseworkError):
    """A store the service needs is down (disk, S3): try again later (HTTP 503)."""

    code = "unavailable"
