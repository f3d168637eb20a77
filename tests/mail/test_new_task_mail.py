"""A mail when work arrives (issue 13 §4): each user chooses one mail per new task, the digest, or none."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import OutboxMail, User, db
from tests.factories import employee_request
from tests.mail.conftest import SmtpServer, body


def start_request(api: Any, key: str) -> dict[str, Any]:
    response = api("mitarbeiterin").post("/api/v1/process-instances", json={
        "process_key": "assignment_termination", "business_key": key, "variables": employee_request()})
    assert response.status_code == 201, response.json
    return response.json


def gf_address(app: Any) -> str:
    with app.app_context():
        address = db.session.scalar(sa.select(User.email).where(User.username == "gf"))
        db.session.remove()
    assert address
    return str(address)


def new_task_mails(app: Any) -> list[OutboxMail]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(OutboxMail).where(OutboxMail.kind == "new_task")))
        db.session.remove()
    return rows


def test_the_choice_is_read_and_written_over_the_api(api: Any) -> None:
    gf = api("gf")
    assert gf.get("/api/v1/me/notifications").json == {"new_task": "daily"}  # the demo world's default
    response = gf.client.put("/api/v1/me/notifications", json={"new_task": "immediately"}, headers=gf.headers)
    assert response.status_code == 200 and response.json == {"new_task": "immediately"}
    assert gf.get("/api/v1/me/notifications").json == {"new_task": "immediately"}
    wrong = gf.client.put("/api/v1/me/notifications", json={"new_task": "hourly"}, headers=gf.headers)
    assert wrong.status_code == 422
    assert gf.get("/api/v1/me/notifications").json == {"new_task": "immediately"}


def test_a_new_task_mail_reaches_the_gf_through_a_real_smtp_server(api: Any, app: Any, casework: Any,
                                                                   smtp: SmtpServer) -> None:
    gf = api("gf")
    gf.client.put("/api/v1/me/notifications", json={"new_task": "immediately"}, headers=gf.headers)
    case = start_request(api, "JC-NEU-1")
    casework.outbox.deliver_due()
    received = smtp.to(gf_address(app))
    assert len(received) == 1
    mail = received[0]
    assert mail["Subject"].startswith("Neue Aufgabe: ")
    text = body(mail, "plain")
    assert "JC-NEU-1" in text and "Beendigung" in text
    task = next(t for t in gf.get("/api/v1/tasks").json["items"] if t["process_instance_id"] == case["id"])
    assert f"https://fallwerk.example/tasks/{task['id']}" in text
    # one per task and user: delivering again sends nothing more
    casework.outbox.deliver_due()
    assert len(smtp.to(gf_address(app))) == 1


def test_daily_collects_the_mail_for_the_digest_and_off_sends_none(api: Any, app: Any) -> None:
    start_request(api, "JC-NEU-2")
    mails = [m for m in new_task_mails(app) if m.to_address == gf_address(app)]
    assert [m.status for m in mails] == ["digest"]  # the default: the daily digest
    gf = api("gf")
    gf.client.put("/api/v1/me/notifications", json={"new_task": "off"}, headers=gf.headers)
    start_request(api, "JC-NEU-3")
    assert len([m for m in new_task_mails(app) if m.to_address == gf_address(app)]) == 1


def test_the_account_page_offers_the_choice(browser: Any, api: Any) -> None:
    page = browser("gf")
    form = page.get("/account").text
    assert "Wenn mir eine neue Aufgabe angeboten oder zugewiesen wird" in form
    saved = page.submit("/account", {"digest_hour": "7", "new_task": "immediately"}, follow_redirects=True)
    assert saved.status_code == 200
    assert api("gf").get("/api/v1/me/notifications").json == {"new_task": "immediately"}
