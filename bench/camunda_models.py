"""How many models written elsewhere Fallwerk takes as they are: deploy, start, run to the end.

Usage: python bench/camunda_models.py FOLDER [FOLDER ...] [--git-dir DIR] [--verbose]
- FOLDER: a directory searched for *.bpmn (recursively), or with --git-dir a path prefix inside that
  git repository's HEAD (e.g. the mirrors of camunda/camunda-bpm-examples, whose 54 models are
  spread over the tree, and bpmn-miwg/bpmn-miwg-test-suite's Reference/ folder).
- deploy: each BPMN file as it is, together with the DMN files of its own folder (what a Camunda
  deployment of that folder holds), by the system, on a fresh SQLite database with the demo world.
- start: each deployed process, by `admin` (a message start: by POST /messages' path, the message).
- run to the end: open tasks are done by a demo user who may (their assignee, else a member of a
  candidate group), with a value for every form field; external tasks by the demo worker; timers by
  moving the clock a day at a time; at most 60 rounds, and at most BUDGET seconds per model (a cycle
  of a few seconds, such as Camunda's order-handling example's start timer `0/5 0/1 * 1/1 * ?`, fires
  17,280 times a day: such a case is reported as still running when its time is up).
Prints one line per model (with --verbose, the first reason when a stage fails) and the counts.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_app  # noqa: E402

ROUNDS = 60
BUDGET = 120


class _OverBudget(BaseException):
    """The model's time is up (a BaseException: the engine records Exceptions as case failures)."""


def _over_budget(*_: Any) -> None:
    raise _OverBudget()
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _models(folders: list[str], git_dir: str | None) -> list[tuple[str, dict[str, bytes]]]:
    """(name, files) per BPMN file: the file and the DMN files beside it."""
    if git_dir:
        listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", "HEAD"],  # noqa: S603,S607
                                 capture_output=True, text=True, check=True).stdout.split()

        def read(path: str) -> bytes:
            return subprocess.run(["git", "--git-dir", git_dir, "show", f"HEAD:{path}"],  # noqa: S603,S607
                                  capture_output=True, check=True).stdout
        paths = [p for p in listing if any(p.startswith(f.rstrip("/") + "/") or f in (".", "") for f in folders)]
    else:
        paths = [str(p) for f in folders for p in sorted(Path(f).rglob("*")) if p.is_file()]

        def read(path: str) -> bytes:
            return Path(path).read_bytes()
    models = []
    for path in sorted(p for p in paths if p.endswith(".bpmn")):
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        dmn = {p.rsplit("/", 1)[-1]: read(p) for p in paths if p.endswith(".dmn") and p.rsplit("/", 1)[0] == folder}
        models.append((path, {path.rsplit("/", 1)[-1]: read(path), **dmn}))
    return models


def _value(field: Any) -> Any:
    kind = field.type
    if field.options:
        return field.options[0].value
    return {"boolean": True, "integer": 1, "number": 1, "date": "2026-12-01", "user": "gf"}.get(kind, "x")


def _member(session: Any, groups: tuple[str, ...]) -> str | None:
    import sqlalchemy as sa

    from models import Group, Membership, User

    row = session.execute(sa.select(User.username).join(Membership, Membership.user_id == User.id)
                          .join(Group, Group.id == Membership.group_id).where(Group.name.in_(groups))
                          .order_by(User.username).limit(1)).first()
    return row[0] if row else None


def _do_task(cw: Any, task: Any, actor: Any) -> None:
    from models import db

    username = task.assignee or _member(db.session, tuple(task.candidate_groups))
    if username is None:
        raise RuntimeError(f"nobody may do '{task.name}' (groups {list(task.candidate_groups)})")
    worker = actor(username)
    if task.assignee is None:
        cw.tasks.assign(task.id, actor=actor("admin"), username=username)
    full = cw.tasks.get(task.id, actor=worker)
    data = {f.name: _value(f) for f in (full.form.fields if full.form else ()) if not f.readonly}
    cw.tasks.complete(task.id, actor=worker, data=data)


def _work_external(cw: Any, actor: Any) -> int:
    worker = actor("dienst.worker")
    rows = cw.external_tasks.fetch_and_lock(actor=worker, worker_id="bench", max_tasks=100,
                                            topics=[{"topic": t, "lock_duration_ms": 60_000}
                                                    for t in _open_topics()])
    for row in rows:
        cw.external_tasks.complete(row.id, actor=worker, worker_id="bench", variables={})
    return len(rows)


def _open_topics() -> list[str]:
    import sqlalchemy as sa

    from models import ExternalTask, db

    topics = sorted(set(db.session.scalars(sa.select(ExternalTask.topic))))
    db.session.commit()
    return topics or ["-"]


def _run(cw: Any, case_id: str, actor: Any, clock: Any) -> str:
    admin = actor("admin")
    for _ in range(ROUNDS):
        case = cw.runtime.get(case_id, actor=admin)
        if case.status == "error":
            return f"error at {case.error_element}: {case.error_message}"
        if case.status != "running":
            return case.status
        if case.open_tasks:
            _do_task(cw, case.open_tasks[0], actor)
        elif not _work_external(cw, actor):
            clock.set(clock.now() + timedelta(days=1))
            cw.management.fire_due()
    return "running"


def _start(cw: Any, info: Any, actor: Any) -> str:
    model = cw.repository.get_definition(info.key)
    del model
    admin = actor("admin")
    try:
        return str(cw.runtime.start(info.key, actor=admin).id)
    except Exception as exc:
        from casework.errors import ValidationFailed

        if not isinstance(exc, ValidationFailed):
            raise
    from models import db

    definition = cw.repository.latest_head(db.session, info.key)
    db.session.commit()
    parsed = cw.repository.cache.get(db.session, definition.id, definition.content_hash, info.key)
    (message, *_rest) = parsed.message_starts
    return str(cw.runtime.correlate_message(message, None, {}, actor=admin)[0])


def measure(models: list[tuple[str, dict[str, bytes]]], verbose: bool) -> Counter[str]:
    from casework.clock import FrozenClock
    from casework.records import Actor

    clock = FrozenClock(START)
    app = fresh_app(f"sqlite:///{tempfile.mkdtemp(prefix='fallwerk-models-')}/models.db", CLOCK=clock, TESTING=True)
    counts: Counter[str] = Counter(models=len(models))
    with app.app_context():
        cw = app.extensions["casework"]

        def actor(username: str) -> Actor:
            import sqlalchemy as sa

            from models import User, db

            user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
            db.session.commit()
            return cw.directory.actor(user_id)

        for name, files in models:
            counts.update(_one(cw, name, files, actor, clock, verbose))
    return counts


def _one(cw: Any, name: str, files: dict[str, bytes], actor: Any, clock: Any, verbose: bool) -> list[str]:
    from casework.errors import DefinitionInvalid

    clock.set(START)
    try:
        deployed = [info for info, _created in cw.repository.deploy(files, actor=None)]
    except DefinitionInvalid as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        first = errors[0] if errors else exc.problems[0]
        print(f"{name}: refused ({len(errors)} errors)" + (f" – {first.element_id}: {first.message}" if verbose else ""))
        return []
    if not deployed:
        print(f"{name}: deployed nothing (no executable process)")
        return []
    stages = ["deployed"]
    signal.signal(signal.SIGALRM, _over_budget)
    signal.alarm(BUDGET)
    try:
        case_id = _start(cw, deployed[0], actor)
        stages.append("started")
        status = _run(cw, case_id, actor, clock)
    except _OverBudget:
        _rollback()
        status = f"running (after {BUDGET} s, the time budget)"
    except Exception as exc:  # noqa: BLE001 - a measurement records why a model stops, it does not stop
        print(f"{name}: deployed, {'started, ' if len(stages) > 1 else ''}stopped: {type(exc).__name__}: {exc}"[:300])
        return stages
    finally:
        signal.alarm(0)
    if status == "completed":
        stages.append("completed")
    print(f"{name}: {', '.join(stages)}; case {status}")
    return stages


def _rollback() -> None:
    from models import db

    db.session.rollback()
    db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--git-dir")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    counts = measure(_models(args.folders, args.git_dir), args.verbose)
    print(f"models={counts['models']} deployed={counts['deployed']} started={counts['started']} "
          f"completed={counts['completed']}")


if __name__ == "__main__":
    main()
