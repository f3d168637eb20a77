"""DocumentService: the documents of a case -- bytes in a content-addressed storage, metadata in
``case_documents``, each upload a history event, each download a line in the access log."""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import sqlalchemy as sa

from casework.casefile.chain import append_events
from casework.casefile.records import DocumentInfo
from casework.casefile.sniff import ACCEPTED, sniff
from casework.casefile.storage import CHUNK, DocumentStorage, StorageUnavailable
from casework.cases.access import AccessService
from casework.cases.history import PendingEvent
from casework.cases.runtime import RuntimeService
from casework.clock import Clock
from casework.errors import Forbidden, NotFound, TooLarge, Unavailable, UnsupportedType, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import CaseDocument, HumanTask, ProcessInstance

# downloads are an access log, not the case's chain: who read which document of which case, when
access_log = logging.getLogger("fallwerk.documents.access")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\- ()äöüÄÖÜß]+")


@dataclass(frozen=True)
class Download:
    document: DocumentInfo
    chunks: Iterator[bytes]


class DocumentService:
    """Upload, list and download; a document is never changed -- a new version is a new document."""

    def __init__(self, runtime: RuntimeService, access: AccessService, clock: Clock,
                 storage: DocumentStorage, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.runtime = runtime
        self.access = access
        self.clock = clock
        self.storage = storage
        self.max_bytes = max_bytes

    def list(self, instance_id: str, *, actor: Actor) -> list[DocumentInfo]:
        """The documents of a case the actor sees, newest first.

        Raises:
            NotFound: unknown or not visible.
        """
        with unit_of_work(write=False) as session:
            self._require_visible(session, actor, instance_id)
            rows = session.scalars(
                sa.select(CaseDocument).where(CaseDocument.instance_id == instance_id)
                .order_by(CaseDocument.uploaded_at.desc(), CaseDocument.id)
            ).all()
            return [_info(r) for r in rows]

    def add(self, instance_id: str, *, actor: Actor, source: IO[bytes], filename: str | None,
            title: str | None = None, task_id: str | None = None, field: str | None = None) -> DocumentInfo:
        """Check, store and record one upload: the bytes first (content-addressed, so a failed
        transaction leaves at most an unreferenced object, which ``check`` lists), then the row
        and its history event in one transaction.

        Raises:
            NotFound: the case is not visible.  Forbidden: the actor is no party to it.
            TooLarge: over the limit.  UnsupportedType: not an accepted type by its content.
            ValidationFailed: no file, or a task not of this case.  Unavailable: the storage is down.
        """
        with unit_of_work(write=False) as session:
            self._require_party(session, actor, instance_id)
        name = sanitise_filename(filename)
        digest, size = self._measure(source)
        content_type = sniff(source)
        if content_type is None:
            raise UnsupportedType("Dieser Dateityp wird nicht angenommen (PDF, ODT, DOCX, XLSX, PNG, JPEG, TXT).",
                                  accepted=sorted(ACCEPTED))
        name = _with_extension(name, content_type)
        try:
            self.storage.put(digest, source)
        except StorageUnavailable as exc:
            raise Unavailable("Die Dokumentablage ist gerade nicht erreichbar; bitte später erneut versuchen.") \
                from exc
        return self._record(instance_id, actor, name, (title or "").strip()[:300] or None, content_type,
                            size, digest, task_id, field)

    def _record(self, instance_id: str, actor: Actor, name: str, title: str | None, content_type: str,
                size: int, digest: str, task_id: str | None, field: str | None) -> DocumentInfo:
        with unit_of_work() as session:
            self._require_party(session, actor, instance_id)
            task_title = _task_title(session, instance_id, task_id)
            now = self.clock.now()
            row = CaseDocument(id=str(uuid.uuid4()), instance_id=instance_id, task_id=task_id or None,
                               field=field, filename=name, title=title, content_type=content_type, size=size,
                               sha256=digest, uploaded_by=actor.username, uploaded_at=now)
            session.add(row)
            session.flush()
            event = PendingEvent(now, actor.username, "document_added", task_id=row.task_id, task_title=task_title,
                                 data={"document_id": row.id, "filename": name, "title": title,
                                       "content_type": content_type, "size": size, "sha256": digest})
            append_events(session, self.runtime, instance_id, [event])
            return _info(row)

    def open(self, instance_id: str, document_id: str, *, actor: Actor) -> Download:
        """The document's metadata and bytes, for someone who sees the case; logged as an access.

        Raises:
            NotFound: unknown, not of this case, or the case not visible.  Unavailable: storage down.
        """
        with unit_of_work(write=False) as session:
            self._require_visible(session, actor, instance_id)
            row = session.scalar(sa.select(CaseDocument).where(
                CaseDocument.id == document_id, CaseDocument.instance_id == instance_id))
            if row is None:
                raise NotFound("Dokument nicht gefunden.")
            info = _info(row)
        try:
            chunks = self.storage.open(info.sha256)
        except FileNotFoundError:
            raise NotFound("Die Datei des Dokuments fehlt in der Ablage.") from None
        except StorageUnavailable as exc:
            raise Unavailable("Die Dokumentablage ist gerade nicht erreichbar.") from exc
        # ids only: names of documents and people stay out of the logs
        access_log.info("document_read case=%s document=%s user_id=%s", instance_id, document_id, actor.user_id)
        return Download(info, chunks)

    def check(self) -> tuple[tuple[str, ...], tuple[DocumentInfo, ...]]:
        """Objects in the storage that no document row names (orphans), and document rows whose
        object is missing -- what ``flask --app app documents check`` lists."""
        with unit_of_work(write=False) as session:
            rows = [_info(r) for r in session.scalars(sa.select(CaseDocument).order_by(CaseDocument.uploaded_at))]
        stored = set(self.storage.digests())
        named = {r.sha256 for r in rows}
        return tuple(sorted(stored - named)), tuple(r for r in rows if r.sha256 not in stored)

    def remove_orphans(self) -> tuple[str, ...]:
        """Delete the objects no document row names (left by a deleted case or a failed upload)."""
        orphans, _missing = self.check()
        for digest in orphans:
            self.storage.delete(digest)
        return orphans

    def _measure(self, source: IO[bytes]) -> tuple[str, int]:
        """SHA-256 and size, reading in chunks and stopping at the limit (never the whole file at once).

        Raises:
            TooLarge: more than ``max_bytes``.  ValidationFailed: an empty file.
        """
        digest, size = hashlib.sha256(), 0
        source.seek(0)
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge(_too_large(self.max_bytes), limit=self.max_bytes)
            digest.update(chunk)
        if size == 0:
            raise ValidationFailed("Die Datei ist leer.", {"file": "Bitte eine Datei wählen."})
        return digest.hexdigest(), size

    def _require_visible(self, session: sa.orm.Session, actor: Actor, instance_id: str) -> None:
        if not isinstance(instance_id, str) or not self.access.can_see_instance(session, actor, instance_id):
            raise NotFound("Fall nicht gefunden.")

    def _require_party(self, session: sa.orm.Session, actor: Actor, instance_id: str) -> None:
        """Who sees a case and takes part in it may add to its file: one of its parties' organisations,
        its starter, or someone who holds or held one of its tasks (API.md: "is a party to it")."""
        self._require_visible(session, actor, instance_id)
        row = session.execute(sa.select(ProcessInstance.parties, ProcessInstance.started_by)
                              .where(ProcessInstance.id == instance_id)).one()
        if set(row.parties or ()) & actor.organisation_ids or row.started_by == actor.username:
            return
        if session.scalar(sa.select(HumanTask.id).where(
                HumanTask.instance_id == instance_id,
                sa.or_(HumanTask.assignee_id == actor.user_id, HumanTask.completed_by_id == actor.user_id)
        ).limit(1)) is None:
            raise Forbidden("Nur Beteiligte des Falls dürfen Dokumente hinzufügen.")


def spool() -> IO[bytes]:
    """A temporary file for an upload: in memory while small, on disk beyond 1 MB."""
    return tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - the caller closes it


def sanitise_filename(filename: str | None) -> str:
    """A file name safe to store and to send back: no path, no control or shell characters."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base).strip(" ._")[:200]
    return base or "dokument"


def _with_extension(name: str, content_type: str) -> str:
    """The name ends in an extension of the type found: ``bescheid`` (a PDF) becomes ``bescheid.pdf``."""
    extensions = ACCEPTED[content_type]
    if PurePosixPath(name).suffix.lower() in extensions:
        return name
    return f"{name}{extensions[0]}"


def _too_large(limit: int) -> str:
    return f"Die Datei ist zu groß (höchstens {limit // (1024 * 1024)} MB)."


def _task_title(session: sa.orm.Session, instance_id: str, task_id: str | None) -> str | None:
    if not task_id:
        return None
    title = session.scalar(sa.select(HumanTask.title).where(HumanTask.id == task_id,
                                                           HumanTask.instance_id == instance_id))
    if title is None:
        raise ValidationFailed("Unbekannte Aufgabe.", {"task_id": "Keine Aufgabe dieses Falls."})
    return title


def _info(row: CaseDocument) -> DocumentInfo:
    return DocumentInfo(id=row.id, instance_id=row.instance_id, filename=row.filename, title=row.title,
                        content_type=row.content_type, size=row.size, sha256=row.sha256,
                        uploaded_at=row.uploaded_at, uploaded_by=row.uploaded_by, task_id=row.task_id,
                        field=row.field)
