"""DesignerService against the database: drafts, the check, deployments, versions, diffs, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casework import Casework
from casework.designer import template_xml
from casework.errors import Conflict, DefinitionInvalid, Forbidden, NotFound, ValidationFailed
from tests.designer.conftest import FILE, KEY
from tests.factories import fixture_bytes


def test_a_draft_is_saved_listed_and_overwritten(casework: Casework, actor: Any, v1: str, v2: str, clock: Any) -> None:
    designer = actor("designer")
    first = casework.designer.save_draft(KEY, FILE, v1, actor=designer)
    assert (first.updated_by, first.based_on_version, first.updated_at) == ("designer", None, clock.now())
    casework.designer.save_draft(KEY, FILE, v2, actor=actor("admin"), based_on_version=1)
    drafts = casework.designer.list_drafts(actor=designer)
    assert [(d.process_key, d.file_name, d.updated_by, d.based_on_version) for d in drafts] == [
        (KEY, FILE, "admin", 1)
    ]
    source = casework.designer.get_source(KEY, actor=designer)
    assert source.is_draft and source.xml == v2 and source.latest_version is None


@pytest.mark.parametrize(
    ("file_name", "content", "field"),
    [
        ("../etc/passwd.bpmn", "<x/>", "file_name"),
        ("review.txt", "<x/>", "file_name"),
        (FILE, "   ", "xml"),
        (FILE, "<bpmn:definitions", "xml"),
        (FILE, '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "xml"),
    ],
)
def test_a_bad_draft_is_refused_and_nothing_is_saved(
    casework: Casework, actor: Any, file_name: str, content: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        casework.designer.save_draft(KEY, file_name, content, actor=actor("designer"))
    assert field in caught.value.fields
    assert casework.designer.list_drafts(actor=actor("designer")) == []


def test_only_designers_and_admins_use_the_designer(casework: Casework, actor: Any, v1: str) -> None:
    with pytest.raises(Forbidden):
        casework.designer.save_draft(KEY, FILE, v1, actor=actor("mitarbeiterin"))
    with pytest.raises(Forbidden):
        casework.designer.validate(KEY, FILE, v1, actor=actor("gf"))
    with pytest.raises(Forbidden):
        casework.designer.list_processes(actor=actor("gf"))
    assert casework.designer.list_processes(actor=actor("admin"))


def test_validate_returns_problems_with_element_ids_and_deploys_nothing(
    casework: Casework, actor: Any, v1: str
) -> None:
    broken = v1.replace(' camunda:candidateGroups="employee">', ' camunda:candidateGroups="employee" camunda:priority="hoch">', 1)
    problems = casework.designer.validate(KEY, FILE, broken, actor=actor("designer"))
    errors = [(p.element_id, p.severity) for p in problems if p.severity == "error"]
    assert errors == [("handle_case", "error")]
    assert "camunda:priority" in problems[0].message
    with pytest.raises(NotFound):
        casework.repository.get_definition(KEY)


def test_validate_of_a_clean_model_finds_nothing(casework: Casework, actor: Any, v1: str) -> None:
    assert casework.designer.validate(KEY, FILE, v1, actor=actor("designer")) == []


def test_validate_reports_unknown_groups_and_unreadable_xml(casework: Casework, actor: Any, v1: str) -> None:
    unknown = v1.replace('camunda:candidateGroups="employee"', 'camunda:candidateGroups="nobody_here"', 1)
    [problem] = casework.designer.validate(KEY, FILE, unknown, actor=actor("designer"))
    assert (problem.element_id, problem.severity) == ("handle_case", "warning")
    [broken] = casework.designer.validate(KEY, FILE, "<bpmn:definitions", actor=actor("designer"))
    assert broken.severity == "error" and "well-formed" in broken.message


def test_deploy_creates_version_n_plus_1_and_running_cases_keep_theirs(
    casework: Casework, actor: Any, v1: str, v2: str
) -> None:
    designer = actor("designer")
    casework.designer.save_draft(KEY, FILE, v1, actor=designer)
    first = casework.designer.deploy(KEY, FILE, v1, actor=designer)
    assert [(d.key, d.version, created) for d, created in first.definitions] == [(KEY, 1, True)]
    assert casework.designer.list_drafts(actor=designer) == []  # the deployed draft is gone
    case = casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    second = casework.designer.deploy(KEY, FILE, v2, actor=designer)
    assert [(d.version, created) for d, created in second.definitions] == [(2, True)]
    assert casework.repository.get_definition(KEY).deployed_by == "designer"
    still = casework.runtime.get(case.id, actor=actor("mitarbeiterin"))
    assert still.version == 1 and [t.name for t in still.open_tasks] == ["handle_case"]
    again = casework.designer.deploy(KEY, FILE, v2, actor=designer)
    assert [(d.version, created) for d, created in again.definitions] == [(2, False)]


def test_a_failing_deploy_deploys_nothing_and_keeps_the_draft(casework: Casework, actor: Any, v1: str) -> None:
    designer = actor("designer")
    broken = v1.replace(' camunda:candidateGroups="employee">', ' camunda:candidateGroups="employee" camunda:priority="hoch">', 1)
    casework.designer.save_draft(KEY, FILE, broken, actor=designer)
    with pytest.raises(DefinitionInvalid) as caught:
        casework.designer.deploy(KEY, FILE, broken, actor=designer)
    assert [p.element_id for p in caught.value.problems if p.severity == "error"] == ["handle_case"]
    with pytest.raises(NotFound):
        casework.repository.get_definition(KEY)
    assert len(casework.designer.list_drafts(actor=designer)) == 1


def test_versions_list_who_deployed_when_and_open_cases(
    casework: Casework, actor: Any, v1: str, v2: str, clock: Any
) -> None:
    from datetime import timedelta

    casework.designer.deploy(KEY, FILE, v1, actor=actor("designer"))
    employee = actor("mitarbeiterin")
    for _ in range(2):
        casework.runtime.start(KEY, actor=employee, variables={})
    first_deployed = clock.now()
    clock.set(first_deployed + timedelta(hours=1))
    casework.designer.deploy(KEY, FILE, v2, actor=actor("admin"))
    casework.runtime.start(KEY, actor=employee, variables={})
    versions = casework.designer.list_versions(KEY, actor=actor("designer"))
    assert [(v.version, v.deployed_by, v.open_cases) for v in versions] == [(2, "admin", 1), (1, "designer", 2)]
    assert versions[1].deployed_at == first_deployed
    [summary] = [p for p in casework.designer.list_processes(actor=actor("designer")) if p.key == KEY]
    assert (summary.latest_version, summary.versions, summary.open_cases) == (2, 2, 3)


def test_versions_of_an_unknown_process_are_not_found(casework: Casework, actor: Any) -> None:
    with pytest.raises(NotFound):
        casework.designer.list_versions("no_such_process", actor=actor("designer"))


def test_diff_names_added_removed_and_changed_elements(casework: Casework, actor: Any, v1: str, v2: str) -> None:
    designer = actor("designer")
    casework.designer.deploy(KEY, FILE, v1, actor=designer)
    casework.designer.deploy(KEY, FILE, v2, actor=designer)
    diff = casework.designer.diff(KEY, 1, 2, actor=designer)
    assert {e.id for e in diff.added} == {"approve_case", "done", "flow_to_approve", "flow_to_done"}
    assert {e.id for e in diff.removed} == {"end", "flow_to_end"}
    [changed] = diff.changed
    assert (changed.id, changed.name, changed.changes) == ("handle_case", "Fall bearbeiten", ("camunda:candidateGroups",))
    assert diff.old_xml == v1 and diff.new_xml == v2
    assert diff.other_files == ()  # the decision tables deployed beside it did not change
    same = casework.designer.diff(KEY, 2, 2, actor=designer)
    assert (same.added, same.removed, same.changed) == ((), (), ())


def test_moving_a_shape_is_no_change(casework: Casework, actor: Any, v1: str) -> None:
    from casework.designer import diagram_diff

    moved = v1.replace('<dc:Bounds x="240" y="80"', '<dc:Bounds x="260" y="90"', 1)
    assert moved != v1
    assert diagram_diff(v1.encode(), moved.encode()) == ((), (), ())
    form_changed = v1.replace('label="Vermerk"', 'label="Notiz"', 1)
    assert diagram_diff(v1.encode(), form_changed.encode())[2][0].changes == ("extensionElements",)


def test_the_modeler_reordering_different_children_is_no_change() -> None:
    """bpmn-js writes camunda:properties before camunda:value; the order of options still counts."""
    from casework.designer import diagram_diff

    def model(field_body: str) -> bytes:
        return template_xml("reorder", "R").replace(
            '<camunda:formField id="note" label="Vermerk" type="text">',
            f'<camunda:formField id="note" label="Vermerk" type="enum">{field_body}', 1,
        ).encode()

    value_a, value_b = '<camunda:value id="a" name="A" />', '<camunda:value id="b" name="B" />'
    props = '<camunda:properties><camunda:property name="help" value="H" /></camunda:properties>'
    original = model(value_a + value_b + props)
    assert diagram_diff(original, model(props + "\n  " + value_a + value_b)) == ((), (), ())
    [changed] = diagram_diff(original, model(value_b + value_a + props))[2]
    assert changed.id == "handle_case"


def test_export_writes_the_deployed_files_unchanged(
    casework: Casework, actor: Any, v1: str, v2: str, tmp_path: Path
) -> None:
    casework.designer.deploy(KEY, FILE, v1, actor=actor("designer"))
    casework.designer.deploy(KEY, FILE, v2, actor=actor("designer"))
    written = casework.designer.export(tmp_path, KEY)
    assert tmp_path / FILE in written
    assert (tmp_path / FILE).read_bytes() == fixture_bytes("designer_review_v2.bpmn")
    for path in written:  # the decision tables deployed beside it come along, byte for byte
        _name, stored = casework.designer.version_file(KEY, 2, actor=actor("designer"), file_name=path.name)
        assert path.read_bytes() == stored.encode("utf-8")
    everything = casework.designer.export(tmp_path / "all")
    names = {p.name for p in everything}
    assert {FILE, "assignment_termination.bpmn"} <= names
    with pytest.raises(NotFound):
        casework.designer.export(tmp_path, "no_such_process")


def test_the_template_deploys_and_runs(casework: Casework, actor: Any) -> None:
    designer = actor("designer")
    draft = casework.designer.create_from_template("fresh_process", "Neuer Ablauf", actor=designer)
    source = casework.designer.get_source("fresh_process", actor=designer)
    assert (draft.file_name, source.is_draft) == ("fresh_process.bpmn", True)
    assert casework.designer.validate("fresh_process", draft.file_name, source.xml, actor=designer) == []
    deployed = casework.designer.deploy("fresh_process", draft.file_name, source.xml, actor=designer)
    assert [(d.key, d.version, d.name) for d, _ in deployed.definitions] == [("fresh_process", 1, "Neuer Ablauf")]
    case = casework.runtime.start("fresh_process", actor=actor("mitarbeiterin"), variables={})
    assert [t.name for t in case.open_tasks] == ["handle_case"]
    with pytest.raises(Conflict):
        casework.designer.create_from_template("fresh_process", "Noch einmal", actor=designer)
    with pytest.raises(ValidationFailed) as caught:
        casework.designer.create_from_template("Bad Key", "", actor=designer)
    assert set(caught.value.fields) == {"key", "name"}


def test_template_escapes_the_name() -> None:
    xml = template_xml("quoted", 'A "B" <C> & D')
    assert 'name="A &quot;B&quot; &lt;C&gt; &amp; D"' in xml


def test_upload_makes_drafts_and_a_dmn_goes_with_its_process(casework: Casework, actor: Any, v1: str) -> None:
    designer = actor("designer")
    draft = casework.designer.upload("whatever.bpmn", v1.encode(), actor=designer)
    assert (draft.process_key, draft.file_name) == (KEY, "whatever.bpmn")
    dmn = fixture_bytes("routing.dmn")
    with pytest.raises(ValidationFailed):
        casework.designer.upload("routing.dmn", dmn, actor=designer, process_key="no_such_process")
    table = casework.designer.upload("routing.dmn", dmn, actor=designer, process_key="assignment_termination")
    assert (table.process_key, table.based_on_version) == ("assignment_termination", 1)
    with pytest.raises(ValidationFailed):
        casework.designer.upload("x.bpmn", b"\xff\xfe not utf-8", actor=designer)


def test_a_dmn_file_deploys_a_new_version_of_its_process(casework: Casework, actor: Any) -> None:
    designer = actor("designer")
    casework.repository.deploy(
        {"decision_routing.bpmn": fixture_bytes("decision_routing.bpmn"), "routing.dmn": fixture_bytes("routing.dmn")},
        actor=None,
    )
    key = "decision_routing"
    before = casework.repository.get_definition(key).version
    source = casework.designer.get_source(key, actor=designer, file_name="routing.dmn")
    assert source.kind == "dmn" and "decision_routing.bpmn" in source.files
    assert [p for p in casework.designer.validate(key, "routing.dmn", source.xml, actor=designer)
            if p.severity == "error"] == []
    broken = source.xml.replace('<decision id="routing"', '<decision id="routing" unknownAttribute="x"', 1)
    assert any(p.severity == "error" for p in casework.designer.validate(key, "routing.dmn", broken, actor=designer))
    edited = source.xml.replace('name="Zuständige Personalstelle"', 'name="Personalstelle (neu)"', 1)
    assert edited != source.xml
    result = casework.designer.deploy(key, "routing.dmn", edited, actor=designer)
    assert [(d.key, d.version, created) for d, created in result.definitions] == [(key, before + 1, True)]
    _name, stored = casework.designer.version_file(key, before + 1, actor=designer, file_name="routing.dmn")
    assert stored == edited
    diff = casework.designer.diff(key, before, before + 1, actor=designer)
    assert (diff.added, diff.removed, diff.changed, diff.other_files) == ((), (), (), ("routing.dmn",))


def test_the_cli_exports_deployed_files(app: Any, casework: Casework, actor: Any, v1: str, tmp_path: Path) -> None:
    casework.designer.deploy(KEY, FILE, v1, actor=actor("designer"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["workflows", "export", "--key", KEY, "--dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / FILE).read_text(encoding="utf-8") == v1
    assert f"{tmp_path / 'out' / FILE}" in result.output
    unknown = runner.invoke(args=["workflows", "export", "--key", "no_such_process", "--dir", str(tmp_path)])
    assert unknown.exit_code != 0 and "nicht bereitgestellt" in unknown.output


def test_a_draft_saved_by_someone_else_meanwhile_is_not_overwritten(
    casework: Casework, actor: Any, v1: str, v2: str, clock: Any
) -> None:
    from datetime import timedelta

    designer, admin = actor("designer"), actor("admin")
    first = casework.designer.save_draft(KEY, FILE, v1, actor=designer, loaded_draft_at="")
    clock.set(clock.now() + timedelta(minutes=5))
    with pytest.raises(Conflict) as caught:  # the admin opened the page before the designer's first save
        casework.designer.save_draft(KEY, FILE, v2, actor=admin, loaded_draft_at="")
    assert "designer" in caught.value.message
    assert casework.designer.get_source(KEY, actor=admin).xml == v1
    second = casework.designer.save_draft(KEY, FILE, v2, actor=admin, loaded_draft_at=first.updated_at.isoformat())
    with pytest.raises(Conflict):
        casework.designer.save_draft(KEY, FILE, v1, actor=designer, loaded_draft_at=first.updated_at.isoformat())
    assert second.updated_by == "admin" and casework.designer.get_source(KEY, actor=designer).xml == v2


@pytest.mark.parametrize("key", ["loanApproval", "Sample", "invoice-v2.1"])
def test_the_designer_accepts_the_process_ids_the_api_deploys(casework: Casework, actor: Any, key: str) -> None:
    draft = casework.designer.create_from_template(key, "Aus Camunda", actor=actor("designer"))
    assert draft.file_name == f"{key}.bpmn"


def test_a_refused_process_id_is_named_with_the_rule(casework: Casework, actor: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        casework.designer.create_from_template("1-antrag", "Antrag", actor=actor("designer"))
    assert caught.value.fields["key"].startswith("Der Prozessschlüssel '1-antrag' ist ungültig: zuerst ein Buchstabe")
