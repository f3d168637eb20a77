"""The designer's HTML forms: a new process from the template, and uploading a file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Regexp

from webapp.forms import BaseForm, InputRequired


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class NewProcessForm(BaseForm):
    key = StringField(
        _l("Process key"),
        id="field-key",
        description=_l("Lower-case letters, digits and _, starting with a letter, e.g. benefit_review."),
        validators=[
            InputRequired(message=_l("Please enter a process key.")),
            Regexp(r"^[a-z][a-z0-9_]{2,119}$", message=_l("Use lower-case letters, digits and _ only.")),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        _l("Name"),
        id="field-name",
        validators=[
            InputRequired(message=_l("Please enter a name.")),
            Length(max=300, message=_l("Please enter at most %(max)d characters.", max=300)),
        ],
        filters=[_strip],
    )


class UploadForm(BaseForm):
    file = FileField(
        _l("BPMN or DMN file"),
        id="field-file",
        validators=[FileRequired(message=_l("Please choose a file."))],
        render_kw={"accept": ".bpmn,.dmn"},
    )
    process_key = SelectField(
        _l("Process that uses the decision table"),
        id="field-process_key",
        description=_l("Only for .dmn files."),
        choices=[],
        validate_choice=False,
    )
