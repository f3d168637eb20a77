"""The committee admin pages: admins only, German, forms with CSRF, refused changes change nothing."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from casework.governance.committees import BodyInfo
from models import User, db

# Web tests read the services in their own short app context: a context held open across test
# client requests would share flask.g between them (and with it a stale CSRF token).
Lookup = Callable[[], BodyInfo]


@pytest.fixture
def tv(app: Flask) -> Lookup:
    """tv() -> the demo TV as the admin sees it now."""

    def read() -> BodyInfo:
        with app.app_context():
            casework = app.extensions["casework"]
            admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
            admin = casework.directory.actor(admin_id)
            return next(b for b in casework.committees.list_bodies(actor=admin) if b.kind == "tv")

    return read


def seat(body: BodyInfo, username: str) -> int:
    return next(m.id for m in body.members if m.username == username)


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_list_and_a_body_page_in_german(browser: Any, tv: Lookup) -> None:
    admin = browser("admin")
    index = admin.get("/admin/committees")
    assert index.status_code == 200
    page = text(index)
    assert "<h1>Gremien</h1>" in page and 'aria-current="page">Gremien</a>' in page
    assert "Trägerversammlung Jobcenter Musterkreis" in page and "Kooperationsausschuss Nordrhein-Westfalen" in page
    assert "61 gesetzlich" in page
    body = admin.get(f"/admin/committees/{tv().id}")
    page = text(body)
    assert body.status_code == 200
    assert "6 Mitglieder heute" in page and "Kommunaler Träger" in page
    assert "Amtszeit 01.01.2026 bis 31.12.2030" in page
    # every input has its label, the page has one h1 and named sections
    assert page.count("<h1>") == 1 and 'aria-labelledby="members-title"' in page
    assert '<label for="members-username_1">' in page and '<label for="chair-username">' in page
    assert '<option selected value="tv.ba1">' in page  # the chair form starts at today's chair


@pytest.mark.parametrize("username", ["tv.ba1", "tv.buero", "gf", "designer"])
def test_only_admins_see_the_pages(browser: Any, tv: Lookup, username: str) -> None:
    user = browser(username)
    body_id = tv().id
    assert user.get("/admin/committees").status_code == 403
    assert user.get(f"/admin/committees/{body_id}").status_code == 403
    assert "Gremien</a>" not in text(user.get("/"))
    refused = user.submit(f"/admin/committees/{body_id}/members", {"members-remove": [seat(tv(), "tv.ba2")]},
                          page_url="/")
    assert refused.status_code == 403
    assert len(tv().members) == 6


def test_signed_out_visitors_are_sent_to_sign_in(client: Any) -> None:
    response = client.get("/admin/committees")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_body_is_404(browser: Any) -> None:
    assert browser("admin").get("/admin/committees/999999").status_code == 404


def test_a_change_that_breaks_parity_is_refused_on_the_page(browser: Any, tv: Lookup) -> None:
    admin = browser("admin")
    body_id = tv().id
    url = f"/admin/committees/{body_id}"
    response = admin.submit(f"{url}/members", {"members-remove": [seat(tv(), "tv.ba2")]}, page_url=url)
    assert response.status_code == 422
    page = text(response)
    assert "<title>Fehler:" in page and 'role="alert"' in page
    assert "nach der Änderung wären es 2 : 3" in page
    assert len(tv().members) == 6


def test_handing_a_seat_over(browser: Any, tv: Lookup, restore_committees: None) -> None:
    admin = browser("admin")
    body_id = tv().id
    url = f"/admin/committees/{body_id}"
    response = admin.submit(
        f"{url}/members",
        {"members-remove": [seat(tv(), "tv.kom3")], "members-username_1": "traeger.kommune",
         "members-side_1": "kommune", "members-term_start_1": "", "members-side_2": "ba"},
        page_url=url, follow_redirects=True,
    )
    assert response.status_code == 200
    page = text(response)
    assert "Die Mitglieder wurden geändert." in page and "Frühere und künftige Sitze" in page
    members = [m.username for m in tv().members]
    assert "traeger.kommune" in members and "tv.kom3" not in members


def test_without_csrf_token_nothing_changes(browser: Any, tv: Lookup) -> None:
    admin = browser("admin")
    body_id = tv().id
    response = admin.client.post(f"/admin/committees/{body_id}/chair", data={"chair-username": "tv.kom1"})
    assert response.status_code == 400
    assert tv().chair == "tv.ba1"


def test_setting_the_chair(browser: Any, tv: Lookup, restore_committees: None) -> None:
    admin = browser("admin")
    body_id = tv().id
    url = f"/admin/committees/{body_id}"
    too_long = admin.submit(f"{url}/chair", {"chair-username": "tv.kom1", "chair-term_start": "01.03.2026",
                                             "chair-term_end": "01.03.2031"}, page_url=url)
    assert too_long.status_code == 422
    assert "spätestens bis 28.02.2031" in text(too_long)
    bad_date = admin.submit(f"{url}/chair", {"chair-username": "tv.kom1", "chair-term_start": "31.11.2026"},
                            page_url=url)
    assert bad_date.status_code == 422 and "31.11.2026" in text(bad_date)
    assert tv().chair == "tv.ba1"
    done = admin.submit(f"{url}/chair", {"chair-username": "tv.kom1", "chair-term_start": "25.11.2026"},
                        page_url=url, follow_redirects=True)
    assert "Der Vorsitz wurde festgelegt." in text(done)
    body = tv()
    assert (body.chair, str(body.chair_term_end)) == ("tv.kom1", "2031-11-24")


def test_switching_to_the_rotation(browser: Any, tv: Lookup, restore_committees: None) -> None:
    admin = browser("admin")
    body_id = tv().id
    url = f"/admin/committees/{body_id}"
    done = admin.submit(f"{url}/rotation", {"rotation-rotation_start": "01.01.2025"}, page_url=url,
                        follow_redirects=True)
    page = text(done)
    assert "Die Vorsitzregel wurde geändert." in page and "Wechsel (keine Einigung)" in page
    assert "Beim Wechsel benennt jede Seite" in page
    named = admin.submit(f"{url}/chair", {"chair-username": "tv.ba2"}, page_url=url, follow_redirects=True)
    assert "für den Wechsel benannt" in text(named)
    assert tv().chair == "tv.ba2"
