"""POST /api/v1/deadlines: the answer's shape per API.md, 422 naming each bad field, 401 without a token."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from models import Organisation, db

URL = "/api/v1/deadlines"


def test_posted_letter_one_month_deadline(api: Any) -> None:
    response = api("mitarbeiterin").post(URL, json={"posted_on": "2025-06-02", "period": "P1M", "land": "NW",
                                                    "kind": "deadline"})
    assert response.status_code == 200, response.json
    assert response.json == {
        "start": "2025-06-07", "end": "2025-07-07", "unshifted_end": "2025-07-06",
        "shifted_because": ["Sonntag"], "notified_on": "2025-06-06",
        "rule_refs": ["§ 37 Abs. 2 SGB X", "§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB", "§ 193 BGB", "§ 26 Abs. 3 SGB X"],
    }


def test_unshifted_answer_leaves_out_the_optional_keys(api: Any) -> None:
    response = api("gf").post(URL, json={"event_date": "2025-05-19", "period": "P1M", "land": "NI",
                                         "kind": "deadline"})
    assert response.status_code == 200
    assert response.json == {"start": "2025-05-20", "end": "2025-06-19", "unshifted_end": "2025-06-19",
                             "rule_refs": ["§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB"]}


def test_fronleichnam_in_nw_and_a_period_without_shift(api: Any) -> None:
    client = api("gf")
    nw = client.post(URL, json={"event_date": "2025-05-19", "period": "P1M", "land": "NW", "kind": "deadline"})
    assert (nw.json["end"], nw.json["shifted_because"]) == ("2025-06-20", ["Fronleichnam"])
    term = client.post(URL, json={"event_date": "2026-03-01", "period": "P5Y", "land": "NW", "kind": "period"})
    assert term.json == {"start": "2026-03-01", "end": "2031-02-28", "unshifted_end": "2031-02-28",
                         "rule_refs": ["§ 187 Abs. 2 BGB", "§ 188 Abs. 2 BGB"]}
    notice = client.post(URL, json={"event_date": "2025-11-30", "period": "P3M", "land": "NW", "kind": "period"})
    assert notice.json["end"] == "2026-02-28" and "shifted_because" not in notice.json


def test_organisation_holiday_counts(api: Any, casework: Any, actor: Any) -> None:
    jobcenter = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == "jc-musterkreis"))
    casework.holidays.add_holiday(organisation_id=jobcenter, day="2025-08-08", name="Friedensfest",
                                   actor=actor("admin"))
    body = {"event_date": "2025-07-25", "period": "P14D", "land": "BY", "kind": "deadline"}
    client = api("gf")
    assert client.post(URL, json=body).json["end"] == "2025-08-08"
    local = client.post(URL, json={**body, "organisation": str(jobcenter)})
    assert local.json["end"] == "2025-08-11"
    assert local.json["shifted_because"] == ["Friedensfest", "Samstag", "Sonntag"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_date": "2011-11-31"}, "event_date"),
        ({"event_date": "25.06.2025"}, "event_date"),
        ({"event_date": 20250625}, "event_date"),
        ({"event_date": None}, "event_date"),  # neither date
        ({"posted_on": "2025-06-02"}, "posted_on"),  # both dates
        ({"period": "P1.5M"}, "period"),
        ({"period": "3 Monate"}, "period"),
        ({"period": None}, "period"),
        ({"land": "XX"}, "land"),
        ({"land": None}, "land"),
        ({"kind": "frist"}, "kind"),
        ({"kind": None}, "kind"),
        ({"organisation": "999999"}, "organisation"),
        ({"organisation": {"id": 1}}, "organisation"),
    ],
)
def test_bad_field_is_named_in_a_422(api: Any, change: dict[str, Any], field: str) -> None:
    body = {"event_date": "2025-06-06", "period": "P1M", "land": "NW", "kind": "deadline", **change}
    response = api("gf").post(URL, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert response.json["message"]
    assert field in response.json["details"]["fields"], response.json


def test_malformed_json_is_400_and_english_on_request(api: Any) -> None:
    client = api("gf")
    response = client.client.post(URL, data="{not json", content_type="application/json", headers=client.headers)
    assert response.status_code == 400 and response.json["error"] == "malformed_json"
    english = client.client.post(URL, json={"event_date": "2011-11-31", "period": "P1M", "land": "NW",
                                            "kind": "deadline"}, headers={**client.headers, "Accept-Language": "en"})
    assert english.status_code == 422 and english.json["message"] == "The data is invalid."


def test_without_token_is_401(client: Any) -> None:
    response = client.post(URL, json={"event_date": "2025-06-06", "period": "P1M", "land": "NW", "kind": "deadline"})
    assert response.status_code == 401
    assert response.json["error"] == "not_authenticated"


def test_documented_in_openapi(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/deadlines"]["post"]
    assert {"200", "401", "422"} <= set(operation["responses"])
    assert document["components"]["schemas"]["DeadlineRequest"]["properties"]["kind"]["enum"] == [
        "deadline", "period", "appointment"]
