"""The outbox page (admins only), the e-mail settings page, the inbox's overdue and escalation
badges with the supervisors' list, and the German texts of the mail area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from casework import Casework
from casework.mail.compose import MailContent, Recipient, queue_mail
from casework.records import Actor
from casework.unit_of_work import unit_of_work
from models import OutboxMail, User, db
from tests.factories import only_task
from tests.mail.test_reminders import deploy_probe

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def services(app: Flask) -> Iterator[Casework]:
    """The services in an app context of their own: the page requests must not share the test's
    context (Flask would reuse it, and with it flask-login's and the CSRF token's ``g``)."""
    with app.app_context():
        yield app.extensions["casework"]
        db.session.remove()


def actor_of(casework: Casework, username: str) -> Actor:
    user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    found = casework.directory.actor(user_id)
    assert found is not None
    return found


def failed_mail(app: Flask, clock) -> int:
    with services(app):
        with unit_of_work() as session:
            queue_mail(session, [Recipient(None, "ziel@example.test")], MailContent("Testbetreff <b>", "Text", None),
                       now=clock.now())
        with unit_of_work() as session:
            session.execute(sa.update(OutboxMail).values(status="failed", attempts=8,
                                                         last_error="ConnectionRefusedError: [Errno 111]"))
            return int(session.scalar(sa.select(OutboxMail.id)))


def mail_row(app: Flask, mail_id: int) -> tuple[str, int]:
    with services(app):
        row = db.session.get(OutboxMail, mail_id)
        return row.status, row.attempts


def test_admins_see_the_outbox_and_requeue_a_failed_mail(app, clock, browser):
    mail_id = failed_mail(app, clock)
    admin = browser("admin")
    page = admin.get("/admin/outbox?status=failed")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Postausgang</h1>" in html
    assert "Mailserver: 127.0.0.1:1, Verschlüsselung: none." in html  # config/testing.py; never the password
    assert "Testbetreff &lt;b&gt;" in html  # escaped
    assert "ConnectionRefusedError: [Errno 111]" in html and "fehlgeschlagen" in html
    assert 'href="/admin/outbox"' in html  # the admin's navigation link

    response = admin.submit(f"/admin/outbox/{mail_id}/requeue", {}, page_url="/admin/outbox")
    assert response.status_code == 302
    assert mail_row(app, mail_id) == ("queued", 0)
    assert "Die E-Mail wird erneut gesendet." in admin.get("/admin/outbox").text

    again = admin.submit(f"/admin/outbox/{mail_id}/requeue", {}, page_url="/admin/outbox", follow_redirects=True)
    assert "Nur fehlgeschlagene E-Mails" in again.text  # a queued mail is left alone
    missing = admin.submit("/admin/outbox/999999/requeue", {}, page_url="/admin/outbox")
    assert missing.status_code == 404


def test_the_outbox_is_for_admins_only(app, clock, browser, client):
    mail_id = failed_mail(app, clock)
    gf = browser("gf")
    assert gf.get("/admin/outbox").status_code == 403
    assert 'href="/admin/outbox"' not in gf.get("/").text
    assert gf.submit(f"/admin/outbox/{mail_id}/requeue", {}, page_url="/").status_code == 403
    assert mail_row(app, mail_id) == ("failed", 8)
    anonymous = client.get("/admin/outbox")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_user_chooses_the_daily_digest(app, browser):
    gf = browser("gf")

    def preferences() -> tuple[bool, int]:
        with services(app) as casework:
            found = casework.outbox.get_preferences(actor=actor_of(casework, "gf"))
            return found.digest, found.digest_hour

    try:
        page = gf.get("/account")
        assert page.status_code == 200
        assert '<label for="digest_hour">Uhrzeit der Tageszusammenfassung</label>' in page.text
        assert "gf@musterkreis.example" in page.text
        bad = gf.submit("/account", {"digest": "y", "digest_hour": "25"})
        assert bad.status_code == 422
        assert preferences() == (False, 7)
        saved = gf.submit("/account", {"digest": "y", "digest_hour": "6"}, follow_redirects=True)
        assert "Ihre E-Mail-Einstellungen wurden gespeichert." in saved.text
        assert preferences() == (True, 6)
        assert '<option selected value="6">06:00</option>' in gf.get("/account").text
    finally:
        with services(app) as casework:
            casework.outbox.set_preferences(actor=actor_of(casework, "gf"), digest=False, digest_hour=7)


def test_the_inbox_marks_overdue_and_escalated_tasks_and_supervisors_see_them(app, clock, browser):
    with services(app) as casework:
        deploy_probe(casework)
        case = casework.runtime.start("reminder_probe", actor=actor_of(casework, "personal.ba"), business_key="AK-9")
        task = only_task(case)
    hr = browser("personal.ba")
    html = hr.get("/?scope=candidate").text
    assert "Akte prüfen" in html and "überfällig" not in html and "eskaliert" not in html

    clock.set(datetime(2026, 11, 30, 12, tzinfo=UTC))  # overdue since 10:00
    html = hr.get("/?scope=candidate").text
    assert 'class="badge badge--overdue">überfällig' in html and "eskaliert" not in html

    clock.set(datetime(2026, 12, 1, 7, tzinfo=UTC))  # escalated to gf
    with services(app) as casework:
        assert casework.management.fire_due().fired >= 1
    html = hr.get("/?scope=candidate").text
    assert "überfällig</strong>" in html and 'badge--error">eskaliert</strong>' in html
    page = hr.get(f"/tasks/{task.id}").text
    assert 'badge--error">eskaliert</strong>' in page and "überfällig" in page
    history = browser("admin").get(f"/cases/{case.id}").text
    assert "Erinnerung gesendet" in history and "Aufgabe eskaliert" in history

    boss = browser("gf")
    inbox = boss.get("/").text
    assert "Überfällig in meinen Gruppen" in inbox and "(1)" in inbox
    supervised = boss.get("/?scope=supervised").text
    assert "Akte prüfen" in supervised and "AK-9" in supervised and "eskaliert" in supervised
    assert f'href="/tasks/{task.id}"' not in supervised  # supervisors assign, they do not open the task
    assert "Übernehmen" not in supervised
    # not a supervisor: no such list
    assert "Überfällig in meinen Gruppen" not in hr.get("/").text
    assert "Akte prüfen" not in browser("mitarbeiterin").get("/?scope=supervised").text


def test_every_text_of_the_mail_area_has_a_german_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    german: dict[str, str] = {}
    for po in (ROOT / "webapp/translations/de/LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            for message in read_po(handle):
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if key and message.string and not message.fuzzy:
                    german[key] = message.string
    mapping = [("webapp/templates/mail_admin/**.html", "jinja2"), ("webapp/templates/inbox/index.html", "jinja2"),
               ("webapp/mail_admin/**.py", "python"), ("webapp/i18n.py", "python")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = [m[0] if isinstance(m, tuple) else m
             for _f, _l, m, _c, _x in extract_from_dir(str(ROOT), method_map=mapping, keywords=keywords)]
    assert "Queue again" in found and "Reminder sent" in found
    assert [m for m in found if m not in german] == []
