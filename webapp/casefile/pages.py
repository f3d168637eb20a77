"""What the case-file sections of the case and task pages show, gathered from the services."""

from __future__ import annotations

from dataclasses import dataclass

from casework.casefile.records import NoteInfo
from webapp.common import actor, request_cache, services


@dataclass(frozen=True)
class CaseFileView:
    instance_id: str
    notes: list[NoteInfo]


def case_file_for(instance_id: str) -> CaseFileView:
    """The notes (newest first) of a case the caller sees; read once per request."""

    def load() -> CaseFileView:
        notes = services().notes.list(instance_id, actor=actor(), newest_first=True)
        return CaseFileView(instance_id, notes)

    return request_cache(f"case_file_{instance_id}", load)  # type: ignore[no-any-return]
