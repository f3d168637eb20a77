"""A TV vote in the browser UI: each member finds their own ballot in the inbox and nobody else's."""

from __future__ import annotations

import html
from typing import Any

import sqlalchemy as sa
from flask import Flask

from models import User, db
from tests.factories import deploy_fixture


def start_vote(app: Flask) -> dict[str, str]:
    """Start a TV vote as tv.buero in a short app context; returns task id by member."""
    with app.app_context():
        casework = app.extensions["casework"]
        deploy_fixture(casework, "gov_tv_vote.bpmn", RULE="tv")
        office_id = db.session.scalar(sa.select(User.id).where(User.username == "tv.buero"))
        case = casework.runtime.start("gov_tv_vote", actor=casework.directory.actor(office_id))
        return {t.assignee: t.id for t in case.open_tasks}


def test_each_member_votes_on_their_own_ballot_page(app: Flask, browser: Any) -> None:
    ballots = start_vote(app)
    kom1, kom2 = browser("tv.kom1"), browser("tv.kom2")
    inbox = html.unescape(kom1.get("/").get_data(as_text=True))
    assert "Abstimmung in der Trägerversammlung" in inbox
    assert f"/tasks/{ballots['tv.kom1']}" in inbox and f"/tasks/{ballots['tv.kom2']}" not in inbox
    assert kom2.get(f"/tasks/{ballots['tv.kom1']}").status_code == 404
    refused = kom2.submit(f"/tasks/{ballots['tv.kom1']}", {"vote": "no"}, page_url="/")
    assert refused.status_code == 404
    page = kom1.get(f"/tasks/{ballots['tv.kom1']}")
    assert page.status_code == 200 and "Enthaltung" in html.unescape(page.get_data(as_text=True))
    done = kom1.submit(f"/tasks/{ballots['tv.kom1']}", {"vote": "yes"}, follow_redirects=True)
    assert done.status_code == 200
    with app.app_context():
        casework = app.extensions["casework"]
        member_id = db.session.scalar(sa.select(User.id).where(User.username == "tv.kom2"))
        task = casework.tasks.get(ballots["tv.kom2"], actor=casework.directory.actor(member_id))
        assert task.state == "open"
        kom1_id = db.session.scalar(sa.select(User.id).where(User.username == "tv.kom1"))
        assert casework.tasks.get(ballots["tv.kom1"], actor=casework.directory.actor(kom1_id)).state == "completed"
