"""Issue 11 §6: mail is delivered at least once; a worker killed mid-send resends with the same Message-ID.

Exactly once is impossible across the SMTP hand-over: the worker is killed (SIGKILL) after the
server has taken the mail and before the server's "250 OK" reaches it. Its row stays claimed;
when the lease ends another worker sends it again. The receiver sees two copies with one
Message-ID, by which it can drop the second (README, "Reminders and e-mail").
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import sqlalchemy as sa

from casework.mail.outbox import MailContent, Recipient, queue_mail
from casework.unit_of_work import unit_of_work
from models import OutboxMail, db
from tests.conftest import PROJECT_ROOT
from tests.mail.conftest import Collector, SmtpServer


class KillingCollector(Collector):
    """Keeps the message, then kills the sender before answering: the crash window of at-least-once."""

    def __init__(self) -> None:
        super().__init__()
        self.victim: subprocess.Popen[bytes] | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        answer = await super().handle_DATA(server, session, envelope)
        while self.victim is None:  # the test names the worker right after starting it
            await asyncio.sleep(0.01)
        if not self.killed.is_set():
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait(timeout=30)
            self.killed.set()
        return answer


def test_a_mail_worker_killed_mid_send_resends_once_with_the_same_message_id(app, casework, clock, tmp_path):
    server = SmtpServer()
    server.collector = KillingCollector()
    server.start()
    old = casework.outbox.configure(host="127.0.0.1", port=server.port, tls="none", username="", timeout=5.0,
                                    sender="fallwerk@jobcenter-musterkreis.example")
    try:
        with unit_of_work() as session:
            queue_mail(session, [Recipient(None, "gf@musterkreis.example")],
                       MailContent("Erinnerung", "Text", "<p>Text</p>"), now=clock.now())
        log = tmp_path / "killed_mailer.log"
        with log.open("w") as output:
            child = subprocess.Popen(  # noqa: S603 - our own test script
                [sys.executable, "-m", "tests.safety.killed_mailer", app.config["SQLALCHEMY_DATABASE_URI"],
                 clock.now().isoformat(), str(server.port)],
                cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT,
                env={**os.environ, "FALLWERK_SCHEDULER_ENABLED": "false"})
            server.collector.victim = child
            assert server.collector.killed.wait(timeout=60), log.read_text()
        assert child.returncode == -signal.SIGKILL and "finished" not in log.read_text()
        (row,) = db.session.scalars(sa.select(OutboxMail)).all()
        assert (row.status, row.claimed_by is not None) == ("queued", True)  # sent, but not marked
        db.session.remove()
        assert casework.outbox.deliver_due().sent == 0  # the dead worker's lease still holds
        clock.advance(seconds=casework.outbox.settings.lease_seconds + 1)
        assert casework.outbox.deliver_due().sent == 1
        first, second = server.messages
        assert first["Message-ID"] == second["Message-ID"] and first["Message-ID"].startswith("<outbox-")
        (row,) = db.session.scalars(sa.select(OutboxMail)).all()
        assert row.status == "sent"
        db.session.remove()
        assert casework.outbox.deliver_due().sent == 0  # and never a third time
    finally:
        casework.outbox.settings = old
        server.stop()

