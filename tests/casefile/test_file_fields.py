"""A BPMN form field of type `file` (issue 14 §2): the option dossier's concepts as a document."""

from __future__ import annotations

import io
from typing import Any

from tests.casefile import files
from tests.casefile.test_documents import upload
from tests.conftest import csrf_token
from tests.processes.test_option_application import dossier, start_vars


def start_option(api: Any, business_key: str = "OPT-FILE-1") -> tuple[dict[str, Any], str]:
    team = api("option.team")
    answer = team.post("/api/v1/process-instances", json={
        "process_key": "option_application", "business_key": business_key, "variables": start_vars()})
    assert answer.status_code == 201, answer.json
    case = answer.json
    (task,) = [t for t in case["open_tasks"] if t["name"] == "prepare_dossier"]
    return case, task["id"]


def test_the_concepts_as_a_document_over_the_api(api: Any) -> None:
    team = api("option.team")
    case, task_id = start_option(api)
    field = next(f for f in team.get(f"/api/v1/tasks/{task_id}").json["form"]["fields"]
                 if f["name"] == "concepts_document")
    assert field["type"] == "file" and field["required"] is False
    other, _ = start_option(api, "OPT-FILE-2")
    foreign = upload(team, other["id"], files.PDF, "fremd.pdf").json["id"]
    refused = team.post(f"/api/v1/tasks/{task_id}/complete", json={"data": dossier(concepts_document=foreign)})
    assert refused.status_code == 422 and "concepts_document" in refused.json["details"]["fields"]
    assert team.post(f"/api/v1/tasks/{task_id}/complete",
                     json={"data": dossier(concepts_document="keine-kennung")}).status_code == 422
    document = upload(team, case["id"], files.docx(), "Konzepte.docx", task_id=task_id).json
    done = team.post(f"/api/v1/tasks/{task_id}/complete", json={"data": dossier(concepts_document=document["id"])})
    assert done.status_code == 200, done.json
    assert done.json["process_instance"]["variables"]["concepts_document"] == document["id"]


def test_the_concepts_uploaded_with_the_task_form(api: Any, browser: Any) -> None:
    case, task_id = start_option(api)
    page = browser("option.team")
    shown = page.get(f"/tasks/{task_id}").text
    assert 'enctype="multipart/form-data"' in shown and 'type="file"' in shown
    # as a German browser sends them: decimal comma
    data: dict[str, Any] = {
        k: "true" if v is True else "false" if v is False else str(v).replace(".", ",") if isinstance(v, float)
        else str(v) for k, v in dossier().items()}
    data["concepts_document"] = (io.BytesIO(files.PDF), "Konzepte.pdf")
    data["csrf_token"] = csrf_token(shown)
    answer = page.client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")
    import re
    assert answer.status_code == 302, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text))[-2500:]
    (document,) = api("option.team").get(f"/api/v1/process-instances/{case['id']}/documents").json["items"]
    assert document["field"] == "concepts_document" and document["task_id"] == task_id
    variables = api("option.team").get(f"/api/v1/process-instances/{case['id']}").json["variables"]
    assert variables["concepts_document"] == document["id"]
