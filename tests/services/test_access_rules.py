"""Who sees and does what (DOMAIN.md §2): organisations, participation, supervisors, admins."""

from __future__ import annotations

import pytest

from casework.errors import Forbidden, NotFound
from tests.factories import only_task, start_termination


def test_linked_organisations_see_a_case_only_when_it_reaches_them(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    for outsider in ("personal.ba", "traeger.ba", "traeger.kommune", "land.ministerium", "ihk"):
        with pytest.raises(NotFound):
            casework.runtime.get(case.id, actor=actor(outsider))
    casework.tasks.complete(only_task(case).id, actor=actor("gf"), data={"decision": "no_objection"})
    # the record task is offered to the Agentur's HR now: they take part
    assert casework.runtime.get(case.id, actor=actor("personal.ba")).id == case.id
    with pytest.raises(NotFound):
        casework.runtime.get(case.id, actor=actor("personal.kommune"))
    assert [c.id for c in casework.runtime.list(actor=actor("personal.ba")).items] == [case.id]
    assert casework.runtime.list(actor=actor("traeger.ba")).total == 0


def test_a_notice_by_one_traeger_reaches_the_other_traegers_hr(casework, actor):
    """personal.ba gives notice for a Kommune employee: the Kreis's HR records it (via the Jobcenter)."""
    case = casework.runtime.start(
        "assignment_termination",
        actor=actor("personal.ba"),
        variables={"initiator": "traeger", "employee_name": "Max Muster", "employer": "kommune",
                   "reason": "Umorganisation", "notice_date": "2025-11-30"},
    )
    record = only_task(case, "record_termination")
    assert casework.tasks.list(actor=actor("personal.kommune"), scope="candidate").total == 1
    done = casework.tasks.complete(record.id, actor=actor("personal.kommune"), data={})
    assert (done.outcome, done.variables["end_date"]) == ("terminated", "2026-02-28")


def test_supervisor_assigns_but_neither_sees_nor_does_the_task(casework, actor):
    """DOMAIN.md §2: tasks are seen by their assignee and candidates; gf supervises hr_ba and may
    hand its task on, but the task itself stays the HR's (404 for everything else)."""
    case = start_termination(casework, actor("mitarbeiterin"))
    after = casework.tasks.complete(only_task(case).id, actor=actor("gf"), data={"decision": "no_objection"})
    record = only_task(after)
    gf = actor("gf")
    for act in (lambda: casework.tasks.get(record.id, actor=gf),
                lambda: casework.tasks.claim(record.id, actor=gf),
                lambda: casework.tasks.complete(record.id, actor=gf, data={"end_date": "2027-01-31"})):
        with pytest.raises(NotFound):
            act()
    assert casework.tasks.assign(record.id, actor=gf, username="personal.ba").assignee == "personal.ba"
    with pytest.raises(NotFound):  # not hers to see
        casework.tasks.assign(record.id, actor=actor("mitarbeiterin"), username="personal.ba")


def test_admin_sees_everything_but_does_not_do_the_work(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    review = only_task(case)
    admin = actor("admin")
    assert casework.runtime.get(case.id, actor=admin).id == case.id
    with pytest.raises(Forbidden):
        casework.tasks.claim(review.id, actor=admin)
    assert casework.tasks.assign(review.id, actor=admin, username="gf").assignee == "gf"


def test_a_left_out_field_takes_the_value_the_form_shows(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"), requested_end_date="2027-03-31")
    after = casework.tasks.complete(only_task(case).id, actor=actor("gf"), data={"decision": "no_objection"})
    done = casework.tasks.complete(only_task(after).id, actor=actor("personal.ba"), data={})
    assert done.variables["end_date"] == "2027-03-31"


def test_terminated_case_keeps_its_variables(casework, actor):
    case = start_termination(casework, actor("mitarbeiterin"))
    done = casework.runtime.terminate(case.id, actor=actor("admin"), reason="Doppelt erfasst")
    again = casework.runtime.get(case.id, actor=actor("admin"))
    assert done.variables["employee_name"] == again.variables["employee_name"] == "Erika Beispiel"
    assert done.ended_at == again.ended_at and again.organisation == "Jobcenter Musterkreis"


def test_wrong_passwords_never_lock_the_account_itself(casework):
    """Issue 11 §4: the lock strangers could trigger is gone; the sign-in throttle in front of
    authenticate() slows guessing per client and account (tests/safety/test_login_throttling.py)."""
    directory = casework.directory
    for _ in range(20):
        assert directory.authenticate("gf", "falsch") is None
    assert directory.authenticate("gf", "demo") is not None
