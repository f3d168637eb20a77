"""The login form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField

from webapp.forms import BaseForm, InputRequired


class LoginForm(BaseForm):
    username = StringField(
        _l("User name"),
        id="field-username",
        validators=[InputRequired(_l("Please enter your user name."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        id="field-password",
        validators=[InputRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class PasswordForm(BaseForm):
    password = PasswordField(
        _l("Current password"),
        id="field-current-password",
        validators=[InputRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        id="field-new-password",
        validators=[InputRequired(_l("Please enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        id="field-repeat-password",
        validators=[InputRequired(_l("Please repeat the new password."))],
        render_kw={"autocomplete": "new-password"},
    )
