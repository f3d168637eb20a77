"""Full-text case search latency with 100,000 cases (issue 13 §3; goal: p95 < 50 ms).

Usage: python bench/search.py [--cases 100000] [--samples 200] [--only sqlite|postgresql]
Fills the case table and its search text in bulk (names, Aktenzeichen, subjects, folded as the step
listener folds them), then times exactly what the case list runs for ``?q=``: RuntimeService.list
with the visibility rule of a case worker (who sees every case of her Jobcenter: the largest visible
set) and of an admin, first page plus the total. Prints median and p95 per kind of query, on SQLite
and, when a PostgreSQL URL is set (FALLWERK_BENCH_POSTGRES_URL), on PostgreSQL.
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
from casework.cases.search import fold  # noqa: E402

FIRST = ["Sabine", "Karl", "Jürgen", "Petra", "Özlem", "Hans", "Grete", "Ali", "Marie", "Lukas", "Anna", "Björn"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
        "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
        "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann"]
SUBJECTS = ["Beendigung der Zuweisung", "Pflege eines Angehörigen", "Umorganisation", "Weisung zur Förderung",
            "Berufung in den Beirat", "Bestellung der Geschäftsführung", "Zulassung als kommunaler Träger"]
QUERIES = {
    "surname": ["Müller", "schmidt", "Schroeder", "krüger", "Zimmermann"],
    "part of a word": ["mmerma", "chröd", "eumann", "offman"],
    "file reference": ["JC-2026-004", "ZW-2025-0099", "0123"],
    "two words": ["Sabine Müller", "Hans Weber", "Marie Koch"],
    "no hit": ["Quastenflosser", "xyzzy"],
    # the process's name: every case matches, the total stops at 1,000 ("mehr als 1.000 Treffer")
    "every case": ["Beendigung", "zuweisung"],
}
BATCH = 10000


def fill(conn: sa.Connection, cases: int, org_ids: list[int]) -> None:
    rnd = random.Random(11)
    now = datetime.now(UTC).replace(tzinfo=None)
    def_id, key = conn.execute(sa.text(
        "SELECT id, key FROM process_definitions WHERE key = 'assignment_termination' ORDER BY id LIMIT 1")).one()
    for start in range(0, cases, BATCH):
        rows, texts = [], []
        for n in range(start, min(cases, start + BATCH)):
            iid = str(uuid.UUID(int=rnd.getrandbits(128)))
            business_key = f"{rnd.choice(('JC', 'ZW'))}-{rnd.choice((2025, 2026))}-{n:05d}"
            # one case every five minutes, the newest last: a year of a large Jobcenter
            started = now - timedelta(minutes=5 * (cases - n))
            org = org_ids[n % len(org_ids)]
            rows.append({"id": iid, "d": def_id, "k": key, "o": org, "t": started, "b": business_key})
            person = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            texts.append({"i": iid, "o": org, "t": started,
                          "b": fold(f"{business_key}\nBeendigung einer Zuweisung\n{person}\n{rnd.choice(SUBJECTS)}")})
        conn.execute(sa.text(
            "INSERT INTO process_instances (id, definition_id, process_key, definition_version, business_key, "
            "organisation_id, status, state, serializer_version, lock_version, variables, parties, started_at, "
            "updated_at, visibility) VALUES (:id, :d, :k, 1, :b, :o, 'running', '{}', 'bench', 1, '{}', '[]', :t, :t, "
            "'organisation')"), rows)
        # the copies the step listener writes beside the text (casework.cases.search)
        conn.execute(sa.text(
            "INSERT INTO case_search (instance_id, body, organisation_id, visibility, started_at) "
            "VALUES (:i, :b, :o, 'organisation', :t)"), texts)


def measure(casework: object, actor: object, samples: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    for round_ in range(samples):
        for kind, queries in QUERIES.items():
            q = queries[round_ % len(queries)]
            began = time.perf_counter()
            casework.runtime.list(actor=actor, q=q, per_page=50)  # type: ignore[attr-defined]
            timings[kind].append(time.perf_counter() - began)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database of the two")
    args = parser.parse_args()
    for name, url in database_urls():
        if args.only and name != args.only:
            continue
        app = fresh_app(url)
        with app.app_context():
            casework = app.extensions["casework"]
            engine = app.extensions["sqlalchemy"].engine
            with engine.begin() as conn:
                orgs = [r[0] for r in conn.execute(sa.text("SELECT id FROM organisations ORDER BY id"))]
            began = time.perf_counter()
            with engine.begin() as conn:
                fill(conn, args.cases, orgs[:2])
            if name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(sa.text("ANALYZE"))
            print(f"{name}: {args.cases:,} cases filled in {time.perf_counter() - began:.1f} s")
            for who in ("mitarbeiterin", "admin"):
                with engine.begin() as conn:
                    user_id = conn.execute(sa.text("SELECT id FROM users WHERE username = :u"), {"u": who}).scalar_one()
                actor = casework.directory.actor(user_id)
                for kind, values in measure(casework, actor, args.samples // 5).items():
                    print(f"{name:10s} {who:13s} {kind:15s} {summary(values)}")


if __name__ == "__main__":
    main()
