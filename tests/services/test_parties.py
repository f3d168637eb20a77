"""involve(group, land): a running case brings further organisations in (casework/cases/parties.py).

A probe process runs SCRIPT_ONE, opens task ``one``, runs SCRIPT_TWO and opens task ``two``; each
test fills in the scripts and the tasks' groups. Also: assignment expressions (``${...}`` in
``camunda:assignee`` and friends) run in the case's context (casework/cases/sync.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from casework.errors import NotFound
from models import CaseParty, Organisation, ProcessInstance, db

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="definitions_party_probe" targetNamespace="https://fallwerk.example/tests">
  <bpmn:process id="party_probe" name="Beteiligte (Test)" isExecutable="true"
                camunda:candidateStarterGroups="employee,admin">
    <bpmn:startEvent id="start_event" />
    <bpmn:scriptTask id="first" name="Erster Schritt" scriptFormat="python">
      <bpmn:script>SCRIPT_ONE</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="one" name="Aufgabe eins" ATTRS_ONE />
    <bpmn:scriptTask id="second" name="Zweiter Schritt" scriptFormat="python">
      <bpmn:script>SCRIPT_TWO</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="two" name="Aufgabe zwei" camunda:candidateGroups="GROUPS_TWO" />
    <bpmn:endEvent id="end_event" />
    <bpmn:sequenceFlow id="f1" sourceRef="start_event" targetRef="first" />
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="one" />
    <bpmn:sequenceFlow id="f3" sourceRef="one" targetRef="second" />
    <bpmn:sequenceFlow id="f4" sourceRef="second" targetRef="two" />
    <bpmn:sequenceFlow id="f5" sourceRef="two" targetRef="end_event" />
  </bpmn:process>
</bpmn:definitions>
"""
LAND = "Land Nordrhein-Westfalen"
BMAS = "Bundesministerium für Arbeit und Soziales"


def deploy(casework: Any, script_one: str = "pass", groups_one: str = "employee", script_two: str = "pass",
           groups_two: str = "employee", attrs_one: str | None = None) -> None:
    text = (PROBE.replace("SCRIPT_ONE", script_one).replace("SCRIPT_TWO", script_two)
            .replace("GROUPS_TWO", groups_two)
            .replace("ATTRS_ONE", attrs_one or f'camunda:candidateGroups="{groups_one}"'))
    casework.repository.deploy({"party_probe.bpmn": text.encode()}, actor=None)


def start(casework: Any, actor: Any, variables: dict[str, Any] | None = None) -> Any:
    return casework.runtime.start("party_probe", actor=actor("mitarbeiterin"), variables=variables or {})


def org_ids(*names: str) -> list[int]:
    by_name = dict(db.session.execute(sa.select(Organisation.name, Organisation.id)).all())
    return [by_name[n] for n in names]


def parties_of(instance_id: str) -> tuple[list[int], set[int]]:
    """The instance's parties column and its case_parties rows."""
    column = db.session.scalar(sa.select(ProcessInstance.parties).where(ProcessInstance.id == instance_id))
    rows = set(db.session.scalars(sa.select(CaseParty.organisation_id).where(CaseParty.instance_id == instance_id)))
    db.session.remove()
    return list(column or ()), rows


def involvements(casework: Any, actor: Any, instance_id: str) -> list[dict[str, Any]]:
    return [e.data for e in casework.runtime.list_history(instance_id, actor=actor("admin"))
            if e.action == "parties_added"]


def inbox(casework: Any, actor: Any, username: str, instance_id: str) -> list[str]:
    page = casework.tasks.list(actor=actor(username), scope="candidate", process_instance_id=instance_id)
    return [t.name for t in page.items]


def test_involving_at_start_offers_the_first_task_there(casework: Any, actor: Any) -> None:
    deploy(casework, script_one="found = involve('land_authority', land)", groups_one="land_authority")
    case = start(casework, actor)
    assert case.status == "running" and case.variables["found"] == [LAND]
    (one,) = case.open_tasks
    assert inbox(casework, actor, "land.ministerium", case.id) == ["one"]
    column, rows = parties_of(case.id)
    jc, aa, kreis, land = org_ids("Jobcenter Musterkreis", "Agentur für Arbeit Musterstadt", "Kreis Musterkreis", LAND)
    assert column == [jc, aa, kreis, land] and rows == set(column)
    assert involvements(casework, actor, case.id) == [
        {"type": "involve", "group": "land_authority", "organisations": [LAND], "organisation_ids": [land]}]
    done = casework.tasks.complete(one.id, actor=actor("land.ministerium"), data={})
    assert [t.name for t in done.open_tasks] == ["two"]


def test_involving_twice_adds_an_organisation_once(casework: Any, actor: Any) -> None:
    deploy(casework, script_one="a = involve('land_authority', land)\nb = involve('ka_office', land)\n"
                                "c = involve('land_authority')",
           script_two="d = involve('land_authority', land)")
    case = start(casework, actor)
    assert case.variables["a"] == case.variables["b"] == case.variables["c"] == [LAND]
    assert len(involvements(casework, actor, case.id)) == 1
    (one,) = case.open_tasks
    done = casework.tasks.complete(one.id, actor=actor("mitarbeiterin"), data={})
    assert done.variables["d"] == [LAND] and done.status == "running"
    assert len(involvements(casework, actor, case.id)) == 1
    column, rows = parties_of(case.id)
    assert column.count(org_ids(LAND)[0]) == 1 and rows == set(column)


def test_a_party_sees_the_case_once_a_task_is_offered_to_its_group(casework: Any, actor: Any) -> None:
    deploy(casework, script_one="involve('land_authority', land)", groups_one="employee",
           script_two="involve('bmas')", groups_two="land_authority,bmas")
    case = start(casework, actor)
    (one,) = case.open_tasks
    # the Land is a party, but nothing is offered to its groups yet: its users do not see the case
    with pytest.raises(NotFound):
        casework.runtime.get(case.id, actor=actor("land.ministerium"))
    done = casework.tasks.complete(one.id, actor=actor("mitarbeiterin"), data={})
    (two,) = done.open_tasks
    assert two.candidate_groups == ("land_authority", "bmas")
    for username in ("land.ministerium", "bmas.referat"):
        assert inbox(casework, actor, username, case.id) == ["two"]
        assert casework.runtime.get(case.id, actor=actor(username)).id == case.id
    # an organisation nobody involved sees neither the case nor the task
    for outsider in ("gemeinde.musterdorf", "ihk", "ka.buero"):
        with pytest.raises(NotFound):
            casework.runtime.get(case.id, actor=actor(outsider))
        with pytest.raises(NotFound):
            casework.tasks.get(two.id, actor=actor(outsider))
    column, rows = parties_of(case.id)
    assert column[-2:] == org_ids(LAND, BMAS) and rows == set(column)
    assert [d["organisations"] for d in involvements(casework, actor, case.id)] == [[LAND], [BMAS]]


@pytest.mark.parametrize(("call", "message"), [
    ("involve('no_such_group')", "involve: unknown group 'no_such_group'"),
    ("involve('')", "involve: expected a group name"),
    ("involve('bmas', 'XX')", "unknown Land"),
])
def test_a_wrong_call_stops_the_case_with_a_clear_error(casework: Any, actor: Any, call: str, message: str) -> None:
    deploy(casework, script_one=call)
    case = start(casework, actor)
    assert (case.status, case.error_element) == ("error", "first")
    assert message in (case.error_message or "")
    assert involvements(casework, actor, case.id) == []


def test_a_land_without_members_of_the_group_adds_nobody(casework: Any, actor: Any) -> None:
    deploy(casework, script_one="found = involve('land_authority', 'BY')", groups_one="land_authority")
    case = start(casework, actor)
    assert case.variables["found"] == [] and involvements(casework, actor, case.id) == []
    assert inbox(casework, actor, "land.ministerium", case.id) == []


def test_retry_with_a_corrected_group_involves_it(casework: Any, actor: Any) -> None:
    deploy(casework, script_one="involve(group, land)", groups_one="land_authority")
    case = start(casework, actor, {"group": "no_such_group"})
    assert case.status == "error"
    retried = casework.runtime.retry(case.id, actor=actor("admin"), variables={"group": "land_authority"})
    assert retried.status == "running" and [t.name for t in retried.open_tasks] == ["one"]
    assert inbox(casework, actor, "land.ministerium", case.id) == ["one"]
    assert org_ids(LAND)[0] in parties_of(case.id)[1]


def test_assignment_expressions_run_in_the_case(casework: Any, actor: Any) -> None:
    # group_members needs the case (its parties, the session); what an expression sends is dropped
    deploy(casework, attrs_one='camunda:candidateGroups="land_authority" '
                               'camunda:assignee="${group_members(\'land_authority\')[0]}" '
                               'camunda:priority="${notify(\'gf\', \'nie\', \'nie\') or 70}"')
    case = start(casework, actor)
    (one,) = case.open_tasks
    assert (one.assignee, one.priority) == ("land.ministerium", 70)
    actions = [e.action for e in casework.runtime.list_history(case.id, actor=actor("admin"))]
    assert "notification" not in actions
    created = [e.data for e in casework.runtime.list_history(case.id, actor=actor("admin"))
               if e.action == "task_created"]
    assert "assignment_error" not in created[0]


def test_involve_outside_a_case_does_nothing(app: Any) -> None:
    from casework.cases.parties import build_party_helpers

    # a dry run or the designer's check: no case, no directory, nothing involved
    assert build_party_helpers()["involve"]("bmas") == []


TIMER_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  id="definitions_party_timer_probe" targetNamespace="https://fallwerk.example/tests">
  <bpmn:process id="party_timer_probe" name="Beteiligte nach Frist (Test)" isExecutable="true"
                camunda:candidateStarterGroups="employee,admin">
    <bpmn:startEvent id="start_event" />
    <bpmn:intermediateCatchEvent id="wait" name="Einen Tag warten">
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDuration>"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="bring_in" name="Land beteiligen" scriptFormat="python">
      <bpmn:script>involve('land_authority', land)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="assess" name="Prüfen" camunda:candidateGroups="land_authority" />
    <bpmn:endEvent id="end_event" />
    <bpmn:sequenceFlow id="f1" sourceRef="start_event" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="bring_in" />
    <bpmn:sequenceFlow id="f3" sourceRef="bring_in" targetRef="assess" />
    <bpmn:sequenceFlow id="f4" sourceRef="assess" targetRef="end_event" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_timer_firing_step_involves_too(casework: Any, actor: Any, clock: Any) -> None:
    from datetime import timedelta

    casework.repository.deploy({"party_timer_probe.bpmn": TIMER_PROBE.encode()}, actor=None)
    case = casework.runtime.start("party_timer_probe", actor=actor("mitarbeiterin"), variables={})
    assert case.open_tasks == ()
    clock.set(clock.now() + timedelta(days=1, hours=1))
    casework.management.fire_due()
    assert inbox(casework, actor, "land.ministerium", case.id) == ["assess"]
    assert [d["organisations"] for d in involvements(casework, actor, case.id)] == [[LAND]]
    assert org_ids(LAND)[0] in parties_of(case.id)[1]


def test_a_message_step_involves_too(casework: Any, actor: Any) -> None:
    from tests.factories import deploy_fixture

    # the withdrawal's script brings the Land in (a step run by a correlated message)
    deploy_fixture(casework, "message_withdrawal.bpmn",
                   **{"outcome = 'withdrawn'": "outcome = 'withdrawn'\ninvolve('land_authority', land)"})
    case = casework.runtime.start("message_withdrawal", actor=actor("mitarbeiterin"),
                                  variables={"file_number": "ZW-PARTY"})
    assert casework.runtime.correlate_message("request_withdrawn", "ZW-PARTY", {},
                                              actor=actor("mitarbeiterin")) == [case.id]
    assert casework.runtime.get(case.id, actor=actor("admin")).outcome == "withdrawn"
    assert [d["organisations"] for d in involvements(casework, actor, case.id)] == [[LAND]]
    column, rows = parties_of(case.id)
    assert org_ids(LAND)[0] in column and rows == set(column)
