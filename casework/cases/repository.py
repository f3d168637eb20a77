"""RepositoryService: deploys BPMN/DMN files as immutable versions and caches their parsed specs."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from casework.clock import Clock
from casework.engine import ParsedDeployment, ProcessModel, PropertyCheck, load_model, parse_deployment
from casework.errors import Conflict, DefinitionInvalid, Forbidden, NotFound, Problem
from casework.records import Actor, CasePresentation, DefinitionInfo, FormField
from casework.unit_of_work import unit_of_work
from models import Group, ProcessDefinition, User, db

DEPLOYER_GROUPS = ("designer", "admin")
_LATEST_HEAD = (
    sa.select(
        ProcessDefinition.id,
        ProcessDefinition.key,
        ProcessDefinition.version,
        ProcessDefinition.content_hash,
        ProcessDefinition.starter_groups,
    )
    .where(ProcessDefinition.key == sa.bindparam("key"))
    .order_by(ProcessDefinition.version.desc())
    .limit(1)
)
_LATEST = (
    sa.select(ProcessDefinition)
    .where(ProcessDefinition.key == sa.bindparam("key"))
    .order_by(ProcessDefinition.version.desc())
    .limit(1)
)
DEFINITION_SUFFIXES = (".bpmn", ".dmn")


class SpecCache:
    """Parsed process models keyed by content hash and process key, so no request parses XML twice.

    Keyed by hash rather than (key, version): a hash names its content exactly, so the cache
    can never hand out a stale spec, whatever another process deployed meanwhile. The key too, as
    the processes of one file (a collaboration, or several processes) share their content hash.
    """

    def __init__(self) -> None:
        self._models: dict[str, ProcessModel] = {}
        self._lock = threading.Lock()

    def get(self, session: sa.orm.Session, definition_id: int, digest: str, key: str) -> ProcessModel:
        """The parsed model of a stored version; its files are read only on a cache miss."""
        model = self._models.get(f"{digest}:{key}")
        if model is None:
            stored = session.scalar(sa.select(ProcessDefinition.files).where(ProcessDefinition.id == definition_id))
            files = {name: text.encode("utf-8") for name, text in (stored or {}).items()}
            model = load_model(key, files)
            with self._lock:
                self._models[f"{digest}:{key}"] = model
        return model

    def put(self, content_hash: str, model: ProcessModel) -> None:
        with self._lock:
            self._models[f"{content_hash}:{model.key}"] = model

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


def content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


class RepositoryService:
    """Deploy, list and read process definitions."""

    def __init__(
        self, cache: SpecCache, clock: Clock, property_checks: Mapping[str, PropertyCheck] | None = None
    ) -> None:
        self.cache = cache
        self.clock = clock
        # checks of task properties that capabilities above the cases own (the reminder policy)
        self.property_checks = dict(property_checks or {})

    def deploy(
        self, files: dict[str, bytes], *, actor: Actor | None, unplaced: list[Problem] | None = None
    ) -> list[tuple[DefinitionInfo, bool]]:
        """Deploy all files at once: every process gets a new version unless its content is unchanged.

        Returns (definition, created) per process. ``actor`` None means the system (CLI, start-up).
        ``unplaced`` receives the warnings that belong to no deployed process (a file whose process
        is not executable, say), so the caller can show them although no version keeps them.

        Raises:
            Forbidden: the actor is not a designer or admin.
            DefinitionInvalid: any file has any error; nothing is deployed.
            Conflict: another deployment of the same process committed first.
        """
        if actor is not None and not actor.in_group(*DEPLOYER_GROUPS):
            raise Forbidden("Nur Prozessdesigner dürfen Prozesse bereitstellen.")
        bad_names = [n for n in files if not n.lower().endswith(DEFINITION_SUFFIXES)]
        if bad_names or not files:
            problems = [Problem(n, None, "Nur .bpmn- und .dmn-Dateien sind erlaubt.") for n in bad_names]
            raise DefinitionInvalid(problems or [Problem("-", None, "Keine Datei übergeben.")])
        with unit_of_work() as session:
            parsed, warnings = self._parse(session, files)
            models = [parsed.processes[key] for key in sorted(parsed.processes)]
            results = [self._store(session, model, warnings, actor) for model in models]
            if unplaced is not None:
                placed = {name for model in models for name in model.files}
                unplaced.extend(w for w in warnings if w.file not in placed)
            try:
                session.flush()
            except IntegrityError as exc:
                raise Conflict("Eine andere Bereitstellung desselben Prozesses kam zuvor.") from exc
        for (info, _created), model in zip(results, models, strict=True):
            self.cache.put(info.content_hash, model)
        return results

    def check(self, files: dict[str, bytes]) -> list[Problem]:
        """Every problem, errors and warnings, that deploying ``files`` would report; nothing is deployed."""
        with unit_of_work(write=False) as session:
            try:
                return self._parse(session, files)[1]
            except DefinitionInvalid as exc:
                return list(exc.problems)

    def _parse(self, session: sa.orm.Session, files: dict[str, bytes]) -> tuple[ParsedDeployment, list[Problem]]:
        """Parse as a deployment does: beside the latest deployed files, so called processes and
        decision tables of earlier deployments resolve.

        Raises:
            DefinitionInvalid: any file has any error.
        """
        existing = self._latest_files(session, exclude=set(files))
        parsed = parse_deployment(files, existing, self.property_checks)
        return parsed, parsed.warnings + self._unknown_groups(session, parsed.processes)

    def deploy_directory(self, path: Path) -> list[tuple[DefinitionInfo, bool]]:
        """Deploy every .bpmn/.dmn file under ``path`` as the system (start-up and CLI)."""
        files = {
            p.name: p.read_bytes()
            for p in sorted(Path(path).iterdir())
            if p.is_file() and p.suffix.lower() in DEFINITION_SUFFIXES
        }
        if not files:
            return []
        return self.deploy(files, actor=None)

    def _store(
        self,
        session: sa.orm.Session,
        model: ProcessModel,
        warnings: list[Problem],
        actor: Actor | None,
    ) -> tuple[DefinitionInfo, bool]:
        digest = content_hash(model.files)
        latest = self._latest(session, model.key)
        if latest is not None and latest.content_hash == digest:
            return _info(latest), False
        own_files = set(model.files)
        row = ProcessDefinition(
            key=model.key,
            version=(latest.version + 1) if latest else 1,
            name=model.name or model.key,
            content_hash=digest,
            files={name: data.decode("utf-8") for name, data in model.files.items()},
            bpmn_file=_main_file(model),
            starter_groups=list(model.starter_groups),
            warnings=[w.as_dict() for w in warnings if w.file in own_files],
            deployed_by=actor.username if actor else "system",
            deployed_at=self.clock.now(),
        )
        session.add(row)
        session.flush()
        return _info(row), True

    @staticmethod
    def _latest(session: sa.orm.Session, key: str) -> ProcessDefinition | None:
        return session.scalars(_LATEST, {"key": key}).first()

    def _latest_files(self, session: sa.orm.Session, exclude: set[str]) -> dict[str, bytes]:
        """Files of the latest deployed versions, so new files may call processes deployed earlier."""
        files: dict[str, bytes] = {}
        for row in self.latest_rows(session, with_files=True):
            for name, text in row.files.items():
                if name not in exclude:
                    files.setdefault(name, text.encode("utf-8"))
        return files

    @staticmethod
    def latest_rows(session: sa.orm.Session, *, with_files: bool = False) -> list[ProcessDefinition]:
        newest = (
            sa.select(ProcessDefinition.key, sa.func.max(ProcessDefinition.version).label("v"))
            .group_by(ProcessDefinition.key)
            .subquery()
        )
        stmt = (
            sa.select(ProcessDefinition)
            .join(
                newest,
                sa.and_(
                    ProcessDefinition.key == newest.c.key,
                    ProcessDefinition.version == newest.c.v,
                ),
            )
            .order_by(ProcessDefinition.key)
        )
        if with_files:  # in the same query, not one lazy load per definition
            stmt = stmt.options(sa.orm.undefer(ProcessDefinition.files))
        return list(session.scalars(stmt))

    @staticmethod
    def _unknown_groups(
        session: sa.orm.Session, processes: dict[str, ProcessModel]
    ) -> list[Problem]:
        """Literal groups and users a task names that this installation does not know (warnings)."""
        known_groups = set(session.scalars(sa.select(Group.name)))
        known_users = set(session.scalars(sa.select(User.username)))
        problems = []
        for model in processes.values():
            main = _main_file(model)
            for meta in model.user_tasks.values():
                for raw, known, what in ((meta.candidate_groups, known_groups, "Gruppe"),
                                         (meta.candidate_users, known_users, "Benutzer"),
                                         (meta.assignee, known_users, "Benutzer")):
                    if not raw or "${" in raw:
                        continue
                    for name in filter(None, (g.strip() for g in raw.split(","))):
                        if name not in known:
                            fallback = meta.fallback_group
                            problems.append(Problem(main, meta.bpmn_id, f"Unbekannte {what} '{name}': " + (
                                "die Standardgruppe des Prozesses gibt es nicht; die Aufgabe erreicht so niemanden"
                                if meta.defaulted or fallback == name else
                                f"erreicht die Aufgabe sonst niemanden, geht sie an die Standardgruppe "
                                f"'{fallback}' des Prozesses"), "warning"))
        return problems

    # --- queries -------------------------------------------------------------------------

    def list_definitions(self) -> list[DefinitionInfo]:
        """The latest version of every deployed process."""
        with unit_of_work(write=False) as session:
            return [_info(row) for row in self.latest_rows(session)]

    def list_versions(self, key: str) -> list[DefinitionInfo]:
        with unit_of_work(write=False) as session:
            stmt = (
                sa.select(ProcessDefinition)
                .where(ProcessDefinition.key == key)
                .order_by(ProcessDefinition.version.desc())
            )
            rows = list(session.scalars(stmt))
            if not rows:
                raise NotFound(f"Prozess '{key}' ist nicht bereitgestellt.")
            return [_info(r) for r in rows]

    def get_definition(self, key: str, version: int | None = None) -> DefinitionInfo:
        """One version (default: the latest).

        Raises:
            NotFound: no such process or version.
        """
        with unit_of_work(write=False) as session:
            return _info(self.find_row(session, key, version))

    def list_definitions_with_forms(self) -> list[DefinitionInfo]:
        """The latest version of every deployed process, each with its start form (from the spec cache)."""
        with unit_of_work(write=False) as session:
            return [self._with_form(row) for row in self.latest_rows(session)]

    def get_definition_with_form(self, key: str, version: int | None = None) -> DefinitionInfo:
        """One version (default: the latest) with its start form.

        Raises:
            NotFound: no such process or version.
        """
        with unit_of_work(write=False) as session:
            return self._with_form(self.find_row(session, key, version))

    def _with_form(self, row: ProcessDefinition) -> DefinitionInfo:
        return replace(_info(row), start_form=self.model_for(row).start_form)

    def get_bpmn(self, key: str, version: int | None = None) -> str:
        with unit_of_work(write=False) as session:
            row = self.find_row(session, key, version)
            return row.files[row.bpmn_file]

    def find_row(
        self, session: sa.orm.Session, key: str, version: int | None
    ) -> ProcessDefinition:
        if version is None:
            row = self._latest(session, key)
        else:
            row = session.scalars(
                sa.select(ProcessDefinition).where(
                    ProcessDefinition.key == key, ProcessDefinition.version == version
                )
            ).first()
        if row is None:
            raise NotFound(f"Prozess '{key}' (Version {version or 'aktuell'}) ist nicht bereitgestellt.")
        return row

    def latest_head(self, session: sa.orm.Session, key: str) -> Any:
        """The latest version's id, key, version, hash and starter groups, without the ORM (hot path).

        Raises:
            NotFound: no such process.
        """
        row = session.connection().execute(_LATEST_HEAD, {"key": key}).first()
        if row is None:
            raise NotFound(f"Prozess '{key}' ist nicht bereitgestellt.")
        return row

    def form_fields(self, key: str, version: int | None = None) -> list[FormField]:
        """Every form field of a version, task forms first and the start form last, so that its labels
        win: what a case page needs to label the case's data.

        Raises:
            NotFound: no such process or version.
        """
        with unit_of_work(write=False) as session:
            model = self.model_for(self.find_row(session, key, version))
        fields = [f for meta in model.user_tasks.values() for f in meta.form.fields]
        return fields + list(model.start_form.fields)

    def presentation(self, key: str, version: int | None = None) -> CasePresentation:
        """What a case page shows of a version: the process's declared facts and its element names.

        Raises:
            NotFound: no such process or version.
        """
        with unit_of_work(write=False) as session:
            model = self.model_for(self.find_row(session, key, version))
        return CasePresentation(model.facts, dict(model.element_names), model.options)

    def model_for(self, definition: ProcessDefinition) -> ProcessModel:
        session = sa.orm.object_session(definition) or db.session()
        return self.cache.get(session, definition.id, definition.content_hash, definition.key)

    def definition_by_id(self, session: sa.orm.Session, definition_id: int) -> ProcessDefinition:
        row = session.get(ProcessDefinition, definition_id)
        if row is None:
            raise NotFound("Prozessdefinition fehlt.")
        return row


def _main_file(model: ProcessModel) -> str:
    for name, data in model.files.items():
        if name.lower().endswith(".bpmn") and f'id="{model.key}"'.encode() in data:
            return name
    return next(iter(model.files))


def _info(row: ProcessDefinition) -> DefinitionInfo:
    return DefinitionInfo(
        id=row.id,
        key=row.key,
        name=row.name,
        version=row.version,
        deployed_at=row.deployed_at,
        deployed_by=row.deployed_by,
        content_hash=row.content_hash,
        starter_groups=tuple(row.starter_groups or ()),
        warnings=tuple(row.warnings or ()),
    )
