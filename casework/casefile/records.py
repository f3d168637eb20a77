"""Frozen records the case-file services return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class NoteInfo:
    id: str
    instance_id: str
    at: datetime
    author: str
    author_name: str
    text: str
    task_id: str | None = None
    task_title: str | None = None


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    instance_id: str
    filename: str
    title: str | None
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    task_id: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class AbsenceInfo:
    user: str
    starts_on: date
    ends_on: date
    substitute: str
    substitute_name: str
    active: bool
