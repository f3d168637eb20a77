"""A mail when work arrives (issue 13 §4): each user chooses one per new task, a daily digest, or none.

A step listener: every task a step opens is announced to its assignee, or to the members of its
candidate groups in the organisations it is offered in and the users it names as candidates,
through the outbox (retries, the digest), once per task and user (the outbox's dedupe key). The
choice is the user's ``new_task_mail``. Imports the mail room's outbox, the step records and the base modules only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from casework.cases.steps import StepWritten
from casework.clock import LEGAL_TZ
from casework.errors import ValidationFailed
from casework.mail.compose import (
    MailContent,
    Recipient,
    group_members,
    html_mail,
    queue_mail,
    text_mail,
    users_by_name,
)
from casework.mail.outbox import OutboxService
from casework.records import Actor, TaskInfo
from casework.unit_of_work import unit_of_work
from models import User

NEW_TASK_CHOICES = ("immediately", "daily", "off")


class NewTaskMail:
    """Step listener and the users' choice of new-task mails."""

    def __init__(self, outbox: OutboxService) -> None:
        self.outbox = outbox

    def __call__(self, step: StepWritten) -> None:
        if not step.plan.new_tasks:
            return
        offered: dict[str, set[int]] = defaultdict(set)
        for row in step.plan.candidate_rows:
            offered[row["task_id"]].add(row["organisation_id"])
        for task in step.plan.new_tasks:
            recipients = self._recipients(step, task, offered[task.id])
            if recipients:
                queue_mail(step.session, recipients, self._content(step, task), now=step.now, kind="new_task",
                           dedupe_key=f"new_task:{task.id}", instance_id=step.loaded.id, task_id=task.id,
                           digest_allowed=True)

    def _recipients(self, step: StepWritten, task: TaskInfo, organisations: set[int]) -> list[Recipient]:
        if task.assignee:
            found = users_by_name(step.session, [task.assignee])
        else:  # the candidate groups' members and the users it names (camunda:candidateUsers), once each
            found = list({r.user_id: r for r in [*group_members(step.session, task.candidate_groups, organisations),
                                                 *users_by_name(step.session, task.candidate_users)]}.values())
        # "daily" goes into the user's digest, whatever their choice for reminders
        return [Recipient(r.user_id, r.address, r.new_task_mail == "daily", r.username, r.new_task_mail)
                for r in found if r.new_task_mail != "off"]

    def _content(self, step: StepWritten, task: TaskInfo) -> MailContent:
        process_name = step.loaded.model.name
        subject = f"Neue Aufgabe: {task.title}"
        facts = [("Aufgabe", task.title), ("Fall", process_name)]
        if step.loaded.business_key:
            facts.append(("Aktenzeichen", step.loaded.business_key))
        if task.due_at is not None:
            facts.append(("Fällig am", task.due_at.astimezone(LEGAL_TZ).strftime("%d.%m.%Y")))
        paragraphs = ["In Fallwerk wartet eine neue Aufgabe auf Sie."]
        links = [(self.outbox.settings.link(f"/tasks/{task.id}"), "Aufgabe öffnen")]
        return MailContent(subject, text_mail(paragraphs, facts, links), html_mail(subject, paragraphs, facts, links))

    # --- the user's choice ----------------------------------------------------------------

    def get_choice(self, *, actor: Actor) -> str:
        with unit_of_work(write=False) as session:
            return str(session.scalar(sa.select(User.new_task_mail).where(User.id == actor.user_id)) or "daily")

    def set_choice(self, *, actor: Actor, new_task: Any) -> str:
        """A mail for each new task ("immediately"), a daily digest ("daily"), or none ("off").

        Raises:
            ValidationFailed: another value.
        """
        if new_task not in NEW_TASK_CHOICES:
            raise ValidationFailed("Unbekannte Auswahl für neue Aufgaben.",
                                   {"new_task": f"Erlaubt: {', '.join(NEW_TASK_CHOICES)}"})
        with unit_of_work() as session:
            session.execute(sa.update(User).where(User.id == actor.user_id).values(new_task_mail=new_task))
        return str(new_task)
