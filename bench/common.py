"""Shared set-up for the benchmarks: a fresh database (SQLite file, or PostgreSQL from the env)."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def database_urls() -> list[tuple[str, str]]:
    """SQLite always; PostgreSQL too when FALLWERK_BENCH_POSTGRES_URL or FALLWERK_TEST_POSTGRES_URL is set."""
    folder = Path(tempfile.mkdtemp(prefix="fallwerk-bench-"))
    urls = [("sqlite", f"sqlite:///{folder / 'bench.db'}")]
    pg = os.environ.get("FALLWERK_BENCH_POSTGRES_URL") or os.environ.get("FALLWERK_TEST_POSTGRES_URL")
    if pg:
        urls.append(("postgresql", pg))
    return urls


def fresh_app(url: str, **config: Any) -> Any:
    """An app on an empty, migrated database with the roles and the demo world."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "DEPLOY_ON_STARTUP": False, **config})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["setup", "--demo"])
    if result.exit_code != 0:
        raise SystemExit(f"setup failed: {result.output} {result.exception!r}")
    return app


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> str:
    return (f"median={statistics.median(values) * 1000:.2f} ms  "
            f"p95={percentile(values, 0.95) * 1000:.2f} ms  max={max(values) * 1000:.2f} ms")
