"""Legal parameters: looked up by date at the boundaries, Land overrides, new versions, the seed,
and the history entry a BPMN script leaves when it uses one."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from casework.errors import Forbidden, NotFound, ValidationFailed
from casework.governance.legal import SEED
from casework.helpers import collect_effects
from models import LegalParameter, db
from tests.factories import deploy_fixture


@pytest.mark.parametrize(
    ("key", "on", "expected"),
    [
        ("council_quorum_rule", "2010-11-25", "council_two_thirds"),
        ("council_quorum_rule", "2014-10-06", "council_two_thirds"),
        ("council_quorum_rule", "2014-10-07", "simple_majority"),
        ("notification_fiction_days", "2024-12-31", 3),
        ("notification_fiction_days", "2025-01-01", 4),
        ("statutory_assignment_years", "2014-12-31", 5),
        ("statutory_assignment_years", "2015-01-01", None),  # permanent
        ("gf_consent_reassignment", "2022-12-31", True),
        ("gf_consent_reassignment", "2023-01-01", False),
        ("bund_share_admin_costs", "2026-11-25", 84.8),
        ("kommune_share_admin_costs", "2026-11-25", 15.2),
        ("transition_date", "2011-06-30", "2011-12-31"),
    ],
)
def test_value_by_date_at_the_boundaries(casework: Any, key: str, on: str, expected: Any) -> None:
    assert casework.legal.value(key, on) == expected


def test_draft_share_is_documented_not_in_force(casework: Any) -> None:
    version = casework.legal.lookup("bund_share_admin_costs", "2011-01-01")
    assert version.value == 84.8
    assert "87,4" in version.source and "§ 46 Abs. 3" in version.source
    assert casework.legal.value("bund_share_admin_costs", "2020-01-01") + casework.legal.value(
        "kommune_share_admin_costs", "2020-01-01") == pytest.approx(100)


def test_option_windows_are_recorded(casework: Any) -> None:
    assert casework.legal.value("option_window", "2015-07-01") == [
        {"from": "2010-01-01", "to": "2010-12-31"}, {"from": "2015-06-30", "to": "2015-12-31"}]


@pytest.mark.parametrize(
    ("key", "on"),
    [("no_such_parameter", "2025-01-01"), ("council_quorum_rule", "2004-12-31")],
)
def test_missing_parameter_is_a_clear_error(casework: Any, key: str, on: str) -> None:
    with pytest.raises(NotFound, match=key):
        casework.legal.value(key, on)


def test_bad_date_or_land_is_refused(casework: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        casework.legal.value("notification_fiction_days", "2024-02-30")
    assert "on" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        casework.legal.value("notification_fiction_days", "2025-01-01", land="XX")
    assert "land" in err.value.fields


@pytest.mark.usefixtures("restore_legal")
def test_land_override_wins_and_new_version_closes_the_previous(casework: Any, actor: Any) -> None:
    admin = actor("admin")
    casework.legal.add_version(key="council_quorum_rule", land="BY", valid_from="2014-10-07",
                               value='"council_two_thirds"', source="Landesrecht (Beispiel)", actor=admin)
    assert casework.legal.value("council_quorum_rule", "2020-01-01", land="BY") == "council_two_thirds"
    assert casework.legal.value("council_quorum_rule", "2020-01-01", land="NW") == "simple_majority"
    assert casework.legal.value("council_quorum_rule", "2020-01-01") == "simple_majority"
    casework.legal.add_version(key="notification_fiction_days", valid_from="2030-01-01", value="5",
                               source="Gedachte Änderung", actor=admin)
    assert casework.legal.value("notification_fiction_days", "2029-12-31") == 4
    assert casework.legal.value("notification_fiction_days", "2030-01-01") == 5
    closed = casework.legal.lookup("notification_fiction_days", "2029-12-31")
    assert closed.valid_to is not None and closed.valid_to.isoformat() == "2029-12-31"
    assert closed.label == casework.legal.lookup("notification_fiction_days", "2030-01-01").label
    # the calculator follows the new version by posting date
    assert casework.deadlines.notified_on("2030-01-02").isoformat() == "2030-01-07"


@pytest.mark.usefixtures("restore_legal")
def test_new_versions_are_checked_and_admin_only(casework: Any, actor: Any) -> None:
    with pytest.raises(Forbidden):
        casework.legal.add_version(key="notification_fiction_days", valid_from="2030-01-01", value="5",
                                   source="x", actor=actor("gf"))
    admin = actor("admin")
    cases = [
        ({"valid_from": "2024-01-01"}, "valid_from"),  # before the latest version's start
        ({"valid_from": "2030-02-30"}, "valid_from"),
        ({"value": "not json"}, "value"),
        ({"source": " "}, "source"),
        ({"land": "XX"}, "land"),
        ({"key": "Bad Key"}, "key"),
    ]
    for change, field in cases:
        arguments = {"key": "notification_fiction_days", "valid_from": "2030-01-01", "value": "5",
                     "source": "Gedachte Änderung", **change}
        with pytest.raises(ValidationFailed) as err:
            casework.legal.add_version(actor=admin, **arguments)
        assert field in err.value.fields, (change, err.value.fields)
    with pytest.raises(ValidationFailed) as err:
        casework.legal.add_version(key="transition_date", valid_from="2030-01-01", value='"2011-11-31"',
                                   source="Das Papier", actor=admin)
    assert "2011-11-31" in err.value.fields["value"]
    assert casework.legal.value("notification_fiction_days", "2030-01-01") == 4  # nothing changed


@pytest.mark.usefixtures("restore_legal")
def test_seed_is_idempotent_and_validates_dates(casework: Any) -> None:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(LegalParameter))
    assert count == len(SEED)
    assert casework.legal.seed() == 0
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalParameter)) == len(SEED)
    bad = ("transition_date", None, "2011-11-31", None, "2011-12-31", None, "Übergang", "DStGB-Papier")
    good = ("transition_note", None, "2011-01-01", None, 1, None, "Notiz", "Test")
    with pytest.raises(ValidationFailed) as err:
        casework.legal.seed(rows=(good, bad))
    assert "valid_from" in err.value.fields
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalParameter)) == len(SEED)


def test_list_shows_every_version_in_order(casework: Any) -> None:
    versions = casework.legal.list()
    quorum = [(v.valid_from.isoformat(), v.valid_to and v.valid_to.isoformat(), v.value)
              for v in versions if v.key == "council_quorum_rule"]
    assert quorum == [("2005-01-01", "2014-10-06", "council_two_thirds"), ("2014-10-07", None, "simple_majority")]
    assert all(v.source for v in versions)


def test_helper_records_the_version_it_used(casework: Any) -> None:
    helper = casework.legal.script_helpers()["legal_parameter"]
    with collect_effects() as effects:
        assert helper("notification_fiction_days", "2024-12-31") == 3
    assert effects == [{"type": "legal_parameter", "key": "notification_fiction_days", "valid_from": "1981-01-01",
                        "value": 3, "land": None, "on": "2024-12-31"}]
    with collect_effects(), pytest.raises(ValueError, match="no_such"):
        helper("no_such", "2024-12-31")
    with collect_effects(), pytest.raises(ValueError, match="2011-11-31"):
        helper("transition_date", "2011-11-31")


@pytest.mark.parametrize(
    ("resolution_date", "rule", "valid_from"),
    [("2014-10-06", "council_two_thirds", "2005-01-01"), ("2014-10-07", "simple_majority", "2014-10-07")],
)
def test_bpmn_script_uses_parameters_and_history_records_them(
    casework: Any, actor: Any, resolution_date: str, rule: str, valid_from: str
) -> None:
    deploy_fixture(casework, "legal_probe.bpmn")
    admin = actor("admin")
    case = casework.runtime.start("legal_probe", actor=admin, variables={
        "resolution_date": resolution_date, "posted_on": "2025-06-02", "land": "NW"})
    variables = casework.runtime.get(case.id, actor=admin).variables
    assert variables["quorum_rule"] == rule
    assert variables["fiction_days"] == 4
    assert variables["received"] == "2025-06-06"
    assert variables["objection_until"] == "2025-07-07"
    assert variables["term_end"] == "2031-02-28"
    used = [e.data for e in casework.runtime.list_history(case.id, actor=admin) if e.action == "legal_parameter_used"]
    assert [(u["key"], u["valid_from"], u["value"]) for u in used] == [
        ("council_quorum_rule", valid_from, rule), ("notification_fiction_days", "2025-01-01", 4)]
    assert casework.history.verify_chain(case.id)


def test_bpmn_script_with_an_impossible_date_fails_clearly(casework: Any, actor: Any) -> None:
    deploy_fixture(casework, "legal_probe.bpmn")
    admin = actor("admin")
    case = casework.runtime.start("legal_probe", actor=admin, variables={
        "resolution_date": "2011-11-31", "posted_on": "2025-06-02", "land": "NW"})
    assert case.status == "error"
    failed = [e.data for e in casework.runtime.list_history(case.id, actor=admin) if e.action == "instance_failed"]
    assert failed and "2011-11-31" in failed[0]["error"]


@pytest.mark.usefixtures("restore_legal")
def test_plain_setup_seeds_the_law_once(app: Any, casework: Any) -> None:
    # the parameters are facts of the law: `setup` without --demo writes them, and again writes nothing
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM legal_parameters"))
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["setup"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalParameter)) == len(SEED)
    assert casework.legal.value("transition_date", "2011-12-31") == "2011-12-31"


@pytest.mark.usefixtures("restore_legal")
def test_running_cases_see_versions_admins_added(casework: Any, actor: Any) -> None:
    admin = actor("admin")
    casework.legal.add_version(key="council_quorum_rule", land="BY", valid_from="2014-10-07",
                               value='"council_two_thirds"', source="Landesrecht (Beispiel)", actor=admin)
    deploy_fixture(casework, "legal_probe.bpmn")
    # a case's Land is its organisation's (issue 11): the admin starts it for a Bavarian one
    bavaria = casework.directory.ensure_organisation("land-by", "Freistaat Bayern", "land", "BY")
    case = casework.runtime.start("legal_probe", actor=admin, organisation_id=bavaria, variables={
        "resolution_date": "2020-05-05", "posted_on": "2025-06-02", "land": "BY"})
    assert casework.runtime.get(case.id, actor=admin).variables["quorum_rule"] == "council_two_thirds"
    used = [e.data for e in casework.runtime.list_history(case.id, actor=admin) if e.action == "legal_parameter_used"]
    assert used[0]["land"] == "BY" and used[0]["on"] == "2020-05-05"
