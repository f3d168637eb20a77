"""One Aktenzeichen per organisation and process (issue 13 §2): a duplicate is refused with 422 and a
German message naming the existing case; nothing is started."""

from __future__ import annotations

from typing import Any

ASSIGNMENT = {"initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
              "reason": "Pflege eines Angehörigen", "requested_end_date": "2027-01-31"}


def start(client: Any, business_key: str | None, process_key: str = "assignment_termination",
          variables: dict[str, Any] | None = None) -> Any:
    return client.post("/api/v1/process-instances", json={
        "process_key": process_key, "business_key": business_key, "variables": variables or ASSIGNMENT})


def test_a_duplicate_file_reference_is_refused_naming_the_existing_case(api: Any) -> None:
    employee = api("mitarbeiterin")
    first = start(employee, "JC-2026-0042")
    assert first.status_code == 201
    again = start(employee, " JC-2026-0042 ")  # surrounding blanks do not make it another reference
    assert again.status_code == 422, again.json
    assert again.json["error"] == "duplicate_business_key"
    message = again.json["details"]["fields"]["business_key"]
    assert "Das Aktenzeichen JC-2026-0042 ist in Ihrer Organisation für diesen Prozess schon vergeben" in message
    assert "Beendigung einer Zuweisung" in message and "begonnen am 25.11.2026" in message
    assert again.json["details"]["existing_case"] == first.json["id"]
    listed = employee.get("/api/v1/process-instances?business_key=JC-2026-0042").json
    assert listed["total"] == 1


def test_the_same_reference_is_free_in_another_process_or_organisation(api: Any) -> None:
    assert start(api("mitarbeiterin"), "AZ-7").status_code == 201
    conflict = {"instruction_a": {"issuer": "ba", "date": "2026-11-02", "subject": "Weiterbildung"},
                "instruction_b": {"issuer": "kommune", "date": "2026-11-09", "subject": "Schuldnerberatung"},
                "caller": "gf"}
    # another process of the same organisation (the Jobcenter)
    assert start(api("gf"), "AZ-7", "instruction_conflict", conflict).status_code == 201
    # the same process, started in another organisation (the Agentur's HR)
    traeger = dict(ASSIGNMENT, initiator="traeger", notice_date="2026-11-30", reason="")
    del traeger["requested_end_date"]
    assert start(api("personal.ba"), "AZ-7", variables=traeger).status_code == 201
    # cases without a reference never clash
    assert start(api("mitarbeiterin"), None).status_code == 201
    assert start(api("mitarbeiterin"), "").status_code == 201


def test_the_start_form_shows_the_refusal_on_the_file_reference(api: Any, browser: Any) -> None:
    assert start(api("mitarbeiterin"), "ZW-2026-017").status_code == 201
    employee = browser("mitarbeiterin")
    refused = employee.submit("/cases/new/assignment_termination", {
        "business_key": "ZW-2026-017", **ASSIGNMENT}, page_url="/cases/new/assignment_termination")
    assert refused.status_code == 422
    assert 'href="#field-business_key"' in refused.text
    assert "Das Aktenzeichen ZW-2026-017 ist in Ihrer Organisation für diesen Prozess schon vergeben" in refused.text
