"""The records the designer's pages and API read: drafts, a process's source, summaries, versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.errors import Problem
from casework.records import DefinitionInfo


@dataclass(frozen=True)
class DraftInfo:
    process_key: str
    file_name: str
    based_on_version: int | None
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class ProcessSource:
    """One file of a process as the designer opens it: a draft, or a deployed version's file."""

    process_key: str
    file_name: str
    xml: str
    kind: str  # "bpmn" | "dmn"
    version: int | None  # the deployed version shown, or the draft's base
    is_draft: bool
    latest_version: int | None
    files: tuple[str, ...]  # the other files of the version, e.g. its DMN tables
    draft: DraftInfo | None = None


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    latest_version: int | None
    deployed_at: datetime | None
    deployed_by: str | None
    versions: int
    open_cases: int
    drafts: tuple[DraftInfo, ...]


@dataclass(frozen=True)
class VersionInfo:
    version: int
    name: str
    deployed_at: datetime
    deployed_by: str | None
    open_cases: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Deployed:
    definitions: list[tuple[DefinitionInfo, bool]]
    warnings: list[Problem]
