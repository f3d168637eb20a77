"""OutboxService: mails are rows written in the business transaction and sent over SMTP once.

Queueing happens inside the step (or timer) transaction that causes the mail, so a mail exists if
and only if its cause was committed. Delivery (``deliver_due``, a scheduler job) works in three
short steps:

1. **claim** a batch of due rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
   serialises writers with ``BEGIN IMMEDIATE``) and commit, so no other worker takes them;
2. **send** each over one SMTP connection, outside any transaction;
3. **mark** each row sent in its own short transaction right after the server accepted it.

The only window for a duplicate is a crash between the server's "250 OK" and the commit of step 3
(a few milliseconds): the lease then expires and another worker sends the mail again. Every mail
carries a Message-ID derived from its row id, so a receiving system can drop such a second copy.
A failure before the server accepted the mail leaves it queued with ``attempts + 1`` and an
exponentially growing ``next_attempt_at``; after ``max_attempts`` it becomes ``failed`` with the
last error, and an admin may requeue it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from casework.clock import Clock
from casework.errors import Conflict, Forbidden, NotFound, ValidationFailed
from casework.mail.compose import (
    MAILS,
    MailContent,
    Recipient,
    group_members,
    html_mail,
    queue_mail,
    text_mail,
    users_by_name,
)
from casework.records import Actor, Page
from casework.unit_of_work import unit_of_work
from models import User
from models.outbox import MAIL_STATUSES

if TYPE_CHECKING:
    from casework.cases.steps import StepWritten

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")
_MARK_TRIES = 5


@dataclass(frozen=True)
class MailSettings:
    """SMTP and retry settings (config/default.py MAIL_*), replaceable as a whole at run time."""

    host: str = "127.0.0.1"
    port: int = 25
    tls: str = "none"
    username: str = ""
    password: str = ""
    sender: str = "fallwerk@localhost"
    timeout: float = 10.0
    # CA bundle (PEM) that signs the server's certificate; empty: the system's trusted CAs
    ca_file: str = ""
    max_attempts: int = 8
    retry_base_seconds: int = 60
    retry_max_seconds: int = 3600
    lease_seconds: int = 300
    batch_size: int = 50
    # sent mails are deleted after this many days (0: kept for ever); the case history keeps the record
    keep_days: int = 90
    base_url: str = "http://127.0.0.1:5000"

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"MAIL_TLS must be one of {', '.join(TLS_MODES)}, got {self.tls!r}")

    def link(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt ``attempts + 1``: base, 2×base, 4×base, … capped."""
        seconds = self.retry_base_seconds * 2 ** max(0, min(attempts - 1, 30))
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@dataclass(frozen=True)
class MailInfo:
    """One outbox row for the admin list."""

    id: int
    to_address: str
    subject: str
    kind: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class MailPreferences:
    digest: bool
    digest_hour: int
    email: str | None


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


# --- the service -------------------------------------------------------------------------


class OutboxService:
    """Queues the mails of script notifications, delivers due mails, lists them for admins."""

    def __init__(self, clock: Clock, settings: MailSettings | None = None) -> None:
        self.clock = clock
        self.settings = settings or MailSettings()
        self._purged_at: datetime | None = None
        # the scheduler's stop signal (Casework shares ManagementService.stopping): delivery ends early
        self.stopping = threading.Event()

    def configure(self, **changes: Any) -> MailSettings:
        """Replace some settings (at wiring time from the app config, or in tests); returns the old ones."""
        old = self.settings
        self.settings = replace(old, **changes)
        return old

    # --- queueing notify effects (a step listener) ----------------------------------------

    def on_step(self, step: StepWritten) -> None:
        """Queue the mails of ``notify``/``notify_group`` effects in the step's transaction."""
        notices = [e for e in step.effects if e.get("type") in ("notify", "notify_group")]
        if not notices:
            return
        process_name = step.loaded.model.name
        for notice in notices:
            if notice["type"] == "notify":
                recipients = users_by_name(step.session, notice.get("recipients", ()))
            else:
                recipients = group_members(step.session, notice.get("groups", ()), step.loaded.parties)
            facts = [("Fall", process_name)]
            if step.loaded.business_key:
                facts.append(("Aktenzeichen", step.loaded.business_key))
            link = [(self.settings.link(f"/cases/{step.loaded.id}"), "Fall öffnen")]
            paragraphs = [str(notice.get("text", ""))]
            subject = str(notice.get("subject", ""))
            content = MailContent(
                subject, text_mail(paragraphs, facts, link), html_mail(subject, paragraphs, facts, link)
            )
            queue_mail(step.session, recipients, content, now=step.now, instance_id=step.loaded.id)

    # --- delivery (a scheduler job) -------------------------------------------------------

    def deliver_due(self, limit: int | None = None, *, worker: str | None = None) -> DeliveryReport:
        """Send the due queued mails, at most ``limit`` (default: the batch size) in this call."""
        settings = self.settings
        token = f"{worker or 'deliver'}:{uuid.uuid4().hex[:12]}"
        rows = self._claim(token, limit or settings.batch_size, settings)
        report = DeliveryReport(claimed=len(rows))
        if not rows:
            return report
        try:
            smtp = self._connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            self._retry_later(rows, token, exc, settings, report)
            return report
        try:
            for index, row in enumerate(rows):
                try:
                    smtp.send_message(self._message(row, settings))
                except smtplib.SMTPRecipientsRefused as exc:
                    codes = [code for code, _msg in exc.recipients.values()]
                    self._retry_later([row], token, exc, settings, report, permanent=min(codes, default=500) >= 500)
                except smtplib.SMTPResponseException as exc:
                    if exc.smtp_code == 421:  # the server is closing the connection: all the rest wait
                        self._retry_later(rows[index:], token, exc, settings, report)
                        break
                    # refused for this mail only (4xx: later, 5xx: never); the connection is still usable
                    self._retry_later([row], token, exc, settings, report, permanent=exc.smtp_code >= 500)
                except (OSError, smtplib.SMTPException) as exc:
                    self._retry_later(rows[index:], token, exc, settings, report)
                    break
                else:
                    self._mark_sent(row.id, token)
                    report.sent += 1
                if self.stopping.is_set() and index + 1 < len(rows):
                    self._release(rows[index + 1:], token)  # a stopping scheduler leaves the rest to others
                    break
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return report

    def _claim(self, token: str, limit: int, settings: MailSettings) -> list[Any]:
        now = self.clock.now()
        due = sa.and_(
            MAILS.c.status == "queued",
            MAILS.c.next_attempt_at <= now,
            sa.or_(MAILS.c.claimed_until.is_(None), MAILS.c.claimed_until < now),
        )
        with unit_of_work(write=False) as session:  # every tick: no write lock while nothing is due
            if session.execute(sa.select(MAILS.c.id).where(due).limit(1)).first() is None:
                return []
        with unit_of_work() as session:  # a Conflict (busy database) propagates: the next tick retries
            ids = session.scalars(
                sa.select(MAILS.c.id).where(due).order_by(MAILS.c.next_attempt_at, MAILS.c.id)
                .limit(limit).with_for_update(skip_locked=True)
            ).all()
            if not ids:
                return []
            # conditional: a row another worker claimed since the read is not taken again
            session.execute(
                sa.update(MAILS).where(MAILS.c.id.in_(ids), due)
                .values(claimed_by=token, claimed_until=now + timedelta(seconds=settings.lease_seconds))
            )
            return list(session.execute(
                sa.select(MAILS).where(MAILS.c.claimed_by == token).order_by(MAILS.c.id)
            ).all())

    @staticmethod
    def _connect(settings: MailSettings) -> smtplib.SMTP:
        # certificates and host names are always verified: a mail relay is never trusted blindly
        context = ssl.create_default_context(cafile=settings.ca_file or None) if settings.tls != "none" else None
        if settings.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.tls == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _message(self, row: Any, settings: MailSettings) -> EmailMessage:
        message = EmailMessage()
        message["From"] = settings.sender
        message["To"] = row.to_address
        message["Subject"] = row.subject
        message["Date"] = format_datetime(self.clock.now())
        domain = settings.sender.rpartition("@")[2] or "fallwerk.invalid"
        # the same id on every attempt, so a receiver can drop the copy of a resend after a crash
        message["Message-ID"] = f"<outbox-{row.id}@{domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(row.text_body)
        if row.html_body:
            message.add_alternative(row.html_body, subtype="html")
        return message

    def _mark_sent(self, mail_id: int, token: str) -> None:
        # the mail is out: a busy database must not leave the row to be sent again, so try harder
        for attempt in range(_MARK_TRIES):
            try:
                with unit_of_work() as session:
                    result = session.connection().execute(
                        sa.update(MAILS).where(MAILS.c.id == mail_id, MAILS.c.claimed_by == token)
                        .values(status="sent", sent_at=self.clock.now(), attempts=MAILS.c.attempts + 1,
                                claimed_by=None, claimed_until=None, last_error=None)
                    )
                    if result.rowcount != 1:
                        log.warning("outbox mail %s was sent after its lease expired", mail_id)
                return
            except (Conflict, OperationalError):
                if attempt == _MARK_TRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _release(self, rows: Sequence[Any], token: str) -> None:
        with unit_of_work() as session:
            session.execute(
                sa.update(MAILS).where(MAILS.c.id.in_([row.id for row in rows]), MAILS.c.claimed_by == token)
                .values(claimed_by=None, claimed_until=None))

    def _retry_later(self, rows: Sequence[Any], token: str, exc: Exception, settings: MailSettings,
                     report: DeliveryReport, *, permanent: bool = False) -> None:
        now = self.clock.now()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        report.errors.append(error)
        with unit_of_work() as session:
            for row in rows:
                attempts = row.attempts + 1
                gave_up = permanent or attempts >= settings.max_attempts
                session.execute(
                    sa.update(MAILS).where(MAILS.c.id == row.id, MAILS.c.claimed_by == token)
                    .values(attempts=attempts, last_error=error, claimed_by=None, claimed_until=None,
                            status="failed" if gave_up else "queued",
                            next_attempt_at=now if gave_up else now + settings.backoff(attempts))
                )
                if gave_up:
                    report.failed += 1
                else:
                    report.retried += 1
        log.warning("mail delivery failed for %d mail(s): %s", len(rows), error)

    def send_test(self, address: str) -> DeliveryReport:
        """Queue a German test mail to ``address`` and run a delivery now (checks the MAIL_* settings).

        Raises:
            ValidationFailed: not an e-mail address.
        """
        address = (address or "").strip()
        if "@" not in address or any(c.isspace() for c in address) or len(address) > 254:
            raise ValidationFailed("Keine gültige E-Mail-Adresse.", {"address": address[:254]})
        subject = "Fallwerk: Testnachricht"
        paragraphs = ["Guten Tag,", "diese Testnachricht zeigt, dass Fallwerk über den eingestellten "
                      f"Mailserver ({self.settings.host}:{self.settings.port}) E-Mails versenden kann."]
        content = MailContent(subject, text_mail(paragraphs, [], []), html_mail(subject, paragraphs, [], []))
        with unit_of_work() as session:
            queue_mail(session, [Recipient(None, address)], content, now=self.clock.now(), kind="notification")
        return self.deliver_due()

    def purge_sent(self) -> int:
        """Delete mails sent (or bundled into a digest) more than ``keep_days`` ago; at most once an
        hour per process, as it runs on every scheduler tick. Returns the number deleted."""
        now = self.clock.now()
        if not self.settings.keep_days or (self._purged_at and now - self._purged_at < timedelta(hours=1)):
            return 0
        self._purged_at = now
        cutoff = now - timedelta(days=self.settings.keep_days)
        with unit_of_work() as session:
            result = session.connection().execute(
                sa.delete(MAILS).where(MAILS.c.status.in_(("sent", "bundled")), MAILS.c.created_at < cutoff,
                                       sa.or_(MAILS.c.sent_at.is_(None), MAILS.c.sent_at < cutoff))
            )
        return int(result.rowcount or 0)

    # --- admin and preferences ------------------------------------------------------------

    def list_mails(self, *, actor: Actor, status: str | None = None, page: int = 1,
                   per_page: int = 50) -> Page[MailInfo]:
        """The outbox, newest first (admins only).

        Raises:
            Forbidden: not an admin.  ValidationFailed: unknown status.
        """
        self._require_admin(actor)
        if status and status not in MAIL_STATUSES:
            raise ValidationFailed("Unbekannter Status.", {"status": f"Erlaubt: {', '.join(MAIL_STATUSES)}"})
        page, per_page = max(1, min(page, 1_000_000)), max(1, min(per_page, 200))
        conditions = [MAILS.c.status == status] if status else []
        with unit_of_work(write=False) as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(MAILS).where(*conditions)) or 0
            rows = session.execute(
                sa.select(MAILS).where(*conditions).order_by(MAILS.c.id.desc())
                .limit(per_page).offset((page - 1) * per_page)
            ).all()
        items = tuple(
            MailInfo(r.id, r.to_address, r.subject, r.kind, r.status, r.attempts, r.created_at,
                     r.next_attempt_at, r.sent_at, r.last_error)
            for r in rows
        )
        return Page(items=items, total=total, page=page, per_page=per_page)

    def requeue(self, mail_id: int, *, actor: Actor) -> None:
        """Send a failed mail again from scratch (admins only).

        Raises:
            Forbidden: not an admin.  NotFound: no such mail.  ValidationFailed: it has not failed.
        """
        self._require_admin(actor)
        with unit_of_work() as session:
            status = session.scalar(sa.select(MAILS.c.status).where(MAILS.c.id == mail_id))
            if status is None:
                raise NotFound("E-Mail nicht gefunden.")
            if status != "failed":
                raise ValidationFailed("Nur fehlgeschlagene E-Mails können erneut gesendet werden.",
                                       {"status": status})
            session.execute(
                sa.update(MAILS).where(MAILS.c.id == mail_id, MAILS.c.status == "failed")
                .values(status="queued", attempts=0, next_attempt_at=self.clock.now(),
                        claimed_by=None, claimed_until=None)
            )

    def get_preferences(self, *, actor: Actor) -> MailPreferences:
        with unit_of_work(write=False) as session:
            row = session.execute(
                sa.select(User.mail_digest, User.digest_hour, User.email).where(User.id == actor.user_id)
            ).one()
        return MailPreferences(bool(row.mail_digest), int(row.digest_hour), row.email)

    def set_preferences(self, *, actor: Actor, digest: bool, digest_hour: int) -> MailPreferences:
        """Choose single reminder mails or one daily digest at ``digest_hour`` (0–23, German time).

        Raises:
            ValidationFailed: the hour is out of range.
        """
        if isinstance(digest_hour, bool) or not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23:
            raise ValidationFailed("Die Uhrzeit muss zwischen 0 und 23 liegen.", {"digest_hour": "0–23"})
        with unit_of_work() as session:
            session.execute(
                sa.update(User).where(User.id == actor.user_id)
                .values(mail_digest=bool(digest), digest_hour=digest_hour)
            )
            if not digest:
                # held items should not wait for a digest that is no longer wanted
                session.execute(
                    sa.update(MAILS).where(MAILS.c.to_user_id == actor.user_id, MAILS.c.status == "digest")
                    .values(status="queued", next_attempt_at=self.clock.now())
                )
        return self.get_preferences(actor=actor)

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("Nur Administratoren sehen den Postausgang.")
