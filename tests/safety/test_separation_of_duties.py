"""Issue 11 §2: nobody holds or completes a task unless a candidate or its named assignee.

Admins and supervisors hand tasks on (to candidates only); they never do them. The refusals:
422 with the reason on assign, 403 (or 404 where the task is not visible) on claim and complete.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from casework.errors import Forbidden, NotFound, ValidationFailed
from models import HumanTask, User, db
from tests.factories import deploy_fixture, only_task, start_termination


def _review(casework: Any, actor: Any) -> Any:
    case = start_termination(casework, actor("mitarbeiterin"))
    return only_task(case, "review_request")


def test_admin_cannot_assign_the_gfs_review_to_himself(casework, actor):
    review = _review(casework, actor)
    with pytest.raises(ValidationFailed) as refused:
        casework.tasks.assign(review.id, actor=actor("admin"), username="admin")
    assert "Kandidatengruppen" in refused.value.message and "username" in refused.value.details["fields"]
    with pytest.raises(Forbidden):
        casework.tasks.complete(review.id, actor=actor("admin"), data={"decision": "no_objection"})
    history = casework.history.list_for_instance(review.process_instance_id)
    assert not [e for e in history if e.action in ("task_assigned", "task_completed")]


def test_a_task_held_by_a_non_candidate_cannot_be_completed(casework, actor):
    """A row assigned before the rule existed (or to someone who left the group) stays undoable."""
    review = _review(casework, actor)
    admin_id = db.session.scalar(sa.select(User.id).where(User.username == "admin"))
    db.session.execute(sa.update(HumanTask).where(HumanTask.id == review.id).values(assignee_id=admin_id))
    db.session.commit()
    with pytest.raises(Forbidden):
        casework.tasks.complete(review.id, actor=actor("admin"), data={"decision": "no_objection"})
    # the rightful candidate is not blocked for good: the admin gives it back, the GF does it
    casework.tasks.unclaim(review.id, actor=actor("admin"))
    done = casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})
    assert only_task(done).name == "record_termination"


def test_supervisor_assigns_only_to_candidates(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    after = casework.tasks.complete(only_task(case).id, actor=actor("gf"), data={"decision": "no_objection"})
    record = only_task(after)
    gf = actor("gf")
    for outsider in ("gf", "mitarbeiterin", "personal.kommune", "admin", "nobody"):
        with pytest.raises(ValidationFailed):
            casework.tasks.assign(record.id, actor=gf, username=outsider)
    assert casework.tasks.assign(record.id, actor=gf, username="personal.ba").assignee == "personal.ba"
    with pytest.raises(NotFound):  # the supervisor still neither sees nor does it
        casework.tasks.complete(record.id, actor=gf, data={"end_date": "2027-01-31"})


def test_named_assignee_and_candidates_may_work_others_not(casework, actor):
    deploy_fixture(casework, "sod_named.bpmn")
    case = casework.runtime.start("sod_named", actor=actor("mitarbeiterin"))
    task = only_task(case)
    assert task.assignee == "personal.ba"
    admin = actor("admin")
    with pytest.raises(ValidationFailed):
        casework.tasks.assign(task.id, actor=admin, username="mitarbeiterin")
    # handed to a candidate of its group, and back to the named assignee: both allowed
    assert casework.tasks.assign(task.id, actor=admin, username="tv.ba1").assignee == "tv.ba1"
    assert casework.tasks.assign(task.id, actor=admin, username="personal.ba").assignee == "personal.ba"
    done = casework.tasks.complete(task.id, actor=actor("personal.ba"), data={})
    assert done.status == "completed"


def test_api_refusals_carry_the_status_and_reason(api, casework, actor):
    case = api("mitarbeiterin").post("/api/v1/process-instances", json={
        "process_key": "assignment_termination", "variables": {
            "initiator": "employee", "employee_name": "Erika Beispiel", "employer": "ba",
            "reason": "Pflege", "requested_end_date": "2027-01-31"}}).json
    task_id = case["open_tasks"][0]["id"]
    admin = api("admin")
    assign = admin.post(f"/api/v1/tasks/{task_id}/assign", json={"username": "admin"})
    assert assign.status_code == 422 and "Kandidatengruppen" in assign.json["message"]
    assert assign.json["details"]["fields"] == {"username": "Nicht in den Kandidatengruppen dieser Aufgabe."}
    assert admin.post(f"/api/v1/tasks/{task_id}/claim").status_code == 403
    complete = admin.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"decision": "no_objection"}})
    assert complete.status_code == 403
    assert api("tv.ba1").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {}}).status_code == 404
    history = api("gf").get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    assert [e["action"] for e in history if e["actor"] == "admin"] == []
