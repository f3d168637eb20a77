"""The database's own time for each search of bench/search.py: EXPLAIN ANALYZE of every statement a
search runs, summed (planning + execution). Less noisy than the wall clock on a loaded machine.

Usage: python bench/search_plans.py POSTGRES_URL [--rounds 5]
Reads a database that ``FALLWERK_BENCH_POSTGRES_URL=... python bench/search.py`` filled (nothing is
written). Prints median and maximum per kind of query and user.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import QUERIES  # noqa: E402


def statements(casework: Any, engine: sa.Engine, actor: Any, q: str) -> list[tuple[str, Any]]:
    """The statements (with their parameters) one search runs."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        casework.runtime.list(actor=actor, q=q, per_page=50)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def database_ms(engine: sa.Engine, seen: list[tuple[str, Any]]) -> float:
    total = 0.0
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in seen:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += plan[0]["Planning Time"] + plan[0]["Execution Time"]
        conn.rollback()
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from webapp import create_app

    app = create_app({"DATABASE_URL": args.url, "DEPLOY_ON_STARTUP": False})
    with app.app_context():
        casework = app.extensions["casework"]
        engine = app.extensions["sqlalchemy"].engine
        for who in ("mitarbeiterin", "admin"):
            with engine.begin() as conn:
                user_id = conn.execute(sa.text("SELECT id FROM users WHERE username = :u"), {"u": who}).scalar_one()
            actor = casework.directory.actor(user_id)
            for kind, queries in QUERIES.items():
                times = [database_ms(engine, statements(casework, engine, actor, q))
                         for _ in range(args.rounds) for q in queries]
                print(f"{who:13s} {kind:15s} database median={statistics.median(times):.2f} ms  max={max(times):.2f} ms")


if __name__ == "__main__":
    main()
