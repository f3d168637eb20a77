"""Run as a process by test_mail_after_kill.py: a mail worker that is killed (SIGKILL) by the test
while the SMTP server holds its mail, after the server took it and before "250 OK" arrives.

Usage: python -m tests.safety.killed_mailer DATABASE_URI ISO_NOW SMTP_PORT
"""

from __future__ import annotations

import sys
from datetime import datetime

from casework.clock import FrozenClock
from webapp import create_app


def main() -> None:
    url, now, port = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])
    app = create_app({"DATABASE_URL": url, "CLOCK": FrozenClock(now)})
    with app.app_context():
        outbox = app.extensions["casework"].outbox
        outbox.configure(host="127.0.0.1", port=port, tls="none", username="", timeout=30.0,
                         sender="fallwerk@jobcenter-musterkreis.example")
        print("ready", flush=True)
        outbox.deliver_due(worker="doomed")
    print("finished", flush=True)  # the test kills it before


if __name__ == "__main__":
    main()
