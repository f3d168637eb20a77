"""The outbox: mails written with the step, delivered over real SMTP exactly once, retried while the
server is down, given up after the last attempt and requeued by an admin; daily digests."""

from __future__ import annotations

import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult, LoginPassword

from casework import Casework
from casework.errors import Forbidden, ValidationFailed
from casework.mail.compose import MailContent, Recipient, queue_mail
from casework.mail.outbox import OutboxService
from casework.unit_of_work import unit_of_work
from models import OutboxMail, db
from tests.factories import only_task, start_termination
from tests.mail.conftest import SmtpServer, body

EMPLOYEE = "mitarbeiterin@musterkreis.example"


def object_to_request(casework: Casework, actor: Any) -> Any:
    """Start an employee's request and let the GF object: the process notifies the employee."""
    case = start_termination(casework, actor("mitarbeiterin"), employee_name="Erika Beispiel")
    task = only_task(case, "review_request")
    casework.tasks.complete(task.id, actor=actor("gf"),
                           data={"decision": "objection", "objection_reason": "Personalmangel im Team"})
    return case


def mails(**where: Any) -> list[OutboxMail]:
    db.session.remove()
    return list(db.session.scalars(sa.select(OutboxMail).filter_by(**where).order_by(OutboxMail.id)))


def test_a_notification_is_queued_with_the_step_and_sent_once_in_german(casework, actor, smtp: SmtpServer):
    case = object_to_request(casework, actor)
    (row,) = mails(to_address=EMPLOYEE)
    assert row.status == "queued" and row.instance_id == case.id
    assert smtp.messages == []  # nothing leaves before the delivery job runs

    report = casework.outbox.deliver_due()
    assert (report.claimed, report.sent) == (1, 1)
    (message,) = smtp.to(EMPLOYEE)
    assert message["Subject"] == "Widerspruch gegen die Beendigung Ihrer Zuweisung"
    assert message["From"] == "fallwerk@jobcenter-musterkreis.example"
    assert message["Message-ID"] == f"<outbox-{row.id}@jobcenter-musterkreis.example>"
    text, html = body(message, "plain"), body(message, "html")
    assert "Personalmangel im Team" in text and "Die Zuweisung besteht fort." in text
    assert f"Fall öffnen: https://fallwerk.example/cases/{case.id}" in text
    assert "Aktenzeichen: ZW-2026-001" in text
    assert f'<a href="https://fallwerk.example/cases/{case.id}"' in html and 'lang="de"' in html

    assert casework.outbox.deliver_due().claimed == 0
    assert len(smtp.messages) == 1
    (row,) = mails(to_address=EMPLOYEE)
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, None)
    assert row.sent_at == casework.clock.now()


def test_while_the_server_is_down_mails_stay_queued_back_off_and_arrive_once(casework, actor, clock,
                                                                            smtp: SmtpServer):
    object_to_request(casework, actor)
    smtp.stop()
    start = clock.now()

    report = casework.outbox.deliver_due()
    assert (report.claimed, report.sent, report.retried) == (1, 0, 1)
    (row,) = mails(to_address=EMPLOYEE)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at == start + timedelta(seconds=60)
    assert "ConnectionRefusedError" in row.last_error

    assert casework.outbox.deliver_due().claimed == 0  # not due again before the back-off
    clock.advance(seconds=60)
    casework.outbox.deliver_due()
    (row,) = mails(to_address=EMPLOYEE)
    assert row.attempts == 2 and row.next_attempt_at == start + timedelta(seconds=60 + 120)

    smtp.start()
    clock.advance(seconds=119)
    assert casework.outbox.deliver_due().claimed == 0
    clock.advance(seconds=1)
    assert casework.outbox.deliver_due().sent == 1
    assert casework.outbox.deliver_due().claimed == 0
    clock.advance(hours=5)
    assert casework.outbox.deliver_due().claimed == 0
    assert len(smtp.to(EMPLOYEE)) == 1
    (row,) = mails(to_address=EMPLOYEE)
    assert (row.status, row.attempts) == ("sent", 3)


class _Crash(Exception):
    pass


class CrashingOutbox(OutboxService):
    """A worker whose process dies after the server accepted a mail, before the mark is committed."""

    def _mark_sent(self, mail_id: int, token: str) -> None:
        raise _Crash(mail_id)


def test_the_one_window_a_crash_between_send_and_mark_resends_with_the_same_message_id(
    casework, actor, clock, smtp: SmtpServer
):
    object_to_request(casework, actor)
    with pytest.raises(_Crash):
        CrashingOutbox(casework.clock, casework.outbox.settings).deliver_due()
    (first,) = smtp.messages
    (row,) = mails(to_address=EMPLOYEE)
    assert row.status == "queued" and row.claimed_by is not None  # the dead worker's lease

    assert casework.outbox.deliver_due().claimed == 0  # nobody takes it while the lease lasts
    clock.advance(seconds=casework.outbox.settings.lease_seconds + 1)
    assert casework.outbox.deliver_due().sent == 1
    second = smtp.messages[1]
    # the receiver can drop the copy: same Message-ID
    assert second["Message-ID"] == first["Message-ID"] == f"<outbox-{row.id}@jobcenter-musterkreis.example>"
    assert casework.outbox.deliver_due().claimed == 0
    assert len(smtp.messages) == 2


def test_the_back_off_is_capped(casework):
    settings = casework.outbox.settings
    waits = [settings.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits[:4] == [60, 120, 240, 480]
    assert max(waits) == settings.retry_max_seconds == 3600


def test_after_the_last_attempt_a_mail_fails_and_an_admin_requeues_it(casework, actor, clock, smtp: SmtpServer):
    casework.outbox.configure(max_attempts=3)
    object_to_request(casework, actor)
    smtp.stop()
    for _ in range(3):
        casework.outbox.deliver_due()
        clock.advance(hours=1)
    (row,) = mails(to_address=EMPLOYEE)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error
    assert casework.outbox.deliver_due().claimed == 0

    page = casework.outbox.list_mails(actor=actor("admin"), status="failed")
    assert [m.id for m in page.items] == [row.id] and page.items[0].last_error == row.last_error
    with pytest.raises(Forbidden):
        casework.outbox.requeue(row.id, actor=actor("gf"))
    with pytest.raises(Forbidden):
        casework.outbox.list_mails(actor=actor("gf"))
    casework.outbox.requeue(row.id, actor=actor("admin"))
    with pytest.raises(ValidationFailed):  # only failed mails: a queued one is left alone
        casework.outbox.requeue(row.id, actor=actor("admin"))

    smtp.start()
    assert casework.outbox.deliver_due().sent == 1
    assert len(smtp.to(EMPLOYEE)) == 1
    (row,) = mails(to_address=EMPLOYEE)
    assert row.status == "sent"


def test_a_refused_recipient_fails_at_once_without_holding_up_the_others(casework, clock, smtp: SmtpServer):
    content = MailContent("Betreff", "Text", "<p>Text</p>")
    with unit_of_work() as session:
        queue_mail(session, [Recipient(None, "niemand@example.test"), Recipient(None, "ok@example.test")], content,
                   now=clock.now())
    report = casework.outbox.deliver_due()
    assert (report.sent, report.failed) == (1, 1)
    assert [m["To"] for m in smtp.messages] == ["ok@example.test"]
    (failed,) = mails(status="failed")
    assert failed.to_address == "niemand@example.test" and failed.attempts == 1


def test_the_same_dedupe_key_is_queued_once(casework, clock):
    content = MailContent("Erinnerung", "Text", "<p>Text</p>")
    for _ in range(2):
        with unit_of_work() as session:
            inserted = queue_mail(session, [Recipient(7, "gf@musterkreis.example")], content, now=clock.now(),
                                  dedupe_key="reminder:task-1:before:2wd")
    assert inserted == 0
    assert len(mails(dedupe_key="reminder:task-1:before:2wd:7")) == 1


@pytest.mark.committed_db
@pytest.mark.slow
def test_two_workers_send_1000_mails_exactly_once(app, casework, clock, smtp: SmtpServer):
    content = MailContent("Massenversand", "Text", "<p>Text</p>")
    with unit_of_work() as session:
        queue_mail(session, [Recipient(None, f"person{i}@example.test") for i in range(1000)], content,
                   now=clock.now())
    errors: list[BaseException] = []
    sent: dict[str, int] = {}

    def work(name: str) -> None:
        try:
            with app.app_context():
                total = 0
                while True:
                    report = casework.outbox.deliver_due(50, worker=name)
                    total += report.sent
                    assert not report.errors, report.errors
                    if report.claimed == 0:
                        break
                sent[name] = total
                db.session.remove()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    started = datetime.now(UTC)
    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    assert not errors, errors
    received = smtp.messages
    ids = [m["Message-ID"] for m in received]
    assert len(received) == 1000 and len(set(ids)) == 1000
    assert sorted(m["To"] for m in received) == sorted(f"person{i}@example.test" for i in range(1000))
    assert sum(sent.values()) == 1000 and all(sent.values()), sent  # both workers took part
    assert len(mails(status="sent")) == 1000
    print(f"1000 mails, 2 workers: {elapsed:.1f} s ({1000 / elapsed:.0f} mails/s), split {sent}")


def test_digest_users_get_one_mail_a_day_at_their_hour(casework, actor, clock, smtp: SmtpServer):
    gf = actor("gf")
    try:
        casework.outbox.set_preferences(actor=gf, digest=True, digest_hour=7)
        with pytest.raises(ValidationFailed):
            casework.outbox.set_preferences(actor=gf, digest=True, digest_hour=24)
        clock.set(datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # 05:00 in Berlin
        for n in (1, 2):
            content = MailContent(f"Erinnerung {n}", f"Aufgabe {n} ist fällig.\n-- \nFußzeile", "<p>x</p>")
            with unit_of_work() as session:
                queue_mail(session, [Recipient(gf.user_id, "gf@musterkreis.example", digest=True)], content,
                           now=clock.now(), kind="reminder", dedupe_key=f"reminder:t{n}:due", digest_allowed=True)
        assert casework.outbox.deliver_due().claimed == 0  # held for the digest
        assert casework.reminders.send_digests() == 0  # before 07:00 German time
        clock.set(datetime(2026, 12, 7, 6, 5, tzinfo=UTC))  # 07:05 in Berlin
        assert casework.reminders.send_digests() == 1
        assert casework.reminders.send_digests() == 0
        casework.outbox.deliver_due()
        (digest,) = smtp.messages
        assert digest["Subject"] == "Fallwerk: Ihre Erinnerungen vom 07.12.2026 (2)"
        text = body(digest, "plain")
        assert "Erinnerung 1" in text and "Aufgabe 2 ist fällig." in text and "Fußzeile" not in text
        assert "Zum Posteingang: https://fallwerk.example/" in text
        assert {m.status for m in mails(kind="reminder")} == {"bundled"}

        # a reminder after today's digest waits for tomorrow's
        content = MailContent("Erinnerung 3", "Aufgabe 3", "<p>x</p>")
        with unit_of_work() as session:
            queue_mail(session, [Recipient(gf.user_id, "gf@musterkreis.example", digest=True)], content,
                       now=clock.now(), kind="reminder", dedupe_key="reminder:t3:due", digest_allowed=True)
        assert casework.reminders.send_digests() == 0
        clock.set(datetime(2026, 12, 8, 6, 0, tzinfo=UTC))
        assert casework.reminders.send_digests() == 1
        casework.outbox.deliver_due()
        assert len(smtp.messages) == 2 and "Erinnerung 3" in body(smtp.messages[1], "plain")

        # switching the digest off sends what it held at once
        with unit_of_work() as session:
            queue_mail(session, [Recipient(gf.user_id, "gf@musterkreis.example", digest=True)],
                       MailContent("Erinnerung 4", "Aufgabe 4", "<p>x</p>"), now=clock.now(), kind="reminder",
                       dedupe_key="reminder:t4:due", digest_allowed=True)
        casework.outbox.set_preferences(actor=gf, digest=False, digest_hour=7)
        casework.outbox.deliver_due()
        assert [m["Subject"] for m in smtp.messages][-1] == "Erinnerung 4"
    finally:
        casework.outbox.set_preferences(actor=gf, digest=False, digest_hour=7)


def test_the_scheduler_tick_delivers_the_outbox(casework, actor, smtp: SmtpServer, no_new_task_mails):
    object_to_request(casework, actor)
    casework.management.tick()
    assert [m["To"] for m in smtp.messages] == [EMPLOYEE]
    casework.management.tick()
    assert len(smtp.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_outbox_logs_in_with_the_configured_account(casework, actor, clock):
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"fallwerk", b"geheim")
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

    server = SmtpServer(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    server.start()
    old = casework.outbox.configure(port=server.port, username="fallwerk", password="falsch")
    try:
        object_to_request(casework, actor)
        report = casework.outbox.deliver_due()
        assert report.retried == 1 and "SMTPAuthenticationError" in report.errors[0]
        assert server.messages == []
        casework.outbox.configure(password="geheim")
        clock.advance(minutes=1)
        assert casework.outbox.deliver_due().sent == 1
        assert [m["To"] for m in server.messages] == [EMPLOYEE]
    finally:
        casework.outbox.settings = old
        server.stop()


CERT, KEY = Path(__file__).with_name("localhost-cert.pem"), Path(__file__).with_name("localhost-key.pem")


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    return context


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_the_outbox_sends_over_verified_tls(casework, actor, clock, mode):
    """The test CA (a self-signed certificate for 127.0.0.1, tests/mail/*.pem) must be trusted
    explicitly: with the system's CAs the same server is refused and the mail waits."""
    options: dict[str, Any] = (
        {"tls_context": server_tls(), "require_starttls": True} if mode == "starttls" else {"ssl_context": server_tls()}
    )
    server = SmtpServer(**options)
    server.start()
    old = casework.outbox.configure(port=server.port, tls=mode, ca_file="")
    try:
        object_to_request(casework, actor)
        report = casework.outbox.deliver_due()
        assert report.retried == 1 and "CERTIFICATE_VERIFY_FAILED" in report.errors[0]
        casework.outbox.configure(ca_file=str(CERT))
        clock.advance(minutes=1)
        assert casework.outbox.deliver_due().sent == 1
        assert [m["To"] for m in server.messages] == [EMPLOYEE]
    finally:
        casework.outbox.settings = old
        server.stop()


def test_sent_mails_are_purged_after_the_keeping_period(casework, actor, clock, smtp: SmtpServer, no_new_task_mails):
    object_to_request(casework, actor)
    casework.outbox.deliver_due()
    with unit_of_work() as session:
        queue_mail(session, [Recipient(None, "wartet@example.test")], MailContent("Offen", "x", None), now=clock.now())
    casework.outbox._purged_at = None  # a fresh process
    clock.advance(days=89)
    assert casework.outbox.purge_sent() == 0
    casework.outbox._purged_at = None
    clock.advance(days=2)
    assert casework.outbox.purge_sent() == 1
    assert [m.status for m in mails()] == ["queued"]  # unsent mails are never purged
    assert casework.outbox.purge_sent() == 0  # once an hour at most


def test_an_admin_checks_the_settings_with_a_test_mail(app, casework, smtp: SmtpServer):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "test", "admin@musterkreis.example"])
    assert result.exit_code == 0, result.output
    assert "Gesendet: 1 E-Mail(s)." in result.output
    (message,) = smtp.messages
    assert message["Subject"] == "Fallwerk: Testnachricht" and "Mailserver (127.0.0.1:" in body(message, "plain")
    assert runner.invoke(args=["mail", "test", "kein adresse"]).exit_code == 2
    smtp.stop()
    failed = runner.invoke(args=["mail", "test", "admin@musterkreis.example"])
    assert failed.exit_code == 1 and "ConnectionRefusedError" in failed.output


class _Crash(Exception):
    """Stands for a worker process dying in the middle of a batch."""


class _DyingOutbox(OutboxService):
    """Sends ``survive`` mails of its claim, then dies before sending the next one."""

    def __init__(self, outbox: OutboxService, survive: int) -> None:
        super().__init__(outbox.clock, outbox.settings)
        self.left = survive

    def _message(self, row: Any, settings: Any) -> Any:
        if self.left == 0:
            raise _Crash
        self.left -= 1
        return super()._message(row, settings)


def test_a_worker_dying_mid_batch_leaves_its_claims_to_expire_and_each_mail_arrives_once(
    casework, clock, smtp: SmtpServer
):
    content = MailContent("Massenversand", "Text", "<p>Text</p>")
    with unit_of_work() as session:
        queue_mail(session, [Recipient(None, f"person{i}@example.test") for i in range(1000)], content,
                   now=clock.now())
    dying = _DyingOutbox(casework.outbox, survive=200)
    with pytest.raises(_Crash):
        dying.deliver_due(500, worker="dying")
    assert len(smtp.messages) == 200 and len(mails(status="sent")) == 200

    # the survivor takes the unclaimed half at once, the dead worker's claims only after their lease
    while casework.outbox.deliver_due(100, worker="survivor").claimed:
        pass
    assert len(smtp.messages) == 700
    clock.set(clock.now() + timedelta(seconds=casework.outbox.settings.lease_seconds + 1))
    while casework.outbox.deliver_due(100, worker="survivor").claimed:
        pass
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert len(mails(status="sent")) == 1000
