"""The start form's fixed part; the process's own fields come from its FormSpec (webapp.forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from webapp.forms import BaseForm


class StartForm(BaseForm):
    business_key = StringField(
        _l("File reference"),
        id="field-business_key",
        description=_l("Optional. Helps to find the case later, e.g. JC-2026-0042."),
        validators=[
            Optional(),
            Length(max=200, message=_l("Please enter at most %(max)d characters.", max=200)),
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"maxlength": 200, "autocomplete": "off"},
    )
