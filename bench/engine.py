"""Instances per second for start -> complete of `assignment_termination`, durable vs raw.

Usage: python bench/engine.py [--instances 300] [--repeat 3] [--profile]
- raw: SpiffWorkflow alone, in memory, same diagram and path (start, review_request with
  no objection, record_termination), with its default script engine and our helpers.
- durable: the same path through the service layer (RuntimeService.start, TaskService.complete
  twice): three transactions per instance, each loading, validating, stepping, syncing task rows,
  writing history and the state. On SQLite, and on PostgreSQL when its URL is set
  (FALLWERK_BENCH_POSTGRES_URL or FALLWERK_TEST_POSTGRES_URL).
Each line also gives CPU time per instance (time.process_time: what the process itself spent, far
less disturbed by other load on a shared machine than the wall clock) and, for the durable path,
SQL statements per instance (CPU: the least of the repeats). The last lines are the ratios durable(SQLite) / raw, by wall clock
(ratio=) and by CPU time (cpu_ratio=).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, database_urls, fresh_app  # noqa: E402

START_DATA = {
    "initiator": "employee",
    "employee_name": "Erika Beispiel",
    "employer": "ba",
    "reason": "Pflege eines Angehörigen",
    "requested_end_date": "2027-01-31",
}


def raw_rate(instances: int) -> tuple[float, float]:
    """SpiffWorkflow alone: parse once, run every instance fully in memory."""
    from SpiffWorkflow import TaskState
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

    from casework.clock import Clock
    from casework.engine import load_model
    from casework.helpers import build_helpers

    path = ROOT / "workflows" / "assignment_termination.bpmn"
    model = load_model("assignment_termination", {path.name: path.read_bytes()})
    script_engine = PythonScriptEngine(environment=TaskDataEnvironment(build_helpers(Clock())))
    answers = {"review_request": {"decision": "no_objection"}, "record_termination": {"end_date": "2027-01-31"}}
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(instances):
        wf = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=script_engine)
        wf.task_tree.data.update(START_DATA, started_by="mitarbeiterin", land="NW")
        wf.do_engine_steps()
        while not wf.is_completed():
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            task.data.update(answers[task.task_spec.bpmn_id])
            task.run()
            wf.do_engine_steps()
        assert wf.data["outcome"] == "terminated"
    return instances / (time.perf_counter() - t0), (time.process_time() - c0) / instances


def durable_rate(app, instances: int, profile: bool = False) -> tuple[float, float, float]:
    """The same path through the services, three transactions per instance: instances/s, CPU
    seconds per instance and SQL statements per instance."""
    import sqlalchemy as sa

    from casework.cases.direct import Direct
    from casework.records import Actor

    with app.app_context():
        casework = app.extensions["casework"]
        from models import User, db

        def who(name: str) -> Actor:
            return casework.directory.actor(db.session.query(User.id).filter_by(username=name).scalar())

        employee, gf, hr = who("mitarbeiterin"), who("gf"), who("personal.ba")
        # warm-up: spec cache, statement cache, connection pool
        run_one(casework, employee, gf, hr)
        statements = [0]

        def count(*_args: object) -> None:
            statements[0] += 1

        sa.event.listen(db.engine, "before_cursor_execute", count)
        direct = Direct.executed
        run_one(casework, employee, gf, hr)  # counted apart, so the listener costs the timing nothing
        sa.event.remove(db.engine, "before_cursor_execute", count)
        statements[0] += Direct.executed - direct  # the step's row writes skip SQLAlchemy's events
        gc.collect()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(instances):
            run_one(casework, employee, gf, hr)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        if profiler:
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("tottime")
            stats.print_stats(35)
        db.session.remove()
    return instances / elapsed, cpu / instances, statements[0]


def run_one(casework, employee, gf, hr) -> None:
    case = casework.runtime.start("assignment_termination", actor=employee, variables=START_DATA)
    (review,) = case.open_tasks
    case = casework.tasks.complete(review.id, actor=gf, data={"decision": "no_objection"})
    (record,) = case.open_tasks
    case = casework.tasks.complete(record.id, actor=hr, data={"end_date": "2027-01-31"})
    assert case.outcome == "terminated", case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one durable SQLite run")
    args = parser.parse_args()

    raws = [raw_rate(args.instances * 3) for _ in range(args.repeat)]
    raw, raw_cpu = statistics.median(r[0] for r in raws), min(r[1] for r in raws)
    print(f"raw SpiffWorkflow in memory: {raw:8.1f} instances/s  (CPU {raw_cpu * 1000:.2f} ms per instance)")
    ratio = cpu_ratio = None
    for name, url in database_urls():
        app = fresh_app(url)
        runs = [durable_rate(app, args.instances, profile=args.profile and i == 0 and name == "sqlite")
                for i in range(args.repeat)]
        rate, cpu = statistics.median(r[0] for r in runs), min(r[1] for r in runs)
        print(f"durable via services ({name}): {rate:8.1f} instances/s  "
              f"({1000 / rate:.2f} ms per instance, 3 transactions; CPU {cpu * 1000:.2f} ms, "
              f"{runs[0][2]} SQL statements per instance)")
        with app.app_context():
            from models import db
            db.engine.dispose()
        if name == "sqlite":
            ratio, cpu_ratio = rate / raw, raw_cpu / cpu
    print(f"ratio={ratio:.2f}")
    print(f"cpu_ratio={cpu_ratio:.2f}")


if __name__ == "__main__":
    main()
