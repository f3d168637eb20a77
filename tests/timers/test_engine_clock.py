"""The engine's timers read the app's clock, per thread, and understand what the helpers return."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from casework.clock import FrozenClock
from casework.engine import Engine, parse_deployment
from casework.helpers import build_helpers
from tests.factories import fixture_bytes


def model(name: str, **replace: str):
    return parse_deployment({f"{name}.bpmn": fixture_bytes(f"{name}.bpmn", **replace)}).processes[name]


def test_two_engines_with_their_own_clocks_on_parallel_threads():
    wait = model("timer_intermediate")
    errors: list[BaseException] = []

    def run(at: datetime) -> None:
        clock = FrozenClock(at)
        engine = Engine(build_helpers(clock), clock)
        try:
            for _ in range(30):
                (timer,) = engine.waiting_timers(engine.start(wait, {}))
                assert timer.due_at == at + timedelta(days=10)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    starts = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=37 * i, minutes=i) for i in range(6)]
    threads = [threading.Thread(target=run, args=(at,)) for at in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_outside_an_engine_call_the_timer_module_reads_the_wall_clock():
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    Engine(build_helpers(FrozenClock()), FrozenClock(datetime(2000, 1, 1, tzinfo=UTC)))
    assert abs(timer.datetime.now(UTC) - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("body", "due"),
    [
        # a bare date fires when that German day has ended: 00:00 in Berlin, 22:00 UTC in summer
        ('"2026-07-15"', datetime(2026, 7, 15, 22, 0, tzinfo=UTC)),
        ('"2026-12-15"', datetime(2026, 12, 15, 23, 0, tzinfo=UTC)),
        # a datetime without offset is German local time, not the server's zone
        ('"2026-07-15T12:00:00"', datetime(2026, 7, 15, 10, 0, tzinfo=UTC)),
        ('"2026-07-15T12:00:00+00:00"', datetime(2026, 7, 15, 12, 0, tzinfo=UTC)),
        ("add_days(today(), 3)", datetime(2026, 6, 4, 22, 0, tzinfo=UTC)),
    ],
)
def test_date_timers(body, due):
    clock = FrozenClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    engine = Engine(build_helpers(clock), clock)
    timed = model("timer_intermediate", **{
        '<bpmn:timeDuration>"P10D"</bpmn:timeDuration>': f"<bpmn:timeDate>{body}</bpmn:timeDate>"})
    (timer,) = engine.waiting_timers(engine.start(timed, {}))
    assert (timer.kind, timer.due_at) == ("date", due)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # § 188 BGB: a month from 31 January ends on the last day of February
        (datetime(2026, 1, 31, 9, 0, tzinfo=UTC), "P1M", datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),
        (datetime(2026, 1, 15, 9, 0, tzinfo=UTC), "P1Y2M", datetime(2027, 3, 15, 9, 0, tzinfo=UTC)),
        # ten days keep the German wall-clock time across the change to summer time (10:00 stays 10:00)
        (datetime(2026, 3, 25, 9, 0, tzinfo=UTC), "P10D", datetime(2026, 4, 4, 8, 0, tzinfo=UTC)),
        # hours are elapsed time, also across the change
        (datetime(2026, 3, 28, 9, 0, tzinfo=UTC), "PT24H", datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),
        (datetime(2026, 3, 28, 9, 0, tzinfo=UTC), "P1DT2H", datetime(2026, 3, 29, 10, 0, tzinfo=UTC)),
    ],
)
def test_durations_count_like_a_due_date(start, duration, due):
    clock = FrozenClock(start)
    engine = Engine(build_helpers(clock), clock)
    (timer,) = engine.waiting_timers(engine.start(model("timer_intermediate", P10D=duration), {}))
    assert timer.due_at == due


def test_a_failing_timer_expression_fails_the_case_naming_the_element():
    clock = FrozenClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    engine = Engine(build_helpers(clock), clock)
    wf = engine.start(model("timer_subprocess"), {})  # phase_length is not set
    snapshot = engine.snapshot(wf, model("timer_subprocess"))
    assert snapshot.status == "error"
    assert snapshot.error_element == "phase_expired"
    assert "phase_length" in (snapshot.error_message or "")
