"""The Fristenrechner page and the admin pages for legal parameters and municipal holidays (German UI)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from models import Organisation, User, db

FORM = {"event_date": "", "posted_on": "", "period": "P1M", "period_other": "", "land": "NW",
        "organisation": "", "kind": "deadline", "counting": ""}


def test_page_in_german_with_the_users_land_preselected(browser: Any) -> None:
    page = browser("mitarbeiterin").get("/deadlines")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Fristenrechner</h1>" in html
    assert re.search(r'<option selected value="NW">Nordrhein-Westfalen</option>', html)
    assert 'aria-current="page">Fristenrechner</a>' in html
    assert '<label for="event_date">Ereignisdatum' in html
    assert "Rechtsparameter" not in html  # the admin links are for admins only


def test_posted_letter_shows_result_and_how_it_was_reached(browser: Any) -> None:
    b = browser("mitarbeiterin")
    response = b.submit("/deadlines", {**FORM, "posted_on": "02.06.2025"})
    assert response.status_code == 200, response.text
    html = response.text
    assert "Montag, 07.07.2025" in html  # the end
    assert "Freitag, 06.06.2025" in html  # deemed received
    assert "Sonntag, 06.07.2025 ist kein Werktag: Sonntag (§ 193 BGB)" in html
    assert "§ 37 Abs. 2 SGB X" in html and "§ 26 Abs. 3 SGB X" in html
    assert "am 4. Tag danach als bekannt gegeben" in html
    assert "Die Dauer (1 Monat) endet am Sonntag, 06.07.2025 um 24 Uhr" in html


def _add_holiday(app: Flask, day: str, name: str) -> int:
    # an app context of its own: one held open by the test would share flask.g (and its CSRF token)
    # with the browser's requests
    with app.app_context():
        casework = app.extensions["casework"]
        jobcenter = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == "jc-musterkreis"))
        admin = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
        casework.holidays.add_holiday(organisation_id=jobcenter, day=day, name=name,
                                       actor=casework.directory.actor(admin))
        db.session.remove()
    return int(jobcenter)


def test_typed_period_and_organisation_holiday(browser: Any, app: Flask) -> None:
    jobcenter = _add_holiday(app, "2025-08-15", "Mariä Himmelfahrt")
    b = browser("gf")
    data = {**FORM, "event_date": "2025-08-01", "period_other": "P14D", "land": "BY"}
    plain = b.submit("/deadlines", data)
    assert "Freitag, 15.08.2025" in plain.text and "Verschoben wegen" not in plain.text
    local = b.submit("/deadlines", {**data, "organisation": str(jobcenter)})
    assert "Montag, 18.08.2025" in local.text
    assert "<dd>Bayern</dd>" in local.text
    assert "Mariä Himmelfahrt, Samstag, Sonntag" in local.text


def test_period_kind_keeps_a_saturday(browser: Any) -> None:
    response = browser("gf").submit("/deadlines", {**FORM, "event_date": "2025-11-30", "period": "P3M",
                                                   "kind": "period", "counting": "event"})
    assert "Samstag, 28.02.2026" in response.text
    assert "Die Dauer (3 Monate) endet am Samstag, 28.02.2026" in response.text
    assert "aber Zeiträume und Termine verschieben sich nicht" in response.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"event_date": "31.11.2011"}, "event_date", "31.11.2011"),
        ({"event_date": "2025-06-06", "posted_on": "2025-06-02"}, "posted_on", "nicht beides"),
        ({}, "event_date", "Ereignisdatum oder Datum der Aufgabe zur Post angeben"),
        ({"event_date": "2025-06-06", "period_other": "P1.5M"}, "period_other", "Dauer wie"),
        ({"event_date": "2025-06-06", "period_other": "10 Äpfel"}, "period_other", "3 Monate und 2 Tage"),
        ({"event_date": "2025-06-06", "land": ""}, "land", "Pflichtfeld"),
    ],
)
def test_bad_input_is_shown_at_the_field(browser: Any, change: dict[str, str], field: str, message: str) -> None:
    response = browser("gf").submit("/deadlines", {**FORM, **change})
    assert response.status_code == 422
    assert 'class="error-summary"' in response.text
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert "Fristende" not in response.text


def test_sign_in_first(client: Any) -> None:
    response = client.get("/deadlines")
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("url", ["/admin/legal-parameters", "/admin/holidays"])
def test_admin_pages_are_forbidden_for_others(browser: Any, url: str) -> None:
    assert browser("gf").get(url).status_code == 403
    page = browser("admin").get(url)
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text


def test_legal_parameters_listed_with_validity(browser: Any) -> None:
    html = browser("admin").get("/admin/legal-parameters").text
    assert "<h1>Rechtsparameter</h1>" in html
    assert "84,8 %" in html and "87,4" in html
    assert "2 BvR 1641/11" in html
    assert "06.10.2014" in html and "07.10.2014" in html
    assert "keiner (unbefristet)" in html
    assert "31.11.2011" in html  # the paper's impossible date, documented as such


@pytest.fixture
def restore_legal(app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM legal_parameters"))
        app.extensions["casework"].legal.seed()
        db.session.remove()


def _value(app: Flask, key: str, on: str) -> Any:
    with app.app_context():
        value = app.extensions["casework"].legal.value(key, on)
        db.session.remove()
    return value


@pytest.mark.usefixtures("restore_legal")
def test_admin_adds_a_version_that_closes_the_previous(browser: Any, app: Flask) -> None:
    b = browser("admin")
    data = {"key": "notification_fiction_days", "land": "", "valid_from": "01.01.2030", "value": "5", "unit": "",
            "label": "", "source": "Gedachte Änderung"}
    response = b.submit("/admin/legal-parameters", data, follow_redirects=True)
    assert response.status_code == 200
    assert "Neue Version von notification_fiction_days ab Dienstag, 01.01.2030 gespeichert." in response.text
    assert _value(app, "notification_fiction_days", "2029-12-31") == 4
    assert _value(app, "notification_fiction_days", "2030-01-01") == 5
    again = b.submit("/admin/legal-parameters", {**data, "valid_from": "31.02.2031"})
    assert again.status_code == 422 and "31.02.2031" in again.text


def test_admin_adds_and_deletes_a_municipal_holiday(browser: Any) -> None:
    b = browser("admin")
    page = b.get("/admin/holidays")
    jobcenter = re.search(r'<option value="(\d+)">Jobcenter Musterkreis</option>', page.text)
    assert jobcenter
    added = b.submit("/admin/holidays", {"organisation": jobcenter.group(1), "day": "08.08.2025",
                                         "name": "Friedensfest"}, follow_redirects=True)
    assert "Friedensfest am Freitag, 08.08.2025 eingetragen." in added.text
    assert "1 kommunaler Feiertag" in added.text
    twice = b.submit("/admin/holidays", {"organisation": jobcenter.group(1), "day": "2025-08-08", "name": "X"})
    assert twice.status_code == 422 and "schon ein Feiertag" in twice.text
    delete_url = re.search(r'action="(/admin/holidays/\d+/delete)"', added.text)
    assert delete_url
    deleted = b.submit(delete_url.group(1), {}, page_url="/admin/holidays", follow_redirects=True)
    assert "Der Feiertag wurde gelöscht." in deleted.text
    assert "Keine kommunalen Feiertage eingetragen." in deleted.text
