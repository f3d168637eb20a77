"""Localisation of the browser UI: compiled catalogs, German labels for codes, date formats.

UI text is written as English msgids; the ``.po`` files in ``translations/de/LC_MESSAGES/`` hold
the German text, which is the default UI language. The ``.mo`` files are build artefacts: they are
compiled here at start-up when missing or older than their ``.po`` (no ``pybabel`` step needed).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casework.presentation import format_number

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

STATUS_LABELS = {
    "running": _l("running"),
    "completed": _l("completed"),
    "error": _l("error"),
    "terminated": _l("terminated"),
}

# one label per action of casework.cases.history.ACTIONS
ACTION_LABELS = {
    "instance_started": _l("Case started"),
    "instance_completed": _l("Case completed"),
    "instance_terminated": _l("Case terminated"),
    "instance_failed": _l("Error in the process"),
    "task_created": _l("Task created"),
    "task_claimed": _l("Task claimed"),
    "task_unclaimed": _l("Task returned to the group"),
    "task_assigned": _l("Task assigned"),
    "task_completed": _l("Task completed"),
    "task_cancelled": _l("Task cancelled"),
    "notification": _l("Notification sent"),
    "message_received": _l("Message received"),
    "timer_fired": _l("Deadline reached"),
    "legal_parameter_used": _l("Legal parameter applied"),
    "parties_added": _l("Organisations involved"),
    "readers_added": _l("May read the case"),
    "task_reminded": _l("Reminder sent"),
    "task_escalated": _l("Task escalated"),
    "note_added": _l("Note added"),
    "document_added": _l("Document added"),
    "instance_withdrawn": _l("Case withdrawn"),
    "committee_changed": _l("Committee data changed"),
}

# the outcomes of the processes in DOMAIN.md §4
OUTCOME_LABELS = {
    "terminated": _l("Assignment ended"),
    "objected": _l("Objection: the assignment continues"),
    "resolved_by_traeger": _l("Resolved by the Träger"),
    "decided": _l("Decided by the Kooperationsausschuss"),
    "inadmissible_window": _l("Not admissible: outside the application period"),
    "quorum_failed": _l("Required majority not reached"),
    "incomplete": _l("Incomplete: commitments missing"),
    "staff_commitment_insufficient": _l("Staff commitment insufficient"),
    "not_suitable": _l("Not suitable"),
    "land_refused": _l("Land refused consent"),
    "admitted": _l("Admitted"),
    "not_admitted": _l("Not admitted"),
    "appointed": _l("Appointed"),
    "appointed_by_tv": _l("Appointed by the Trägerversammlung"),
    "appointed_by_rotation": _l("Appointed by rotation"),
    # supervision (German: process_supervision.po)
    "measure_issued": _l("Supervisory measure issued"),
    "measure_dropped": _l("No supervisory measure"),
    # target_agreement (German: tables.po)
    "concluded": _l("Agreement concluded"),
    "reviewed": _l("Agreement concluded and reviewed"),
    "elected": _l("Elected"),  # tv_chair (German: process_tv_chair.po)
}

# names every case or history entry may carry, whatever the process
VARIABLE_LABELS = {
    "land": _l("Land"),
    "started_by": _l("Started by"),
    "outcome": _l("Outcome"),
    "version": _l("Version"),
    "variables": _l("Data entered"),
    "element": _l("Step"),
    "error": _l("Message"),
    "assignee": _l("Assigned to"),
    "recipients": _l("Recipients"),
    # parties_added (involve(), casework/cases/parties.py; German: process_conflict_gf.po)
    "group": _l("Group"),
    "organisations": _l("Organisations"),
    "organisation_ids": _l("Organisation numbers"),
    "group_id": _l("Group number"),  # readers_added (involve(..., reads=True); German: process_supervision.po)
    # task_reminded / task_escalated (casework/time/reminders.py)
    "step": _l("Reminder"),
    "groups": _l("Groups"),
    "subject": _l("Subject"),
    "text": _l("Text"),
    "type": _l("Kind"),
    # computed by option_application and beirat_appointment (German: process_option_beirat.po)
    "once_total": _l("One-off costs in total"),
    "running_total": _l("Running costs in total"),
    "required_staff": _l("Staff required (90 percent, rounded up)"),
    "quorum_rule": _l("Majority rule applied"),
    "council_result": _l("Council vote"),
    "admissibility": _l("Admissibility"),
    "commitments_complete": _l("All commitments made"),
    "score_total": _l("Points in total"),
    "criteria_below_minimum": _l("Criteria below the minimum"),
    "total_below_minimum": _l("Total below the minimum"),
    "suitable": _l("Suitable"),
    "gemeinde_statements": _l("Statements of the Gemeinden"),
    "appointed_members": _l("Appointed members"),
    "rejected_nominees": _l("Rejected nominees"),
    "eligible_names": _l("Eligible nominees"),
    "no_nomination_from": _l("No nomination from"),
    "nominee_results": _l("Votes per nominee"),
    "gemeinde_names": _l("Names of the Gemeinden"),
    "proposer_names": _l("Names of the proposers"),
    # computed by instruction_conflict and gf_appointment (German: process_conflict_gf.po)
    "instruction_a": _l("Instruction A"),
    "issuer": _l("Issued by"),
    "date": _l("Date"),
    "instruction_b": _l("Instruction B"),
    "recommendation_period": _l("Recommendation window"),
    "referred_on": _l("Referred to the Kooperationsausschuss on"),
    "traeger_reviews": _l("Review by the Träger"),
    "maintained_by": _l("Träger maintaining their instruction"),
    "hearings": _l("Hearing"),
    "ka_chair": _l("Chair of the Kooperationsausschuss"),
    "ka_member_count": _l("Members entitled to vote"),
    "ka_votes": _l("Individual votes"),
    "ka_result": _l("Vote of the Kooperationsausschuss"),
    "competent_issuer": _l("Competent issuer"),
    "binding": _l("Binding on the Träger"),
    "decided_on": _l("Decided on"),
    "decision_text": _l("Decision"),
    "notified": _l("Notified"),
    "term_period": _l("Term of office"),
    "rotation_term": _l("Term of office by rotation"),
    "tv_chair": _l("Chair of the Trägerversammlung"),
    "vote_round": _l("Votes held"),
    "first_vote": _l("First vote of the Trägerversammlung"),
    "second_vote": _l("Second vote of the Trägerversammlung"),
    "appointing_side": _l("Appointing side (rotation)"),
    "next_appointing_side": _l("Next appointing side"),
    "next_appointment_due": _l("Prepare the next appointment by"),
    # tv_chair and its committee_changed history entries (German: process_tv_chair.po)
    "committee": _l("Committee"),
    "chair": _l("Chair"),
    "how": _l("Chair by"),
    "side": _l("Side"),
    "term_start": _l("Start of the term"),
    "term_end": _l("End of the term"),
    "body_id": _l("Committee number"),
    "chair_user": _l("User name of the chair"),
}


def common_vocabulary() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Labels for the names every case may carry, and the outcome labels as their options."""
    labels = {name: str(label) for name, label in VARIABLE_LABELS.items()}
    options = {
        "outcome": {code: str(label) for code, label in OUTCOME_LABELS.items()},
        "type": {"notify": str(_("Notification")), "involve": str(_("Organisations involved")),
                 "committee_chair": str(_("Committee data changed"))},
        "how": {"elected": str(_("Election")), "rotation": str(_("Rotation"))},
        "side": {"ba": str(_("Agentur für Arbeit")), "kommune": str(_("Kommunaler Träger")), "land": str(_("Land")),
                 "bmas": str(_("BMAS"))},
    }
    return labels, options


def init_app(app: Flask) -> None:
    """Compile the catalogs if needed and offer the formatting helpers to every template."""
    compile_translations(TRANSLATIONS_DIR)
    app.jinja_env.filters.update(
        when=format_when,
        day=format_day,
        value=format_value,
        money=format_money,
        group_labels=group_labels,
        person=person,
    )
    app.jinja_env.globals.update(
        current_locale=current_locale,
        status_label=status_label,
        action_label=action_label,
        outcome_label=outcome_label,
        priority_label=priority_label,
    )


def group_labels(names: Any) -> str:
    """Group names as their readable labels ("Geschäftsführung", not "gf"), comma-separated."""
    from webapp.common import services

    labels = services().directory.group_labels()
    return ", ".join(labels.get(name, name) for name in names or ())


def person(username: str | None) -> str:
    """A username as the person's name ("Petra Beispiel", not "mitarbeiterin"); names are looked up once per request."""
    from flask import g

    from webapp.common import services

    if not username:
        return ""
    names: dict[str, str] = g.setdefault("person_names", {})
    if username not in names:
        names.update(services().directory.display_names({username}))
        names.setdefault(username, username)
    return names[username]


def compile_translations(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Write ``messages.mo`` per language from all its ``.po`` files when any is newer; returns the files written.

    Each area of the UI keeps its own catalog (``messages.po``, ``deadlines.po``, ...) so that
    changes to one area never touch another's file; they are merged into the one domain Flask-Babel
    reads. A read-only installation with stale catalogs logs a warning instead of failing.
    """
    written = []
    for folder in sorted(directory.glob("*/LC_MESSAGES")):
        sources = sorted(folder.glob("*.po"))
        mo_path = folder / "messages.mo"
        if not sources:
            continue
        newest = max(po.stat().st_mtime for po in sources)
        if mo_path.exists() and mo_path.stat().st_mtime >= newest:
            continue
        try:
            _compile(sources, mo_path)
        except OSError as exc:
            log.warning("Could not compile %s: %s", folder, exc)
            continue
        written.append(mo_path)
    return written


def _compile(sources: list[Path], mo_path: Path) -> None:
    locale = mo_path.parent.parent.name
    catalog = None
    for po_path in sources:
        with po_path.open("rb") as handle:
            part = read_po(handle, locale=locale)
        if catalog is None:
            catalog = part
            continue
        for message in part:
            if message.id:
                catalog[message.id] = message
    assert catalog is not None
    # write to a temporary file and rename: several workers may start at the same moment
    fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp_name, mo_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# --- template helpers ------------------------------------------------------------------------


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "de"


def format_when(value: datetime | None) -> str:
    """A moment in the user's time zone (Europe/Berlin): 25.11.2026 10:00 in German."""
    if value is None:
        return ""
    pattern = "dd.MM.yyyy HH:mm" if current_locale() == "de" else "d MMM yyyy, HH:mm"
    return str(format_datetime(value, pattern))


def format_day(value: date | str | None) -> str:
    """A calendar date: 31.12.2026 in German."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if value is None:
        return ""
    pattern = "dd.MM.yyyy" if current_locale() == "de" else "d MMM yyyy"
    if isinstance(value, datetime):
        return str(format_datetime(value, pattern))
    return str(format_date(value, pattern))


def format_value(value: Any, options: Mapping[str, str] | None = None) -> str:
    """A variable's value as a person reads it: Ja/Nein, dates, option labels, lists."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, (int, float)):
        return format_number(value, "number", current_locale())
    if isinstance(value, str):
        if options and value in options:
            return options[value]
        if _ISO_DATE.match(value):
            return format_day(value)
        if _ISO_DATETIME.match(value):
            try:
                return format_when(datetime.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, options) for v in value) or "–"
    if isinstance(value, Mapping):
        return "–"  # an object's keys are internals: data_list shows its labelled keys
    return str(value)


def format_money(value: Any) -> str:
    """An amount in euros for the page's language: 12.500,50 € (de), €12,500.50 (en)."""
    if value is None or value == "" or isinstance(value, bool):
        return "–"
    return format_number(value, "money", current_locale())


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status or "", status or "–"))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def outcome_label(outcome: str | None) -> str:
    if not outcome:
        return "–"
    return str(OUTCOME_LABELS.get(outcome, outcome))


def priority_label(priority: int | None) -> str:
    if priority is None or priority == 50:
        return str(_("normal"))
    return str(_("high") if priority > 50 else _("low"))
