"""The script sandbox: hostile scripts fail inside the instance, visibly, without crashing anything."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest

from casework.engine import Engine, ProcessModel, load_model
from casework.errors import ScriptFailed


@pytest.fixture
def probe(data_file: Callable[[str], bytes]) -> Callable[[str], ProcessModel]:
    """A script_probe model whose script is replaced; load_model skips lint, like a file that slipped past it."""
    template = data_file("script_probe.bpmn")

    def make(script: str) -> ProcessModel:
        content = template.replace(b"result = 'ok'", escape(script).encode())
        return load_model("script_probe", {"script_probe.bpmn": content})

    return make


def _run(engine: Engine, model: ProcessModel, data: dict[str, object] | None = None) -> object:
    wf = engine.start(model, data or {})
    # The error must survive the round trip: the next request reads it from the stored state.
    return engine.snapshot(engine.restore(model, engine.dump(wf)), model)


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ("data = open('/etc/passwd').read()", "name 'open' is not defined"),
        ("import os\nx = os.getcwd()", "__import__ not found"),
        ("__import__('os')", "__import__"),
        ("x = ().__class__.__bases__[0].__subclasses__()", "__class__"),
        ("x = getattr(1, '__class__')", "name 'getattr' is not defined"),
        ("x = (lambda: 0).__globals__", "__globals__"),
        ("x = eval('1 + 1')", "Eval calls are not allowed"),
        ("x = type(1)", "name 'type' is not defined"),
        ("x = '{0.__class__}'.format(1)", "format"),
        ("x = (i for i in range(3))", "cannot be stored"),
        ("x = add_months('2011-11-31', 1)", "2011-11-31 does not exist"),
        ("x = 1 / 0", "ZeroDivisionError"),
    ],
)
def test_refused_or_failing_script_is_reported_by_the_snapshot(
    engine: Engine, probe: Callable[[str], ProcessModel], script: str, fragment: str
) -> None:
    snap = _run(engine, probe(script))
    assert snap.status == "error"
    assert snap.error_element == "run_script"
    assert fragment in snap.error_message
    assert snap.ready_tasks == ()


def test_harmless_scripts_run_with_helpers_and_leave_only_data(
    engine: Engine, probe: Callable[[str], ProcessModel]
) -> None:
    script = """
        total = 0
        for a, b in pairs:
            total += a * b
        names = sorted({p['name'] for p in people})
        due = add_working_days('2025-06-18', 1, land)
        print('debug output is swallowed')
    """
    data = {"pairs": [[1, 2], [3, 4]], "people": [{"name": "b"}, {"name": "a"}], "land": "NW"}
    snap = _run(engine, probe(script), data)
    assert snap.status == "running", snap.error_message
    assert [t.bpmn_id for t in snap.ready_tasks] == ["after_script"]
    # Loop variables are data too (a SpiffWorkflow rule the designer README explains).
    assert snap.variables == {
        **data,
        "total": 14,
        "names": ["a", "b"],
        "due": "2025-06-20",
        "a": 3,
        "b": 4,
    }


def test_expressions_are_sandboxed_too(engine: Engine) -> None:
    assert engine.evaluate("${add_days(start, 30)}", {"start": "2025-01-31"}) == "2025-03-02"
    for hostile in ("open('/etc/passwd')", "().__class__", "__import__('os')"):
        with pytest.raises(ScriptFailed):
            engine.evaluate(hostile, {})
    # Task data cannot swap the builtins for the real ones.
    with pytest.raises(ScriptFailed):
        engine.evaluate("open('/etc/passwd')", {"__builtins__": __builtins__})


def test_a_failed_instance_keeps_its_error_until_it_advances(
    engine: Engine, probe: Callable[[str], ProcessModel]
) -> None:
    model = probe("x = 1 / 0")
    wf = engine.start(model, {})
    engine.step(wf)  # stepping again does not hide the failure
    snap = engine.snapshot(wf, model)
    assert (snap.status, snap.error_element) == ("error", "run_script")
    assert "ZeroDivisionError" in snap.error_message
