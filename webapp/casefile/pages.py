"""What the case-file sections of the case and task pages show, gathered from the services."""

from __future__ import annotations

from dataclasses import dataclass

from casework.casefile.records import DocumentInfo, NoteInfo
from webapp.common import actor, request_cache, services


@dataclass(frozen=True)
class CaseFileView:
    instance_id: str
    notes: list[NoteInfo]
    documents: list[DocumentInfo]
    may_withdraw: bool = False


def case_file_for(instance_id: str) -> CaseFileView:
    """The notes (newest first) and documents of a case the caller sees; read once per request."""

    def load() -> CaseFileView:
        casework, who = services(), actor()
        notes = casework.notes.list(instance_id, actor=who, newest_first=True)
        return CaseFileView(instance_id, notes, casework.documents.list(instance_id, actor=who),
                            casework.withdrawal.may_withdraw(instance_id, actor=who))

    return request_cache(f"case_file_{instance_id}", load)  # type: ignore[no-any-return]


def file_size(size: int) -> str:
    """12,5 KB / 3,4 MB, as people read sizes."""
    if size < 1024:
        return f"{size} B"
    value, unit = (size / 1024, "KB") if size < 1024 * 1024 else (size / 1024 / 1024, "MB")
    return f"{value:.1f} {unit}".replace(".", ",")


def my_absence() -> object:
    """The caller's recorded absence (for the account page), or None."""
    return services().absences.get(actor=actor())


def may_reassign(task: object) -> bool:
    """Offer "Neu zuweisen" to admins and to supervisors of one of the task's groups."""
    who = actor()
    return who.is_admin or services().access.supervises(who, getattr(task, "candidate_groups", ()))
