"""The committee admin forms and the German labels for body kinds, sides and chair rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.governance.committees import ALLOWED_SIDES, BodyInfo, NewMember
from webapp.forms import BaseForm, GermanDateField, InputRequired

KIND_LABELS = {
    "tv": _l("Trägerversammlung"),
    "ka": _l("Kooperationsausschuss"),
    "council": _l("Council (Kreistag)"),
    "beirat": _l("Beirat"),
}
SIDE_LABELS = {
    "ba": _l("Agentur für Arbeit"),
    "kommune": _l("Kommunaler Träger"),
    "land": _l("Land"),
    "bmas": _l("BMAS"),
}
RULE_LABELS = {"elected": _l("Elected chair"), "rotation": _l("Rotation (no agreement)")}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class MembersForm(BaseForm):
    """End seats and add up to two new ones in one change, so a TV stays at parity."""

    remove = SelectMultipleField(_l("End these seats today"), coerce=int, choices=[],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validate_choice=True)
    username_1 = StringField(_l("User name"), filters=[_strip], validators=[Optional(), Length(max=80)],
                             render_kw={"autocomplete": "off"})
    # checked by the service, and only for rows with a user name
    side_1 = SelectField(_l("Side"), choices=[], validate_choice=False)
    term_start_1 = GermanDateField(_l("Term begins"), validators=[Optional()],
                                   description=_l("DD.MM.YYYY; empty means today."))
    username_2 = StringField(_l("User name"), filters=[_strip], validators=[Optional(), Length(max=80)],
                             render_kw={"autocomplete": "off"})
    side_2 = SelectField(_l("Side"), choices=[], validate_choice=False)
    term_start_2 = GermanDateField(_l("Term begins"), validators=[Optional()],
                                   description=_l("DD.MM.YYYY; empty means today."))

    def fit(self, body: BodyInfo) -> MembersForm:
        self.remove.choices = [(m.id, f"{m.display_name} ({m.username})") for m in body.members]
        sides = [(s, str(SIDE_LABELS[s])) for s in ALLOWED_SIDES[body.kind]]
        self.side_1.choices = self.side_2.choices = sides
        return self

    def additions(self) -> list[NewMember]:
        return [
            NewMember(name.data, side.data or "", start.data)
            for name, side, start in (
                (self.username_1, self.side_1, self.term_start_1),
                (self.username_2, self.side_2, self.term_start_2),
            )
            if name.data
        ]


class ChairForm(BaseForm):
    username = SelectField(_l("Chair"), choices=[], validators=[InputRequired()])
    term_start = GermanDateField(_l("Term begins"), validators=[Optional()],
                                 description=_l("DD.MM.YYYY; empty means today."))
    term_end = GermanDateField(_l("Term ends"), validators=[Optional()],
                               description=_l("At most five years; empty means exactly five years."))

    def fit(self, body: BodyInfo) -> ChairForm:
        self.username.choices = [(m.username, f"{m.display_name} ({m.username})") for m in body.members]
        return self


class RotationForm(BaseForm):
    rotation_start = GermanDateField(
        _l("Rotation begins"), validators=[Optional()],
        description=_l("The Agentur für Arbeit chairs first, then the sides take turns every two years. "
                       "Empty: the chair is elected."),
    )
