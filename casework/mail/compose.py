"""What goes into the outbox: recipients, the German texts of a mail, and ``queue_mail``, which
writes the rows inside the caller's transaction (a step, a timer), so a mail exists if and only if
its cause was committed. Delivery is casework.mail.outbox's. Imports the base modules and models.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework.cases.direct import Direct
from casework.clock import LEGAL_TZ
from casework.context import current_case
from models import Group, Membership, OutboxMail, ProcessDefinition, ProcessInstance, User

MAILS = OutboxMail.__table__
_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    address: str
    digest: bool = False
    username: str = ""
    # the user's choice of mails about new tasks (casework.mail.new_tasks); None for an address only
    new_task_mail: str | None = None


@dataclass(frozen=True)
class MailContent:
    subject: str
    text: str
    html: str


# --- formatting --------------------------------------------------------------------------


def german_date(moment: datetime | date) -> str:
    """'Mittwoch, 09.12.2026' (German time); a datetime that is not the end of its day gets ', 12:00 Uhr'."""
    if isinstance(moment, datetime):
        local = moment.astimezone(LEGAL_TZ)
        text = f"{_WEEKDAYS[local.weekday()]}, {local:%d.%m.%Y}"
        return text if (local.hour, local.minute) == (23, 59) else f"{text}, {local:%H:%M} Uhr"
    return f"{_WEEKDAYS[moment.weekday()]}, {moment:%d.%m.%Y}"


def html_mail(subject: str, paragraphs: Sequence[str], facts: Sequence[tuple[str, str]],
              links: Sequence[tuple[str, str]]) -> str:
    """A small accessible HTML part: a heading, text, a definition list and links (all escaped)."""
    e = html.escape
    parts = [
        '<!doctype html><html lang="de"><head><meta charset="utf-8">',
        f"<title>{e(subject)}</title></head>",
        '<body style="font-family: Arial, sans-serif; color: #1a1a1a; line-height: 1.5">',
        f'<h1 style="font-size: 1.25em">{e(subject)}</h1>',
        *(f"<p>{e(p)}</p>".replace("\n", "<br>") for p in paragraphs),
    ]
    if facts:
        parts.append("<dl>")
        parts.extend(f'<dt style="font-weight: bold">{e(k)}</dt><dd>{e(v)}</dd>' for k, v in facts)
        parts.append("</dl>")
    parts.extend(f'<p><a href="{e(url)}" style="color: #0b4f8a">{e(label)}</a></p>' for url, label in links)
    parts.append('<p style="color: #4a4a4a; font-size: 0.9em">Diese Nachricht wurde von Fallwerk '
                 "automatisch erstellt.</p></body></html>")
    return "".join(parts)


def text_mail(paragraphs: Sequence[str], facts: Sequence[tuple[str, str]], links: Sequence[tuple[str, str]]) -> str:
    lines = [*(p + "\n" for p in paragraphs)]
    lines.extend(f"{k}: {v}" for k, v in facts)
    lines.extend(f"\n{label}: {url}" for url, label in links)
    lines.append("\n-- \nDiese Nachricht wurde von Fallwerk automatisch erstellt.")
    return "\n".join(lines) + "\n"


# --- recipients and queueing (inside the caller's transaction) ---------------------------


# Built once per number of names and organisations, with one parameter per value: building a
# statement per call cost more than running it, and SQLAlchemy's expanding IN lists cost about as
# much again per run (bench/engine.py). Core on the session's connection skips the ORM's set-up.
_RECIPIENT = sa.select(User.id, User.email, User.mail_digest, User.username, User.new_task_mail).where(
    User.active.is_(True), User.email.is_not(None)
)


def _listed(prefix: str, count: int) -> list[Any]:
    return [sa.bindparam(f"{prefix}{i}") for i in range(count)]


@functools.lru_cache(maxsize=64)
def _users_statement(by_id: bool, count: int) -> Any:
    column = User.id if by_id else User.username
    return _RECIPIENT.where(column.in_(_listed("n", count))).order_by(User.id)


@functools.lru_cache(maxsize=64)
def _members_statement(groups: int, organisations: int) -> Any:
    return (
        _RECIPIENT.join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.name.in_(_listed("n", groups)), Membership.organisation_id.in_(_listed("o", organisations)))
        .distinct()
        .order_by(User.id)
    )


def _values(prefix: str, values: Sequence[Any]) -> dict[str, Any]:
    return {f"{prefix}{i}": v for i, v in enumerate(values)}


def users_by_name(session: sa.orm.Session, names: Iterable[str | int]) -> list[Recipient]:
    """Active users with an address, by user name (or by id); unknown ones are left out."""
    wanted = sorted(set(names), key=str)
    if not wanted:
        return []
    statement = _users_statement(isinstance(wanted[0], int), len(wanted))
    return _recipients(session.connection().execute(statement, _values("n", wanted)))


def group_members(session: sa.orm.Session, groups: Iterable[str], organisations: Iterable[int]) -> list[Recipient]:
    """Active members with an address of the named groups within the given organisations."""
    names, orgs = sorted(set(groups)), sorted(set(organisations))
    if not names or not orgs:
        return []
    statement = _members_statement(len(names), len(orgs))
    return _recipients(session.connection().execute(statement, {**_values("n", names), **_values("o", orgs)}))


def _recipients(rows: Iterable[Any]) -> list[Recipient]:
    return [Recipient(r.id, r.email, bool(r.mail_digest), r.username, r.new_task_mail) for r in rows if r.email]


def queue_mail(
    session: sa.orm.Session,
    recipients: Sequence[Recipient],
    content: MailContent,
    *,
    now: datetime,
    kind: str = "notification",
    dedupe_key: str | None = None,
    instance_id: str | None = None,
    task_id: str | None = None,
    digest_allowed: bool = False,
) -> int:
    """Queue one mail per recipient; with ``dedupe_key`` a recipient already queued for it is skipped.

    Returns the number of rows inserted. Runs in the caller's transaction.
    """
    inserted = 0
    conn = session.connection()
    for recipient in recipients:
        row = {
            "to_address": recipient.address,
            "to_user_id": recipient.user_id,
            "subject": content.subject[:300],
            "text_body": content.text,
            "html_body": content.html,
            "status": "digest" if digest_allowed and recipient.digest else "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "kind": kind,
            "instance_id": instance_id,
            "task_id": task_id,
            "dedupe_key": f"{dedupe_key}:{recipient.user_id or recipient.address}"[:200] if dedupe_key else None,
        }
        # the driver's rowcount: 1, or 0 for a duplicate (casework.cases.direct adds no RETURNING)
        inserted += _insert_ignoring_duplicates(conn.dialect.name).execute(conn, row)
    return inserted


def _insert_ignoring_duplicates(dialect: str) -> Direct:
    """The insert of one mail row; built once per dialect."""
    if dialect not in _INSERTS:
        # a duplicate dedupe key means "already queued": skip it without aborting the transaction
        if dialect == "postgresql":
            stmt: Any = pg_insert(MAILS).on_conflict_do_nothing(index_elements=["dedupe_key"])
        elif dialect == "sqlite":
            stmt = sqlite_insert(MAILS).on_conflict_do_nothing(index_elements=["dedupe_key"])
        else:
            stmt = sa.insert(MAILS)
        _INSERTS[dialect] = Direct(stmt)
    return _INSERTS[dialect]


_INSERTS: dict[str, Direct] = {}


def case_facts(session: sa.orm.Session, instance_id: str) -> tuple[str, str | None]:
    """The process name and business key of a case, for mail texts."""
    row = session.execute(
        sa.select(ProcessDefinition.name, ProcessInstance.business_key)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == instance_id)
    ).first()
    return (row.name, row.business_key) if row else ("", None)


def build_mail_helpers() -> dict[str, Any]:
    """Script helpers for mail: ``notify_group(groups, subject, text)`` (members in the case's parties)."""
    def notify_group(groups: Any, subject: Any, text: Any) -> None:
        """Queue a notification to every member of the group(s) in the case's organisations."""
        names = [groups] if isinstance(groups, str) else groups
        if not isinstance(names, (list, tuple)) or not names or not all(
            isinstance(n, str) and n.strip() for n in names
        ):
            raise ValueError(f"notify_group: groups must be a group name or a non-empty list of them, got {groups!r}")
        if not isinstance(subject, str) or not subject.strip():
            raise ValueError("notify_group: subject must be a non-empty text")
        if not isinstance(text, str):
            raise ValueError("notify_group: text must be a text")
        case = current_case()
        if case is not None:  # outside an engine call (a dry run) nothing is sent
            case.effects.append(
                {"type": "notify_group", "groups": [n.strip() for n in names], "subject": subject, "text": text}
            )

    return {"notify_group": notify_group}
