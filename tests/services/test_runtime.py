"""Cases through the service layer: start, complete, history, versions, the sandbox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.errors import Conflict, DefinitionInvalid, Forbidden, NotFound, ValidationFailed
from models import HumanTask, ProcessInstance, db
from tests.factories import deploy_fixture, fixture_bytes, only_task, start_termination


def test_employee_request_without_objection_ends_terminated(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case, "review_request")
    assert review.candidate_groups == ("gf",)
    assert review.due_at is not None
    case = casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})
    record = only_task(case, "record_termination")
    assert record.candidate_groups == ("hr_ba",)
    form = casework.tasks.get(record.id, actor=actor("personal.ba"))
    assert form.form_values["end_date"] == "2027-01-31"  # defaults to the requested date
    case = casework.tasks.complete(record.id, actor=actor("personal.ba"), data={"end_date": "2027-01-31"})
    assert case.status == "completed"
    assert case.outcome == "terminated"
    assert case.open_tasks == ()


def test_objection_ends_objected_and_is_in_the_history(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    gf = actor("gf")
    casework.tasks.claim(review.id, actor=gf)
    casework.tasks.complete(review.id, actor=gf, data={"decision": "objection",
                                                       "objection_reason": "Personalengpass im Leistungsbereich"})
    done = casework.runtime.get(case.id, actor=gf)
    assert (done.status, done.outcome) == ("completed", "objected")
    actions = [(e.action, e.actor, e.task_name) for e in casework.runtime.list_history(case.id, actor=gf)]
    assert actions[0] == ("instance_started", "mitarbeiterin", None)
    assert ("task_claimed", "gf", "review_request") in actions
    assert ("task_completed", "gf", "review_request") in actions
    assert actions[-1][0] == "instance_completed"
    assert any(a == "notification" for a, _, _ in actions)
    assert casework.history.verify_chain(case.id)


def test_history_chain_detects_tampering(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    assert casework.history.verify_chain(case.id)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE history_events SET actor='someone' WHERE instance_id=:i"), {"i": case.id})
    assert not casework.history.verify_chain(case.id)


def test_invalid_form_data_changes_nothing(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    before = db.session.scalar(sa.select(ProcessInstance.lock_version).where(ProcessInstance.id == case.id))
    with pytest.raises(ValidationFailed) as err:
        casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "objection"})
    assert "objection_reason" in err.value.fields
    db.session.remove()
    after = db.session.get(ProcessInstance, case.id)
    assert after.lock_version == before
    assert db.session.get(HumanTask, review.id).state == "open"
    assert db.session.get(HumanTask, review.id).assignee_id is None


def test_traeger_notice_ends_three_months_later_without_weekend_shift(casework, actor):
    case = casework.runtime.start(
        "assignment_termination",
        actor=actor("personal.kommune"),
        variables={"initiator": "traeger", "employee_name": "Max Muster", "employer": "kommune",
                   "reason": "Umorganisation", "notice_date": "2025-11-30"},
    )
    record = only_task(case, "record_termination")
    assert record.candidate_groups == ("hr_kommune",)
    task = casework.tasks.get(record.id, actor=actor("personal.kommune"))
    assert task.form_values["end_date"] == "2026-02-28"


def test_start_validates_variables_and_starter_groups(casework, actor):
    with pytest.raises(ValidationFailed) as err:
        start_termination(casework, actor("mitarbeiterin"), requested_end_date="2011-11-31")
    assert "requested_end_date" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        start_termination(casework, actor("mitarbeiterin"), reason="")
    assert "reason" in err.value.fields
    with pytest.raises(Forbidden):
        start_termination(casework, actor("land.ministerium"))
    with pytest.raises(NotFound):
        casework.runtime.start("no_such_process", actor=actor("admin"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) == 0


def test_other_organisation_and_group_cannot_see_or_act(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    for outsider in ("land.ministerium", "mitarbeiterin", "personal.ba"):
        with pytest.raises(NotFound):
            casework.tasks.claim(review.id, actor=actor(outsider))
        with pytest.raises(NotFound):
            casework.tasks.complete(review.id, actor=actor(outsider), data={"decision": "no_objection"})
    with pytest.raises(NotFound):
        casework.runtime.get(case.id, actor=actor("land.ministerium"))
    assert casework.runtime.get(case.id, actor=actor("mitarbeiterin")).id == case.id
    assert casework.tasks.list(actor=actor("land.ministerium")).total == 0
    assert casework.tasks.list(actor=actor("gf"), scope="candidate").total == 1


def test_claim_conflicts_and_unclaim(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    casework.directory.ensure_user("gf2", display_name="Zweite GF", password="x",
                                   organisation_id=actor("gf").primary_organisation_id, groups=["gf"])
    casework.tasks.claim(review.id, actor=actor("gf"))
    with pytest.raises(Conflict):
        casework.tasks.claim(review.id, actor=actor("gf2"))
    with pytest.raises(Conflict):
        casework.tasks.complete(review.id, actor=actor("gf2"), data={"decision": "no_objection"})
    assert casework.tasks.list(actor=actor("gf"), scope="mine").total == 1
    casework.tasks.unclaim(review.id, actor=actor("gf"))
    assert casework.tasks.claim(review.id, actor=actor("gf2")).assignee == "gf2"


def test_completed_task_cannot_be_completed_again(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})
    with pytest.raises(Conflict):
        casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})


@pytest.mark.parametrize("script", ["x = open('/etc/passwd').read()", "os = __import__('os')", "import os",
                                    "x = ().__class__.__bases__[0].__subclasses__()"])
def test_sandbox_failure_is_recorded_and_harmless(casework, actor, script):
    deploy_fixture(casework, "svc_evil_script.bpmn", SCRIPT=script)
    case = casework.runtime.start("svc_evil_script", actor=actor("gf"))
    assert case.status == "error"
    assert case.error_element == "read_secrets"
    assert "sandbox" in case.error_message
    assert "root:" not in (case.error_message or "")
    assert case.open_tasks == ()
    history = casework.runtime.list_history(case.id, actor=actor("gf"))
    failed = [e for e in history if e.action == "instance_failed"]
    assert failed and failed[0].data["element"] == "read_secrets"
    assert "root:" not in str(case.variables)


def test_deploy_versions_and_running_cases_keep_theirs(casework, actor):
    v1 = deploy_fixture(casework, "svc_two_steps.bpmn", TITLE_ONE="Erster Schritt")
    again = casework.repository.deploy({"svc_two_steps.bpmn": fixture_bytes("svc_two_steps.bpmn",
                                        TITLE_ONE="Erster Schritt")}, actor=None)
    assert again[0][0].version == v1.version and again[0][1] is False
    old_case = casework.runtime.start("svc_two_steps", actor=actor("mitarbeiterin"))
    v2 = deploy_fixture(casework, "svc_two_steps.bpmn", TITLE_ONE="Erster Schritt (neu)")
    assert v2.version == v1.version + 1
    new_case = casework.runtime.start("svc_two_steps", actor=actor("mitarbeiterin"))
    assert (old_case.version, new_case.version) == (v1.version, v2.version)
    assert only_task(old_case).title == "Erster Schritt"
    assert only_task(new_case).title == "Erster Schritt (neu)"
    casework.repository.cache.clear()  # as in a fresh process: the old version re-parses from the DB
    after = casework.tasks.complete(only_task(old_case).id, actor=actor("gf"), data={"answer": "ja"})
    assert only_task(after).name == "second_step"
    assert casework.runtime.get(old_case.id, actor=actor("gf")).version == v1.version


def test_broken_deploy_keeps_previous_version(casework, actor):
    v1 = deploy_fixture(casework, "svc_two_steps.bpmn", TITLE_ONE="Erster Schritt")
    broken = fixture_bytes("svc_two_steps.bpmn", TITLE_ONE="Kaputt").replace(b'type="string"', b'type="colour"', 1)
    with pytest.raises(DefinitionInvalid) as err:
        casework.repository.deploy({"svc_two_steps.bpmn": broken}, actor=actor("designer"))
    assert any(p.element_id == "first_step" for p in err.value.problems)
    with pytest.raises(DefinitionInvalid) as err:
        casework.repository.deploy({"svc_two_steps.bpmn": b"<bpmn:definitions"}, actor=actor("designer"))
    assert casework.repository.get_definition("svc_two_steps").version == v1.version
    with pytest.raises(Forbidden):
        casework.repository.deploy({"svc_two_steps.bpmn": broken}, actor=actor("gf"))


def test_admin_terminates_a_case(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    with pytest.raises(Forbidden):
        casework.runtime.terminate(case.id, actor=actor("gf"), reason="Test")
    done = casework.runtime.terminate(case.id, actor=actor("admin"), reason="Irrtümlich angelegt")
    assert done.status == "terminated" and done.open_tasks == ()
    assert casework.tasks.list(actor=actor("gf")).total == 0
    with pytest.raises(Conflict):
        casework.runtime.terminate(case.id, actor=actor("admin"), reason="nochmal")


def test_a_second_process_writing_the_case_is_never_missed(casework, actor, app):
    """Each app process keeps recently written workflows in memory; the version check makes a
    write by another process win over the stale copy."""
    from casework import Casework

    other_process = Casework(clock=casework.clock, password_method="pbkdf2:sha256:1000")
    case = start_termination(casework, actor("mitarbeiterin"))  # this process keeps the workflow
    review = only_task(case)
    after = other_process.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})
    record = only_task(after, "record_termination")
    # this process's copy still sits at review_request: it must not be used
    done = casework.tasks.complete(record.id, actor=actor("personal.ba"), data={"end_date": "2027-01-31"})
    assert (done.status, done.outcome) == ("completed", "terminated")
    with pytest.raises(Conflict):
        casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "objection",
                                                                    "objection_reason": "zu spät"})


def test_a_failed_step_does_not_leave_a_changed_workflow_in_memory(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    with pytest.raises(ValidationFailed):
        casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "objection"})
    done = casework.tasks.complete(review.id, actor=actor("gf"), data={"decision": "no_objection"})
    assert only_task(done).name == "record_termination"


@pytest.mark.parametrize(("starter", "initiator"), [("mitarbeiterin", "traeger"), ("personal.ba", "employee")])
def test_only_employees_request_and_only_hr_gives_notice(casework, actor, starter, initiator):
    """DOMAIN.md §4.1: the employee's own request, or the Träger's HR for dienstliche Gründe."""
    variables = {"initiator": initiator, "employee_name": "Max Muster", "employer": "ba", "reason": "x",
                 "requested_end_date": "2027-01-31", "notice_date": "2026-12-01"}
    with pytest.raises(ValidationFailed) as err:
        casework.runtime.start("assignment_termination", actor=actor(starter), variables=variables)
    assert "Personalstelle" in err.value.fields["initiator"]


def test_admin_retries_a_failed_case_with_corrected_variables(casework, actor):
    deploy_fixture(casework, "svc_divide.bpmn")
    case = casework.runtime.start("svc_divide", actor=actor("gf"), variables={"total": 10, "divisor": 0})
    assert (case.status, case.error_element) == ("error", "divide")
    with pytest.raises(Forbidden):
        casework.runtime.retry(case.id, actor=actor("gf"), variables={"divisor": 5})
    again = casework.runtime.retry(case.id, actor=actor("admin"))  # the same data fails the same way
    assert again.status == "error"
    fixed = casework.runtime.retry(case.id, actor=actor("admin"), variables={"divisor": 5})
    assert fixed.status == "running" and only_task(fixed).name == "after_script"
    assert fixed.variables["share"] == 2
    actions = [e.action for e in casework.runtime.list_history(case.id, actor=actor("admin"))]
    assert actions.count("instance_failed") == 2 and actions.count("instance_retried") == 2
    with pytest.raises(Conflict):
        casework.runtime.retry(case.id, actor=actor("admin"))
