"""Domain functions offered to BPMN scripts and ``${...}`` expressions (deadlines, notifications).

Dates travel through task data as ISO strings ("YYYY-MM-DD") because task data is stored as JSON;
every helper accepts such a string (or a ``date``) and returns a string, so scripts can chain them:
``add_working_days(today(), 10, land)``. The deadline rules are those of DOMAIN.md §3 (BGB §§ 187,
188, 193). Each helper checks its arguments and raises ``ValueError`` with a message a process
designer can act on, which the engine reports as the script task's error.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from casework.cases.directory import group_holders
from casework.clock import Clock
from casework.context import current_case, running_case

# The date arithmetic lives in casework.dates; helpers delegate to it.
from casework.dates import check_land as _check_land
from casework.dates import months_later, parse_date, working_days_later
from casework.governance.legal import shipped_law_helpers

__all__ = ["build_helpers", "collect_effects"]


def collect_effects() -> AbstractContextManager[list[dict[str, Any]]]:
    """Collect the effects scripts produce inside the block, for no case in particular (tests, dry runs)."""
    return running_case()


def _count(value: Any, what: str = "n") -> int:
    # bool is an int subclass; add_days(d, True) is almost certainly a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return value


def members_of_group(
    session: sa.orm.Session, group: str, parties: tuple[int, ...], land: str | None = None
) -> list[str]:
    """Active holders of ``group`` (in organisations of ``land`` if given), preferring those in the
    ``parties`` organisations."""
    rows = group_holders(session, group, land)
    local = sorted({r.username for r in rows if r.organisation_id in parties})
    return local or sorted({r.username for r in rows})


# --- the helpers without a clock; build_helpers binds the one that needs it ----------------------


def add_days(d: Any, n: Any) -> str:
    """Calendar days later (earlier if n < 0)."""
    return (parse_date(d) + timedelta(days=_count(n))).isoformat()


def add_months(d: Any, n: Any) -> str:
    """Months later by § 188 BGB: 2025-01-31 + 1 month = 2025-02-28."""
    return months_later(parse_date(d), _count(n)).isoformat()


def add_years(d: Any, n: Any) -> str:
    """Years later by § 188 BGB: 2024-02-29 + 1 year = 2025-02-28."""
    return months_later(parse_date(d), 12 * _count(n)).isoformat()


def add_working_days(d: Any, n: Any, land: Any) -> str:
    """Working days later, skipping weekends and the public holidays of the Land (e.g. 'NW')."""
    return working_days_later(parse_date(d), _count(n), _check_land(land)).isoformat()


def days_between(a: Any, b: Any) -> int:
    """Days from a to b (negative if b is earlier)."""
    return (parse_date(b) - parse_date(a)).days


def notify(recipients: Any, subject: Any, text: Any) -> None:
    """Queue a notification; the service delivers it once the engine call has committed."""
    names = [recipients] if isinstance(recipients, str) else recipients
    if not isinstance(names, (list, tuple)) or not names:
        raise ValueError("notify: recipients must be a user name or a non-empty list of user names")
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"notify: every recipient must be a non-empty user name, got {recipients!r}")
    if not isinstance(subject, str) or not subject.strip():
        raise ValueError("notify: subject must be a non-empty text")
    if not isinstance(text, str):
        raise ValueError("notify: text must be a text")
    case = current_case()
    if case is not None:  # outside an engine call (e.g. a dry run) nothing is sent
        case.effects.append(
            {"type": "notify", "recipients": [n.strip() for n in names], "subject": subject, "text": text}
        )


def group_members(group: Any, land: Any = None) -> list[str]:
    """User names of the group's active members, sorted (only those in organisations of ``land``
    if given, e.g. 'NW'): those among the case's parties if there are any, else all of them.
    For one task per member (a vote, a statement per Gemeinde); a task for a whole group is a
    candidate-group task, after ``involve(group, land)`` brought its organisations in."""
    if not isinstance(group, str) or not group.strip():
        raise ValueError(f"group_members: expected a group name, got {group!r}")
    if land is not None:
        land = _check_land(land)
    case = current_case()
    if case is None or case.session is None:
        return []  # a dry run or lint: no directory to ask
    return members_of_group(case.session, group.strip(), case.parties, land)


def display_names(usernames: Any) -> dict[str, str]:
    """{user name: display name} for records people read ("Gemeinde Musterdorf", not
    "gemeinde.musterdorf"); an unknown name maps to itself."""
    if not isinstance(usernames, (list, tuple)) or not all(isinstance(u, str) for u in usernames):
        raise ValueError(f"display_names: expected a list of user names, got {usernames!r}")
    case = current_case()
    found: dict[str, str] = {}
    if case is not None and case.session is not None and usernames:
        from models import User

        rows = case.session.execute(
            sa.select(User.username, User.display_name).where(User.username.in_(list(usernames)))
        ).all()
        found = {r.username: r.display_name for r in rows}
    return {str(u): found.get(u) or str(u) for u in usernames}


def parse_date_helper(s: Any) -> str:
    """Check and normalise a date; raises a clear error for impossible dates like 2011-11-31."""
    return parse_date(s).isoformat()


def german_date(d: Any) -> str:
    """A date as German texts write it: '2026-11-02' -> '02.11.2026' (for summaries and letters)."""
    return parse_date(d).strftime("%d.%m.%Y")


def build_helpers(clock: Clock) -> dict[str, Callable[..., Any]]:
    """The functions BPMN scripts may call, bound to the injected clock."""

    def today() -> str:
        """Today's date in Germany (Europe/Berlin), as 'YYYY-MM-DD'."""
        return clock.today().isoformat()

    return {
        # deadline(), notified_on(), legal_parameter() by the law as shipped; Casework swaps in the
        # database-backed ones (municipal holidays, parameter versions added by admins)
        **shipped_law_helpers(),
        "today": today,
        "add_days": add_days,
        "add_months": add_months,
        "add_years": add_years,
        "add_working_days": add_working_days,
        "days_between": days_between,
        "parse_date": parse_date_helper,
        "german_date": german_date,
        "notify": notify,
        "group_members": group_members,
        "display_names": display_names,
    }
