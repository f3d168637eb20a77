"""The mail settings form and the outbox's requeue button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from webapp.forms import BaseForm


class PreferencesForm(BaseForm):
    digest = BooleanField(_l("Send my reminders once a day in one e-mail (daily digest)"))
    digest_hour = SelectField(
        _l("Time of the daily digest"),
        choices=[SelectChoice(str(h), f"{h:02d}:00") for h in range(24)],
        description=_l("German time. Escalations and notifications are always sent at once."),
    )
    new_task = SelectField(
        _l("When a new task is offered or assigned to me"),
        choices=[SelectChoice("immediately", _l("an e-mail for each new task")),
                 SelectChoice("daily", _l("in the daily digest")),
                 SelectChoice("off", _l("no e-mail"))],
    )


class RequeueForm(BaseForm):
    """Only the CSRF token: the mail is named in the URL."""
