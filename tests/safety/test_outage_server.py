"""Issue 11 §5, proven on a real server process: bench/outage.py against the suite's database.

On PostgreSQL the server reaches the database through a relay that the script cuts and restores
mid-run (signed-in browser and token first); on SQLite the database file's folder is missing while
"down" and set up for "up". Either way: no 500, every 503 carries Retry-After, the same server
answers 200 again without a restart, and its scheduler logged one line each way and no traceback.
"""

from __future__ import annotations

from typing import Any

from bench.outage import run


def test_a_real_server_never_answers_500_while_its_database_is_gone(app: Any, tmp_path: Any) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        report = run(url.replace("postgresql+psycopg://", "postgresql://", 1), requests=65)
        expected_503 = 65 - 5  # all but the five requests a round sends to pages without a database
    else:  # nobody can sign in before the database exists: pages redirect, API calls without a token 401
        folder = tmp_path / "missing"
        report = run(f"sqlite:///{folder / 'fallwerk.db'}", requests=65, sqlite_folder=folder)
        expected_503 = 10  # the token requests and /healthz of each round
    down: dict[int, int] = report["down"]  # type: ignore[assignment]
    up: dict[int, int] = report["up"]  # type: ignore[assignment]
    assert down.get(500, 0) == 0 and up.get(500, 0) == 0, report
    assert down.get(503, 0) >= expected_503 and down.get(-1, 0) == 0, report
    assert 0 <= float(report["recovered_after_s"]) < 10, report  # type: ignore[arg-type]
    assert {s for s in up if s > 0} <= {200, 201, 302, 404, 422}, report
    assert report["scheduler_down_lines"] == 1 and report["scheduler_back_lines"] == 1, report
    assert report["tracebacks"] == 0, report
