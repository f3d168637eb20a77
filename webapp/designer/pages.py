"""What the designer pages show and send, gathered from the services (the routes stay short)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from casework.designer import DiagramDiff, ProcessSource, VersionInfo
from casework.errors import Problem
from casework.records import Actor
from webapp.common import services


def require_designer(actor: Actor) -> None:
    """The designer is for designers and admins; others get the 403 page."""
    if not (actor.is_admin or actor.in_group("designer", "admin")):
        abort(403)


def editor_labels() -> dict[str, str]:
    """The texts the modeler script shows, in the page's language (the script holds none)."""
    return {
        "error": _("Error"),
        "warning": _("Warning"),
        "info": _("Translated"),
        "select_element": _("Select %(name)s in the diagram"),
        "problems_here": _("%(count)s problems at this element"),
        "problems_here_one": _("One problem at this element"),
        "problem_count": _("%(count)s problems found."),
        "problem_count_one": _("One problem found."),
        "no_problems": _("No problems found."),
        "check_ok": _("Check passed: the model can be deployed."),
        "check_failed": _("Check failed: %(count)s errors. Nothing was deployed."),
        "check_failed_one": _("Check failed: one error. Nothing was deployed."),
        "deployed": _("Deployed: %(deployed)s."),
        "unchanged": _("Nothing changed, no new version: %(deployed)s."),
        "deploy_refused": _("Deployment refused: the model has errors. Nothing was deployed."),
        "draft_saved": _("Draft saved (%(updated_at)s, %(updated_by)s)."),
        "request_failed": _("The request failed: %(message)s"),
        "import_failed": _("The diagram could not be opened: %(message)s"),
        "import_warnings": _("The diagram was opened with %(count)s warnings."),
        "import_warnings_one": _("The diagram was opened with one warning."),
    }


def editor_config(source: ProcessSource) -> dict[str, Any]:
    """The modeler page's configuration, handed to the script as JSON (no inline script)."""
    key = source.process_key
    return {
        "key": key,
        "file_name": source.file_name,
        "kind": source.kind,
        "xml": source.xml,
        "based_on_version": source.version,
        "draft_saved_at": source.draft.updated_at.isoformat() if source.draft else "",
        "csrf_token": generate_csrf(),
        "urls": {
            "save": url_for("designer.save_draft", key=key),
            "validate": url_for("designer.validate", key=key),
            "deploy": url_for("designer.deploy", key=key),
        },
        "labels": editor_labels(),
        "properties_labels": {
            "group_label": _("Fallwerk"),
            "reminders_label": _("Reminders and escalation"),
            "reminders_hint": _("e.g. before=2wd; due; escalate=1wd – empty: the default policy; none: no reminders"),
            "title_label": _("Task title"),
            "title_hint": _("The title in the inbox, with the subject from the case data, e.g. "
                            "Abstimmung über {vote_item.nominee} – empty: the task's name"),
            "facts_label": _("Case facts shown"),
            "facts_hint": _("One per line: variable | label | format (date, money, code, table: key=Heading; …). "
                            "Shown on the case page and every task page; nothing unlabelled is shown."),
            "task_facts_hint": _("One per line: variable | label | format. Added to the process's facts on this "
                                 "task's page; “variable | -” hides one of them, “* | -” all of them."),
        },
    }


def version_arg(name: str) -> int | None:
    """A version number from the query string; anything else is a 404 (no such version)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        abort(404)
    return int(raw)


@dataclass(frozen=True)
class VersionsView:
    key: str
    versions: list[VersionInfo]
    diff: DiagramDiff | None
    old: int | None
    new: int | None

    @property
    def name(self) -> str:
        return self.versions[0].name


def load_versions(key: str, actor: Actor) -> VersionsView:
    """The versions of a process and, when two are asked for (default: the newest two), their diff.

    Raises:
        NotFound: no such process or version.
    """
    designer = services().designer
    versions = designer.list_versions(key, actor=actor)
    old, new = version_arg("from"), version_arg("to")
    if old is None and new is None and len(versions) > 1:
        old, new = versions[1].version, versions[0].version
    diff = None
    if old is not None and new is not None:
        diff = designer.diff(key, old, new, actor=actor)
    return VersionsView(key, versions, diff, old, new)


def diff_config(diff: DiagramDiff) -> dict[str, Any]:
    def entries(items: Any) -> list[dict[str, Any]]:
        return [{"id": e.id, "name": e.name, "type": e.type, "changes": list(e.changes)} for e in items]

    return {
        "old_xml": diff.old_xml,
        "new_xml": diff.new_xml,
        "added": entries(diff.added),
        "removed": entries(diff.removed),
        "changed": entries(diff.changed),
    }


def problem_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in problems]


def json_body() -> dict[str, Any]:
    """The JSON object of a designer request: file_name, xml, optionally based_on_version and
    draft_saved_at (the draft the editor started from, "" for none)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    based_on = body.get("based_on_version")
    return {
        "file_name": str(body.get("file_name") or ""),
        "content": str(body.get("xml") or ""),
        "based_on_version": based_on if isinstance(based_on, int) and not isinstance(based_on, bool) else None,
        "loaded_draft_at": str(body["draft_saved_at"]) if body.get("draft_saved_at") is not None else None,
    }


def case_diagram_config(instance_id: str) -> dict[str, Any]:
    """The configuration of the case page's diagram script: where its state comes from, and its texts."""
    return {
        "state_url": url_for("diagram.case_diagram", instance_id=instance_id),
        "labels": {
            "completed": _("Done"),
            "active": _("Open"),
            "waiting": _("Waiting"),
            "failed": _("Failed"),
            "history_for": _("History of “%(name)s”"),
            "no_history": _("No history entries for this element."),
            "load_failed": _("The diagram could not be loaded: %(message)s"),
            # an element without a name is listed by its kind, never by its id (gateway_join)
            "unnamed_gateway": _("Branch or merge"),
            "unnamed_start": _("Start"),
            "unnamed_end": _("End"),
            "unnamed_event": _("Event"),
            "unnamed_step": _("Unnamed step"),
        },
    }
