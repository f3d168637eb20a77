"""Reminders and escalation of user tasks with a due date, as rows of the ``timers`` table.

When a task with a due date opens, its reminder policy (the task's ``camunda:property
name="reminders"``, else the configured default) becomes one timer row per step; when the task
closes, its unfired rows are deleted — both inside the step's transaction. The scheduler fires a
due row through :meth:`ReminderService.fire`, which queues the mails (deduplicated per step and
recipient), stamps ``reminded_at``/``escalated_at`` on the task and appends ``task_reminded`` /
``task_escalated`` to the case's history, in the transaction that marks the row fired.

Policy syntax (workflows/README.md), items separated by ``;``::

    before=2wd; due; escalate=1wd; escalate_to=tv_office

``before=<offset>`` (repeatable), ``due`` (on the due day), ``escalate=<offset>`` (after the due
date, to the supervisor groups of the candidate groups, or to ``escalate_to``), or ``none``.
An offset is ``<n>wd`` (working days in the case's Land), ``<n>d`` (calendar days) or ``<n>h``
(hours from the due instant). Day-based steps fire at the reminder hour, German time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from casework.cases.direct import Direct
from casework.cases.history import PendingEvent, chain, write_events
from casework.clock import LEGAL_TZ, Clock
from casework.dates import working_days_later
from casework.errors import Conflict
from casework.mail.compose import (
    MAILS,
    MailContent,
    Recipient,
    case_facts,
    german_date,
    group_members,
    html_mail,
    queue_mail,
    text_mail,
    users_by_name,
)
from casework.mail.outbox import OutboxService
from casework.unit_of_work import after_commit, unit_of_work
from models import Group, HumanTask, ProcessInstance, TaskCandidateUser, Timer, User

if TYPE_CHECKING:
    from casework.cases.runtime import RuntimeService
    from casework.cases.steps import StepWritten

log = logging.getLogger(__name__)

REMINDER_KINDS = ("reminder", "escalation")
DEFAULT_POLICY = "before=2wd; due; escalate=1wd"
_OFFSET = re.compile(r"^(\d{1,3})\s*(wd|d|h)$")
_GROUP = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_TIMERS = Timer.__table__
_TASKS = HumanTask.__table__
# scoped to the case so it runs on ix_timers_instance_kind, never over every waiting timer
# one closed task per parameter set (a step closes one task, rarely more): no IN list to expand
_DROP_REMINDERS = Direct(sa.delete(_TIMERS).where(
    _TIMERS.c.instance_id == sa.bindparam("b_instance"),
    sa.or_(*(_TIMERS.c.kind == kind for kind in REMINDER_KINDS)),
    _TIMERS.c.task_id == sa.bindparam("b_task"),
    _TIMERS.c.fired_at.is_(None),
))
_INSERT_TIMERS = Direct(sa.insert(_TIMERS))
_INSTANCES = ProcessInstance.__table__


@dataclass(frozen=True)
class Offset:
    amount: int
    unit: str  # "wd" working days, "d" calendar days, "h" hours

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class ReminderPolicy:
    before: tuple[Offset, ...] = ()
    on_due: bool = False
    escalate: Offset | None = None
    escalate_to: str | None = None


@dataclass(frozen=True)
class ReminderStep:
    kind: str  # "reminder" | "escalation"
    step: str  # "before:2wd", "due", "escalate"
    at: datetime


def parse_policy(text: str) -> ReminderPolicy:
    """Read a reminder policy such as ``before=2wd; due; escalate=1wd``.

    Raises:
        ValueError: with a message naming the item a process designer has to fix.
    """
    before: list[Offset] = []
    on_due = False
    escalate: Offset | None = None
    escalate_to: str | None = None
    items = [i.strip() for i in (text or "").split(";") if i.strip()]
    if not items:
        raise ValueError("the reminder policy is empty (write 'none' to switch reminders off)")
    if items == ["none"]:
        return ReminderPolicy()
    for item in items:
        name, _, value = (p.strip() for p in item.partition("="))
        if name == "before":
            before.append(_offset(item, value))
        elif name == "due" and not value:
            on_due = True
        elif name == "escalate" and escalate is None:
            escalate = _offset(item, value)
        elif name == "escalate_to" and escalate_to is None and _GROUP.match(value):
            escalate_to = value
        else:
            raise ValueError(
                f"reminder policy: cannot read '{item}'; expected items like 'before=2wd', 'due', "
                "'escalate=1wd', 'escalate_to=<group>' (each once, before may repeat) or 'none', "
                "separated by ';'"
            )
    if escalate_to and escalate is None:
        raise ValueError("reminder policy: 'escalate_to' needs an 'escalate=<offset>' item")
    return ReminderPolicy(tuple(before), on_due, escalate, escalate_to)


def check_policy(value: str, attributes: Mapping[str, str]) -> list[tuple[str, str]]:
    """The deploy-time check of a user task's ``reminders`` property, handed to the engine's lint
    (casework.engine.lint.PropertyCheck): (severity, message) pairs."""
    try:
        parse_policy(value)
    except ValueError as exc:
        return [("error", str(exc))]
    if not attributes.get("dueDate") and value.strip() != "none":
        return [("warning", "reminders without camunda:dueDate are never sent")]
    return []


def _offset(item: str, value: str) -> Offset:
    match = _OFFSET.match(value)
    if not match:
        raise ValueError(
            f"reminder policy: '{item}' needs an offset such as 2wd (working days), 3d (days) or 12h (hours)"
        )
    return Offset(int(match.group(1)), match.group(2))


def _working_days(day: date, count: int, land: str) -> date:
    try:
        return working_days_later(day, count, land)
    except ValueError:  # a case without a known Land: weekends still do not count
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            remaining -= day.weekday() < 5
        return day


def plan_steps(policy: ReminderPolicy, due_at: datetime, *, now: datetime, land: str, hour: int) -> list[ReminderStep]:
    """When each step of ``policy`` fires for a task due at ``due_at``; steps already past are left
    out, except the escalation of a task that is overdue from the start (it fires at once)."""
    due_day = due_at.astimezone(LEGAL_TZ).date()

    def at_hour(day: date) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=LEGAL_TZ).astimezone(UTC)

    def shifted(offset: Offset, sign: int) -> datetime:
        if offset.unit == "h":
            return due_at + sign * timedelta(hours=offset.amount)
        if offset.unit == "d":
            return at_hour(due_day + sign * timedelta(days=offset.amount))
        return at_hour(_working_days(due_day, sign * offset.amount, land))

    steps = [ReminderStep("reminder", f"before:{o}", shifted(o, -1)) for o in policy.before]
    if policy.on_due:
        steps.append(ReminderStep("reminder", "due", min(at_hour(due_day), due_at)))
    steps = [s for s in steps if now < s.at < due_at or (s.step == "due" and now < s.at <= due_at)]
    if policy.escalate is not None:
        steps.append(ReminderStep("escalation", "escalate", max(shifted(policy.escalate, 1), due_at, now)))
    return sorted(steps, key=lambda s: s.at)


class ReminderService:
    """Writes the reminder timers of tasks as they open and close, and fires them."""

    def __init__(
        self,
        clock: Clock,
        runtime: RuntimeService,
        outbox: OutboxService,
        *,
        default_policy: str = DEFAULT_POLICY,
        hour: int = 8,
        fallback_group: str | None = "admin",
    ) -> None:
        self.clock = clock
        self.runtime = runtime
        self.outbox = outbox
        self.configure(default_policy=default_policy, hour=hour, fallback_group=fallback_group)

    def configure(self, *, default_policy: str, hour: int, fallback_group: str | None) -> None:
        """Set the defaults (from the app config at wiring time).

        Raises:
            ValueError: the default policy does not parse, or the hour is not 0-23.
        """
        self.default_policy = parse_policy(default_policy)
        if not 0 <= hour <= 23:
            raise ValueError(f"REMINDER_HOUR must be 0-23, got {hour}")
        self.hour = hour
        self.fallback_group = fallback_group or None

    # --- keeping the timer rows in step (a step listener) ---------------------------------

    def on_step(self, step: StepWritten) -> None:
        conn = step.session.connection()
        closed = [t for t in (*step.plan.completed, *step.plan.cancelled) if self._may_have_reminders(step, t)]
        if closed:
            _DROP_REMINDERS.execute(conn, [{"b_instance": step.loaded.id, "b_task": t} for t in closed])
        rows = []
        for task in step.plan.new_rows:
            if task.get("due_at") is None:
                continue
            policy = self._policy(step, task["bpmn_id"])
            land = (task.get("data") or {}).get("land") or step.snapshot.variables.get("land") or "NW"
            for planned in plan_steps(policy, task["due_at"], now=step.now, land=str(land), hour=self.hour):
                payload: dict[str, Any] = {"step": planned.step}
                if planned.kind == "escalation" and policy.escalate_to:
                    payload["escalate_to"] = policy.escalate_to
                rows.append({"instance_id": step.loaded.id, "kind": planned.kind, "task_id": task["id"],
                             "element_id": task["bpmn_id"], "due_at": planned.at, "payload": payload,
                             "attempts": 0})
        if rows:
            _INSERT_TIMERS.execute(conn, rows)

    @staticmethod
    def _may_have_reminders(step: StepWritten, task_id: str) -> bool:
        """Only a task with a due date got reminder rows; most steps close a task without one."""
        bpmn_id = step.loaded.open_before.get(task_id, (None, None))[0]
        meta = step.loaded.model.user_tasks.get(bpmn_id) if bpmn_id else None
        return meta is None or meta.due_date is not None

    def _policy(self, step: StepWritten, bpmn_id: str) -> ReminderPolicy:
        meta = step.loaded.model.user_tasks.get(bpmn_id)
        text = getattr(meta, "reminders", None)
        if not text:
            return self.default_policy
        try:
            return parse_policy(text)
        except ValueError:
            # deploy refuses such a policy; a version deployed before that check must not stop the case
            log.warning("task %s of %s: unreadable reminder policy %r, using the default",
                        bpmn_id, step.loaded.process_key, text)
            return self.default_policy

    # --- firing (a timer handler, inside the transaction that marks the row fired) ---------

    def fire(self, session: sa.orm.Session, timer: Any, now: datetime) -> None:
        """Queue the reminder or escalation mails of a due row and record it in the case's history.

        Raises:
            Conflict: the case was written meanwhile (the scheduler fires the row on a later pass).
        """
        task = session.execute(
            sa.select(_TASKS.c.id, _TASKS.c.title, _TASKS.c.state, _TASKS.c.assignee_id, _TASKS.c.bpmn_id,
                      _TASKS.c.candidate_groups, _TASKS.c.due_at, _TASKS.c.instance_id)
            .where(_TASKS.c.id == timer.task_id)
        ).first()
        if task is None or task.state != "open" or task.due_at is None:
            return  # closed meanwhile: nothing to remind of
        parties = session.scalar(sa.select(_INSTANCES.c.parties).where(_INSTANCES.c.id == task.instance_id)) or []
        process_name, business_key = case_facts(session, task.instance_id)
        step = str((timer.payload or {}).get("step", timer.kind))
        if timer.kind == "escalation":
            groups = self._escalation_groups(session, task.candidate_groups or [], timer.payload or {})
            recipients = group_members(session, groups, parties)
            if not recipients and self.fallback_group and self.fallback_group not in groups:
                # an escalation nobody receives is no escalation: the fallback group steps in
                groups = [*groups, self.fallback_group]
                recipients = group_members(session, [self.fallback_group], parties)
            content = self._escalation_mail(task, process_name, business_key, groups)
            column, action = "escalated_at", "task_escalated"
            data: dict[str, Any] = {"groups": groups}
        else:
            if task.assignee_id:
                recipients = users_by_name(session, [task.assignee_id])
            else:  # its groups' members and the users it names (camunda:candidateUsers), once each
                named = list(session.scalars(
                    sa.select(TaskCandidateUser.user_id).where(TaskCandidateUser.task_id == task.id)))
                members = group_members(session, task.candidate_groups or [], parties)
                recipients = list({r.user_id: r for r in [*members, *users_by_name(session, named)]}.values())
            content = self._reminder_mail(task, process_name, business_key, step)
            column, action, data = "reminded_at", "task_reminded", {"step": step}
        queue_mail(session, recipients, content, now=now, kind=timer.kind, dedupe_key=f"{timer.kind}:{task.id}:{step}",
                   instance_id=task.instance_id, task_id=task.id, digest_allowed=timer.kind == "reminder")
        session.execute(sa.update(_TASKS).where(_TASKS.c.id == task.id).values({column: now}))
        data["recipients"] = [r.username for r in recipients]
        self._append(session, task.instance_id,
                     PendingEvent(now, None, action, task.id, task.bpmn_id, task.title, data))

    def _escalation_groups(self, session: sa.orm.Session, candidates: list[str], payload: dict[str, Any]) -> list[str]:
        if payload.get("escalate_to"):
            return [str(payload["escalate_to"])]
        boss = sa.orm.aliased(Group)
        names = session.scalars(
            sa.select(boss.name).join(Group, Group.supervisor_group_id == boss.id)
            .where(Group.name.in_(candidates)).distinct().order_by(boss.name)
        ).all()
        if names:
            return list(names)
        return [self.fallback_group] if self.fallback_group else []

    def _append(self, session: sa.orm.Session, instance_id: str, event: PendingEvent) -> None:
        """Append to the hash chain under the case's version, like every other writer of the case."""
        head, version = session.execute(
            sa.select(_INSTANCES.c.history_head, _INSTANCES.c.lock_version).where(_INSTANCES.c.id == instance_id)
        ).one()
        rows, new_head = chain(head, instance_id, [event])
        result = session.connection().execute(
            sa.update(_INSTANCES).where(_INSTANCES.c.id == instance_id, _INSTANCES.c.lock_version == version)
            .values(history_head=new_head, lock_version=version + 1)
        )
        if result.rowcount != 1:
            raise Conflict("Der Fall wurde inzwischen geändert.")
        write_events(session, rows)
        live = self.runtime.live
        after_commit(session, lambda: live.retag(instance_id, version, version + 1))

    # --- digests (a scheduler job) --------------------------------------------------------

    def send_digests(self) -> int:
        """Bundle each digest user's held reminders into one mail a day, at their digest hour
        (``users.mail_digest``; escalations and notifications never wait).

        Returns the number of digest mails queued.
        """
        now = self.clock.now()
        local = now.astimezone(LEGAL_TZ)
        queued = 0
        # a read first: this runs every scheduler tick and must not take the write lock for nothing
        with unit_of_work(write=False) as session:
            users = session.execute(
                sa.select(User.id, User.email, User.digest_hour)
                .where(User.id.in_(sa.select(MAILS.c.to_user_id).where(MAILS.c.status == "digest")),
                       User.digest_hour <= local.hour, User.email.is_not(None))
            ).all()
        if not users:
            return 0
        with unit_of_work() as session:
            for user in users:
                items = session.execute(
                    sa.select(MAILS.c.id, MAILS.c.subject, MAILS.c.text_body)
                    .where(MAILS.c.to_user_id == user.id, MAILS.c.status == "digest")
                    .order_by(MAILS.c.created_at, MAILS.c.id)
                ).all()
                if not items:
                    continue
                content = self._digest_content(local.date(), items)
                key = f"digest:{user.id}:{local.date().isoformat()}"
                if not queue_mail(session, [Recipient(user.id, user.email)], content, now=now, kind="digest",
                                  dedupe_key=key):
                    continue  # today's digest went out already; these wait for tomorrow's
                bundle = session.scalar(sa.select(MAILS.c.id).where(MAILS.c.dedupe_key == f"{key}:{user.id}"))
                session.execute(
                    sa.update(MAILS).where(MAILS.c.id.in_([i.id for i in items]))
                    .values(status="bundled", bundle_id=bundle, sent_at=None)
                )
                queued += 1
        return queued

    def _digest_content(self, day: date, items: Sequence[Any]) -> MailContent:
        subject = f"Fallwerk: Ihre Erinnerungen vom {day:%d.%m.%Y} ({len(items)})"
        intro = f"Guten Tag,\n\nhier sind Ihre Erinnerungen vom {german_date(day)}."
        link = [(self.outbox.settings.link("/"), "Zum Posteingang")]
        # each item without its own footer ("-- " line)
        bodies = [(i.subject, i.text_body.split("\n-- \n", 1)[0].strip()) for i in items]
        text_parts = [intro, *(f"* {subject}\n{text}" for subject, text in bodies)]
        html_parts = [intro, *(f"{subject}\n{text}" for subject, text in bodies)]
        return MailContent(subject, text_mail(text_parts, [], link), html_mail(subject, html_parts, [], link))

    # --- texts ---------------------------------------------------------------------------

    def _facts(self, task: Any, process_name: str, business_key: str | None) -> list[tuple[str, str]]:
        facts = [("Aufgabe", task.title), ("Fall", process_name)]
        if business_key:
            facts.append(("Aktenzeichen", business_key))
        facts.append(("Fällig am", german_date(task.due_at)))
        return facts

    def _reminder_mail(self, task: Any, process_name: str, business_key: str | None, step: str) -> MailContent:
        due = german_date(task.due_at)
        if step == "due":
            subject = f"Heute fällig: {task.title}"
            lead = f"die Aufgabe „{task.title}“ ist heute fällig ({due})."
        else:
            subject = f"Erinnerung: {task.title} ist fällig am {task.due_at.astimezone(LEGAL_TZ):%d.%m.%Y}"
            lead = f"die Aufgabe „{task.title}“ ist am {due} fällig."
        paragraphs = ["Guten Tag,", lead + " Bitte erledigen Sie sie rechtzeitig."]
        links = [(self.outbox.settings.link(f"/tasks/{task.id}"), "Aufgabe öffnen")]
        facts = self._facts(task, process_name, business_key)
        return MailContent(subject, text_mail(paragraphs, facts, links), html_mail(subject, paragraphs, facts, links))

    def _escalation_mail(self, task: Any, process_name: str, business_key: str | None,
                         groups: list[str]) -> MailContent:
        subject = f"Eskalation: {task.title} ist überfällig"
        paragraphs = [
            "Guten Tag,",
            f"die Aufgabe „{task.title}“ war am {german_date(task.due_at)} fällig und ist noch nicht erledigt.",
            f"Sie erhalten diese Nachricht als Vorgesetzte/r ({', '.join(groups)}). Bitte sorgen Sie dafür, "
            "dass die Aufgabe bearbeitet wird, und weisen Sie sie bei Bedarf zu.",
        ]
        links = [
            (self.outbox.settings.link(f"/tasks/{task.id}"), "Aufgabe öffnen"),
            (self.outbox.settings.link(f"/cases/{task.instance_id}"), "Fall öffnen"),
        ]
        facts = self._facts(task, process_name, business_key)
        return MailContent(subject, text_mail(paragraphs, facts, links), html_mail(subject, paragraphs, facts, links))

