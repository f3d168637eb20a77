"""Inbox query latency with 100,000 open and 1,000,000 completed tasks across 1,000 users and 50 groups
(a tenth of the open tasks also offered to one to three named users, camunda:candidateUsers).

Usage: python bench/inbox.py [--open 100000] [--completed 1000000] [--samples 300]
Prints median and p95 of the "my tasks" and "group tasks" queries (TaskService.list, first page
plus total count, exactly what the inbox page runs), on SQLite and, when a PostgreSQL URL is set
(FALLWERK_BENCH_POSTGRES_URL), on PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_urls, fresh_app, summary  # noqa: E402

USERS, GROUPS, ORGS, INSTANCES = 1000, 50, 20, 20000
BATCH = 20000


def fill(conn: sa.Connection, open_tasks: int, completed: int) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
    """Bulk-insert organisations, groups, users, memberships, instances and tasks; returns user ids
    and each user's (group, organisation) memberships."""
    rnd = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    def_id = conn.execute(sa.text("SELECT id FROM process_definitions ORDER BY id LIMIT 1")).scalar_one()
    org_ids = []
    for i in range(ORGS):
        conn.execute(sa.text("INSERT INTO organisations (slug, name, kind, land) VALUES (:s, :n, 'ge', 'NW')"),
                     {"s": f"bench-org-{i}", "n": f"Bench-Organisation {i}"})
        org_ids.append(conn.execute(sa.text("SELECT id FROM organisations WHERE slug=:s"), {"s": f"bench-org-{i}"}).scalar_one())
    group_ids = []
    for i in range(GROUPS):
        conn.execute(sa.text("INSERT INTO groups (name, label) VALUES (:n, :n)"), {"n": f"bench_group_{i}"})
        group_ids.append(conn.execute(sa.text("SELECT id FROM groups WHERE name=:n"), {"n": f"bench_group_{i}"}).scalar_one())
    conn.execute(sa.text("INSERT INTO users (username, display_name, password_hash, active, organisation_id, created_at) "
                         "VALUES (:u, :u, 'x', true, :o, :t)"),
                 [{"u": f"bench_user_{i}", "o": org_ids[i % ORGS], "t": now} for i in range(USERS)])
    user_ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM users WHERE username LIKE 'bench_user_%' ORDER BY id"))]
    memberships: dict[int, list[tuple[int, int]]] = {}
    rows = []
    for n, uid in enumerate(user_ids):
        pairs = {(rnd.choice(group_ids), org_ids[n % ORGS]) for _ in range(rnd.choice((1, 2, 3)))}
        memberships[uid] = sorted(pairs)
        rows += [{"u": uid, "g": g, "o": o} for g, o in pairs]
    conn.execute(sa.text("INSERT INTO memberships (user_id, group_id, organisation_id) VALUES (:u, :g, :o)"), rows)
    instance_ids = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(INSTANCES)]
    conn.execute(sa.text(
        "INSERT INTO process_instances (id, definition_id, process_key, definition_version, organisation_id, status, "
        "state, serializer_version, lock_version, variables, parties, started_at, updated_at) "
        "VALUES (:id, :d, 'assignment_termination', 1, :o, 'running', '{}', 'bench', 1, '{}', '[]', :t, :t)"),
        [{"id": iid, "d": def_id, "o": org_ids[i % ORGS], "t": now} for i, iid in enumerate(instance_ids)])

    def tasks(count: int, state: str) -> None:
        for start in range(0, count, BATCH):
            task_rows, cand_rows, user_rows = [], [], []
            for _ in range(min(BATCH, count - start)):
                tid = str(uuid.UUID(int=rnd.getrandbits(128)))
                inst = rnd.randrange(INSTANCES)
                assigned = state != "open" or rnd.random() < 0.5
                task_rows.append({
                    "id": tid, "i": instance_ids[inst], "s": state,
                    "a": rnd.choice(user_ids) if assigned else None,
                    "due": now + timedelta(hours=rnd.randrange(-200, 2000)), "p": rnd.choice((25, 50, 75)),
                    "t": now, "c": now if state != "open" else None,
                    "cb": rnd.choice(user_ids) if state != "open" else None,
                })
                if state == "open":
                    cand_rows.append({"t": tid, "g": rnd.choice(group_ids), "o": org_ids[inst % ORGS],
                                      "due": task_rows[-1]["due"], "p": task_rows[-1]["p"]})
                    if rnd.random() < 0.1:  # also offered to one to three named users (camunda:candidateUsers)
                        user_rows += [{"t": tid, "u": u, "due": task_rows[-1]["due"], "p": task_rows[-1]["p"]}
                                      for u in rnd.sample(user_ids, rnd.choice((1, 2, 3)))]
            conn.execute(sa.text(
                "INSERT INTO human_tasks (id, instance_id, bpmn_id, title, process_key, state, candidate_groups, "
                "assignee_id, due_at, priority, created_at, completed_at, completed_by_id) VALUES "
                "(:id, :i, 'review_request', 'Antrag prüfen', 'assignment_termination', :s, '[]', :a, :due, :p, :t, :c, :cb)"),
                task_rows)
            if cand_rows:
                conn.execute(sa.text("INSERT INTO task_candidates (task_id, group_id, organisation_id, due_at, priority) "
                                     "VALUES (:t, :g, :o, :due, :p)"), cand_rows)
            if user_rows:
                conn.execute(sa.text("INSERT INTO task_candidate_users (task_id, user_id, due_at, priority) "
                                     "VALUES (:t, :u, :due, :p)"), user_rows)

    tasks(open_tasks, "open")
    tasks(completed, "completed")
    return user_ids, memberships


def run(name: str, url: str, args: argparse.Namespace) -> None:
    from models import db

    app = fresh_app(url)
    with app.app_context():
        casework = app.extensions["casework"]
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            user_ids, _ = fill(conn, args.open, args.completed)
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text("ANALYZE"))
            else:
                conn.execute(sa.text("ANALYZE"))
        print(f"[{name}] filled {args.open:,} open + {args.completed:,} completed tasks in {time.perf_counter() - t0:.1f} s")
        rnd = random.Random(11)
        sample = rnd.sample(user_ids, min(args.samples, len(user_ids)))
        actors = [casework.directory.actor(uid) for uid in sample]
        for scope, label in (("mine", "my tasks"), ("candidate", "group tasks")):
            times, sizes = [], []
            for actor in actors:
                t = time.perf_counter()
                page = casework.tasks.list(actor=actor, scope=scope, per_page=50)
                times.append(time.perf_counter() - t)
                sizes.append(page.total)
            print(f"[{name}] {label:11s} {summary(times)}  (avg {sum(sizes) / len(sizes):.0f} matching tasks per user)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--completed", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    for name, url in database_urls():
        run(name, url, args)


if __name__ == "__main__":
    main()
