"""Run as a process by test_scheduler.py: a scheduler that claims due probe timers, fires them
slowly, and is killed (SIGKILL) by the test in the middle of its pass.

Usage: python -m tests.timers.killed_scheduler DATABASE_URI ISO_NOW
"""

from __future__ import annotations

import sys
from datetime import datetime

from casework.clock import FrozenClock
from tests.timers.probe import PROBE, make_handler
from webapp import create_app


def main() -> None:
    url, now = sys.argv[1], datetime.fromisoformat(sys.argv[2])
    app = create_app({"DATABASE_URL": url, "CLOCK": FrozenClock(now)})
    with app.app_context():
        management = app.extensions["casework"].management
        management.worker = "doomed"
        management.register_timer_handler(PROBE, make_handler(delay=0.004))
        print("ready", flush=True)
        management.fire_due(limit=100_000)
    print("finished", flush=True)  # the test kills it before


if __name__ == "__main__":
    main()
