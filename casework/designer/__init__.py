"""DesignerService: what the browser's process designer needs around the repository.

Drafts (a file as last saved, not deployed), the deploy check without deploying, deployment of one
edited file, the versions of a process with their running cases, a version's XML, the difference
between two versions, a template for new processes and the export of deployed files back to disk.
Deploying itself stays with :class:`RepositoryService`, so there is one deploy path.

May import: ``casework.cases`` (the repository), ``casework.engine`` (XML and lint) and the base
modules. Independent of governance, time and mail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.cases.repository import DEPLOYER_GROUPS, RepositoryService
from casework.clock import Clock
from casework.engine.xmlsafe import NSMAP
from casework.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import ProcessDefinition, ProcessDraft, ProcessInstance

from .diff import DiagramDiff, DiffEntry, diagram_diff
from .files import PROCESS_KEY, check_file, check_name, decode, hints, key_message, kind, parse
from .records import Deployed, DraftInfo, ProcessSource, ProcessSummary, VersionInfo
from .template import template_xml

# cases that have not ended: they keep running on the version they started with
OPEN_STATUSES = ("running", "error")


class DesignerService:
    """Drafts, checks, deployments, versions and diffs for the process designer (designers and admins)."""

    def __init__(self, repository: RepositoryService, clock: Clock) -> None:
        self.repository = repository
        self.clock = clock

    # --- overview ------------------------------------------------------------------------

    def list_processes(self, *, actor: Actor) -> list[ProcessSummary]:
        """Every deployed process (latest version, number of versions, open cases) and every draft.

        Raises:
            Forbidden: the actor is not a designer or admin.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            stats, latest, open_cases = _process_stats(session)
            drafts: dict[str, list[DraftInfo]] = {}
            for draft in session.scalars(sa.select(ProcessDraft).order_by(ProcessDraft.file_name)):
                drafts.setdefault(draft.process_key, []).append(_draft_info(draft))
        summaries = []
        for key in sorted(set(stats) | set(drafts)):
            row = latest.get(key)
            summaries.append(
                ProcessSummary(
                    key=key,
                    name=row.name if row else key,
                    latest_version=row.version if row else None,
                    deployed_at=row.deployed_at if row else None,
                    deployed_by=row.deployed_by if row else None,
                    versions=stats[key].versions if key in stats else 0,
                    open_cases=open_cases.get(key, 0),
                    drafts=tuple(drafts.get(key, ())),
                )
            )
        return summaries

    def list_versions(self, key: str, *, actor: Actor) -> list[VersionInfo]:
        """The versions of a process, newest first, each with who deployed it when and its open cases.

        Raises:
            Forbidden: not a designer.  NotFound: the process was never deployed.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            open_cases: dict[int, int] = {
                row.definition_id: row.n
                for row in session.execute(
                    sa.select(ProcessInstance.definition_id, sa.func.count(ProcessInstance.id).label("n"))
                    .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                    .where(ProcessDefinition.key == key, ProcessInstance.status.in_(OPEN_STATUSES))
                    .group_by(ProcessInstance.definition_id)
                )
            }
            rows = session.scalars(
                sa.select(ProcessDefinition)
                .where(ProcessDefinition.key == key)
                .order_by(ProcessDefinition.version.desc())
                .options(sa.orm.undefer(ProcessDefinition.files))
            ).all()
            if not rows:
                raise NotFound(f"Prozess '{key}' ist nicht bereitgestellt.")
            return [
                VersionInfo(r.version, r.name, r.deployed_at, r.deployed_by, open_cases.get(r.id, 0),
                            tuple(sorted(r.files)))
                for r in rows
            ]

    # --- sources and drafts --------------------------------------------------------------

    def get_source(
        self, key: str, *, actor: Actor, version: int | None = None, file_name: str | None = None
    ) -> ProcessSource:
        """The file a designer opens: the draft when there is one (unless a version is asked for),
        else the file of the given (default: latest) version.

        Raises:
            Forbidden: not a designer.  NotFound: no such process, version or file.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            latest = self.repository.find_row(session, key, None) if _deployed(session, key) else None
            row = self.repository.find_row(session, key, version) if version is not None else latest
            files = tuple(sorted(row.files)) if row is not None else ()
            name = file_name or (row.bpmn_file if row is not None else None)
            draft = _find_draft(session, key, name) if version is None else None
            if draft is None and name is None:  # a new process: its first draft
                draft = session.scalars(
                    sa.select(ProcessDraft).where(ProcessDraft.process_key == key).order_by(ProcessDraft.id)
                ).first()
            if draft is not None:
                return ProcessSource(
                    key, draft.file_name, draft.content, kind(draft.file_name), draft.based_on_version, True,
                    latest.version if latest else None, tuple(sorted({*files, draft.file_name})),
                    _draft_info(draft),
                )
            if row is None or name not in row.files:
                raise NotFound(f"Datei '{name or key}' gibt es in Prozess '{key}' nicht.")
            return ProcessSource(
                key, name, row.files[name], kind(name), row.version, False,
                latest.version if latest else None, files,
            )

    def save_draft(
        self,
        key: str,
        file_name: str,
        content: str,
        *,
        actor: Actor,
        based_on_version: int | None = None,
        loaded_draft_at: str | None = None,
    ) -> DraftInfo:
        """Keep the file as the process's working copy (one per file, shared by all designers).

        ``loaded_draft_at`` is the ``updated_at`` (ISO) of the draft the editor started from, ``""``
        for none: a draft someone saved since is not overwritten. ``None`` skips the check.

        Raises:
            Forbidden: not a designer.  ValidationFailed: bad key, file name or XML.
            Conflict: the draft was saved by someone else since it was loaded.
        """
        _require_designer(actor)
        check_file(key, file_name, content)
        with unit_of_work() as session:
            draft = _find_draft(session, key, file_name)
            current = draft.updated_at.isoformat() if draft is not None else ""
            if loaded_draft_at is not None and loaded_draft_at != current:
                who = draft.updated_by if draft is not None else "?"
                raise Conflict(f"{who} hat den Entwurf inzwischen gespeichert; bitte die Seite neu laden.")
            if draft is None:
                draft = ProcessDraft(process_key=key, file_name=file_name)
                session.add(draft)
            draft.content = content
            draft.based_on_version = based_on_version
            draft.updated_by = actor.username
            draft.updated_at = self.clock.now()
            try:
                session.flush()
            except IntegrityError as exc:  # two designers created the same file's first draft at once
                raise Conflict("Ein anderer Entwurf dieser Datei wurde gerade gespeichert.") from exc
            return _draft_info(draft)

    def list_drafts(self, *, actor: Actor, key: str | None = None) -> list[DraftInfo]:
        """Drafts of all processes, or of one.

        Raises:
            Forbidden: not a designer.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            stmt = sa.select(ProcessDraft).order_by(ProcessDraft.process_key, ProcessDraft.file_name)
            if key is not None:
                stmt = stmt.where(ProcessDraft.process_key == key)
            return [_draft_info(d) for d in session.scalars(stmt)]

    def discard_draft(self, key: str, file_name: str, *, actor: Actor) -> None:
        """Throw a draft away; the deployed version stays as it is.

        Raises:
            Forbidden: not a designer.  NotFound: no such draft.
        """
        _require_designer(actor)
        with unit_of_work() as session:
            draft = _find_draft(session, key, file_name)
            if draft is None:
                raise NotFound("Kein Entwurf für diese Datei.")
            session.delete(draft)

    def create_from_template(self, key: str, name: str, *, actor: Actor) -> DraftInfo:
        """A draft of a new process from the template: start, one user task with a form, end.

        Raises:
            Forbidden: not a designer.  ValidationFailed: bad key or name.
            Conflict: a process or draft with this key exists.
        """
        _require_designer(actor)
        errors = {}
        if not PROCESS_KEY.match(key):
            errors["key"] = key_message(key)
        if not name.strip() or len(name) > 300:
            errors["name"] = "Bitte einen Namen angeben (höchstens 300 Zeichen)."
        if errors:
            raise ValidationFailed("Die Angaben sind unvollständig.", errors)
        with unit_of_work(write=False) as session:
            taken = _deployed(session, key) or session.scalar(
                sa.select(ProcessDraft.id).where(ProcessDraft.process_key == key).limit(1)
            )
        if taken:
            raise Conflict(f"Einen Prozess '{key}' gibt es schon.")
        return self.save_draft(key, f"{key}.bpmn", template_xml(key, name.strip()), actor=actor)

    def upload(self, file_name: str, content: bytes, *, actor: Actor, process_key: str | None = None) -> DraftInfo:
        """An uploaded .bpmn becomes the draft of the process it holds; a .dmn the draft of a table
        of the named (deployed) process.

        Raises:
            Forbidden: not a designer.  ValidationFailed: not a readable BPMN/DMN file, or a DMN file
                without a deployed process.
        """
        _require_designer(actor)
        text = decode(content)
        if kind(file_name) == "bpmn":
            root = parse(content, "file")
            processes = [p.get("id") for p in root.xpath("./bpmn:process", namespaces=NSMAP) if p.get("id")]
            if not processes:
                raise ValidationFailed("Die Datei enthält keinen Prozess.", {"file": "Kein bpmn:process gefunden."})
            key = str(processes[0])
        else:
            key = process_key or ""
            with unit_of_work(write=False) as session:
                if not _deployed(session, key):
                    raise ValidationFailed(
                        "Eine DMN-Datei gehört zu einem bereitgestellten Prozess.",
                        {"process_key": "Bitte den Prozess wählen, der die Entscheidungstabelle nutzt."},
                    )
        based_on = self._latest_version(key)
        return self.save_draft(key, file_name, text, actor=actor, based_on_version=based_on)

    # --- check and deploy ----------------------------------------------------------------

    def validate(self, key: str, file_name: str, content: str, *, actor: Actor) -> list[Problem]:
        """Every problem a deployment of this file would report, plus the designer's own hints;
        nothing is deployed.

        Raises:
            Forbidden: not a designer.  ValidationFailed: bad file name or empty content.
        """
        _require_designer(actor)
        check_name(key, file_name, content)
        data = content.encode("utf-8")
        with unit_of_work(write=False) as session:
            files = self._deployment_files(session, key, file_name, data)
        return self.repository.check(files) + hints(file_name, data)

    def deploy(self, key: str, file_name: str, content: str, *, actor: Actor) -> Deployed:
        """Deploy the edited file (a DMN file together with the process's BPMN, so the process gets a
        version that uses it); the file's draft is discarded after a successful deployment.

        Raises:
            Forbidden: not a designer.  ValidationFailed: bad file name or empty content.
            DefinitionInvalid: any error; nothing is deployed.  Conflict: a concurrent deployment.
        """
        _require_designer(actor)
        check_name(key, file_name, content)
        data = content.encode("utf-8")
        with unit_of_work(write=False) as session:
            files = self._deployment_files(session, key, file_name, data)
        results = self.repository.deploy(files, actor=actor)
        with unit_of_work() as session:
            draft = _find_draft(session, key, file_name)
            if draft is not None:
                session.delete(draft)
        warnings = [Problem(**w) for info, created in results if created for w in info.warnings]
        return Deployed(results, warnings + hints(file_name, data))

    def _deployment_files(
        self, session: sa.orm.Session, key: str, file_name: str, data: bytes
    ) -> dict[str, bytes]:
        files = {file_name: data}
        if kind(file_name) == "dmn" and _deployed(session, key):
            row = self.repository.find_row(session, key, None)
            files.setdefault(row.bpmn_file, row.files[row.bpmn_file].encode("utf-8"))
        return files

    def _latest_version(self, key: str) -> int | None:
        with unit_of_work(write=False) as session:
            return session.scalar(sa.select(sa.func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))

    # --- versions ------------------------------------------------------------------------

    def version_file(self, key: str, version: int, *, actor: Actor, file_name: str | None = None) -> tuple[str, str]:
        """(file name, XML) of a deployed version's file (default: its BPMN file).

        Raises:
            Forbidden: not a designer.  NotFound: no such process, version or file.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            row = self.repository.find_row(session, key, version)
            name = file_name or row.bpmn_file
            if name not in row.files:
                raise NotFound(f"Datei '{name}' gehört nicht zu Version {version}.")
            return name, row.files[name]

    def diff(self, key: str, old: int, new: int, *, actor: Actor) -> DiagramDiff:
        """What changed in the BPMN of a process between two versions, element by element, and which
        of its other files (decision tables, called processes) differ.

        Raises:
            Forbidden: not a designer.  NotFound: no such process or version.
        """
        _require_designer(actor)
        with unit_of_work(write=False) as session:
            old_row = self.repository.find_row(session, key, old)
            new_row = self.repository.find_row(session, key, new)
            old_files, new_files = dict(old_row.files), dict(new_row.files)
            old_xml, new_xml = old_files[old_row.bpmn_file], new_files[new_row.bpmn_file]
        added, removed, changed = diagram_diff(old_xml.encode("utf-8"), new_xml.encode("utf-8"))
        files = tuple(
            name for name in sorted(set(old_files) | set(new_files))
            if name not in (old_row.bpmn_file, new_row.bpmn_file) and old_files.get(name) != new_files.get(name)
        )
        return DiagramDiff(key, old, new, old_xml, new_xml, added, removed, changed, files)

    def export(self, directory: Path, key: str | None = None) -> list[Path]:
        """Write the files of each process's latest version into ``directory`` (the CLI's export, so
        designers keep what they deployed in git). Files are written exactly as deployed.

        Raises:
            NotFound: ``key`` was never deployed.
        """
        with unit_of_work(write=False) as session:
            if key is not None:
                rows = [self.repository.find_row(session, key, None)]
            else:
                rows = self.repository.latest_rows(session, with_files=True)
            contents: dict[str, str] = {}
            # a DMN file travels with every process deployed beside it: the newest deployment's copy wins
            for row in sorted(rows, key=lambda r: r.id):
                contents.update(row.files)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name in sorted(contents):
            path = directory / name
            path.write_bytes(contents[name].encode("utf-8"))
            written.append(path)
        return written


# --- helpers -----------------------------------------------------------------------------


def _process_stats(session: sa.orm.Session) -> tuple[dict[str, Any], dict[str, ProcessDefinition], dict[str, int]]:
    """Per process key: (latest version, number of versions), the latest definition, open cases."""
    stats = {
        row.key: row
        for row in session.execute(
            sa.select(
                ProcessDefinition.key,
                sa.func.max(ProcessDefinition.version).label("latest"),
                sa.func.count(ProcessDefinition.id).label("versions"),
            ).group_by(ProcessDefinition.key)
        )
    }
    latest = {
        d.key: d
        for d in session.scalars(
            sa.select(ProcessDefinition).where(
                sa.tuple_(ProcessDefinition.key, ProcessDefinition.version).in_(
                    [(k, s.latest) for k, s in stats.items()]
                )
            )
        )
    } if stats else {}
    open_cases: dict[str, int] = {
        row.process_key: row.n
        for row in session.execute(
            sa.select(ProcessInstance.process_key, sa.func.count(ProcessInstance.id).label("n"))
            .where(ProcessInstance.status.in_(OPEN_STATUSES))
            .group_by(ProcessInstance.process_key)
        )
    }
    return stats, latest, open_cases


def _require_designer(actor: Actor) -> None:
    if not (actor.is_admin or actor.in_group(*DEPLOYER_GROUPS)):
        raise Forbidden("Nur Prozessdesigner dürfen Prozesse gestalten.")


def _deployed(session: sa.orm.Session, key: str) -> bool:
    return session.scalar(sa.select(ProcessDefinition.id).where(ProcessDefinition.key == key).limit(1)) is not None


def _find_draft(session: sa.orm.Session, key: str, file_name: str | None) -> ProcessDraft | None:
    if file_name is None:
        return None
    return session.scalars(
        sa.select(ProcessDraft).where(ProcessDraft.process_key == key, ProcessDraft.file_name == file_name)
    ).first()


def _draft_info(draft: ProcessDraft) -> DraftInfo:
    return DraftInfo(draft.process_key, draft.file_name, draft.based_on_version, draft.updated_by, draft.updated_at)


__all__ = [
    "DesignerService",
    "DiagramDiff",
    "DiffEntry",
    "Deployed",
    "DraftInfo",
    "ProcessSource",
    "ProcessSummary",
    "VersionInfo",
    "diagram_diff",
    "template_xml",
]
