"""POST /cases/<id>/notes and /documents, GET /cases/<id>/documents/<doc>: the case file on the pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import TooLarge, Unavailable, UnsupportedType, ValidationFailed
from webapp.casefile import bp
from webapp.casefile.downloads import attachment
from webapp.common import actor, services
from webapp.errors import ui_message
from webapp.i18n import person


def _back(instance_id: str, anchor: str = "notes-title") -> str:
    """Back to the task page the form was on, else to the case page (never to another site)."""
    task_id = request.form.get("task_id") or ""
    if task_id and request.form.get("back") == "task":
        return url_for("inbox.task", task_id=task_id) + "#" + anchor
    return url_for("cases.show", instance_id=instance_id) + "#" + anchor


@bp.post("/cases/<instance_id>/notes")
def add_note(instance_id: str) -> Response:
    try:
        services().notes.add(
            instance_id, actor=actor(), text=request.form.get("text", ""), task_id=request.form.get("task_id") or None
        )
    except ValidationFailed as exc:
        flash(_("The note was not saved: %(reason)s", reason=exc.fields.get("text") or exc.message), "error")
    else:
        flash(_("The note has been saved."), "success")
    return redirect(_back(instance_id))


@bp.post("/cases/<instance_id>/documents")
def add_document(instance_id: str) -> Response:
    """An upload from the case or task page; refusals (type, size) are shown on the page it came from."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Please choose a file."), "error")
        return redirect(_back(instance_id, "documents-title"))
    try:
        document = services().documents.add(
            instance_id, actor=actor(), source=upload.stream, filename=upload.filename,
            title=request.form.get("title"), task_id=request.form.get("task_id") or None,
        )
    except (ValidationFailed, TooLarge, UnsupportedType, Unavailable) as exc:
        flash(_("The document was not saved: %(reason)s", reason=ui_message(exc)), "error")
    else:
        flash(_("The document “%(name)s” has been added.", name=document.filename), "success")
    return redirect(_back(instance_id, "documents-title"))


@bp.get("/cases/<instance_id>/documents/<document_id>")
def download_document(instance_id: str, document_id: str) -> Response:
    return attachment(services().documents.open(instance_id, document_id, actor=actor()))


@bp.post("/cases/<instance_id>/withdraw")
def withdraw(instance_id: str) -> Response:
    """The starter withdraws the case, with a reason (409 page once it is decided)."""
    try:
        services().withdrawal.withdraw(instance_id, actor=actor(), reason=request.form.get("reason", ""))
    except ValidationFailed as exc:
        flash(_("The case was not withdrawn: %(reason)s", reason=exc.fields.get("reason") or exc.message), "error")
    else:
        flash(_("You have withdrawn the case."), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.post("/cases/<instance_id>/terminate")
def terminate(instance_id: str) -> Response:
    """An admin ends a case with a reason (open tasks are cancelled)."""
    try:
        services().runtime.terminate(instance_id, actor=actor(), reason=request.form.get("reason", ""))
    except ValidationFailed as exc:
        flash(_("The case was not terminated: %(reason)s", reason=exc.fields.get("reason") or exc.message), "error")
    else:
        flash(_("The case has been terminated."), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.post("/account/absence")
def set_absence() -> Response:
    """Record or end one's absence from the account page."""
    absences = services().absences
    if request.form.get("end"):
        absences.end(actor=actor())
        flash(_("Your absence has been ended."), "success")
        return redirect(url_for("mail_admin.account") + "#absence-title")
    try:
        absences.set(actor=actor(), starts_on=german_date(request.form.get("from", "")),
                     ends_on=german_date(request.form.get("until", "")), substitute=request.form.get("substitute", ""))
    except ValidationFailed as exc:
        reasons = "; ".join(exc.fields.values()) or exc.message
        flash(_("The absence was not saved: %(reason)s", reason=f"{exc.message} {reasons}"), "error")
    else:
        flash(_("Your absence has been saved."), "success")
    return redirect(url_for("mail_admin.account") + "#absence-title")


def german_date(text: str) -> str:
    """``04.12.2026`` (as German users type it) or ``2026-12-04`` -> ISO; anything else unchanged."""
    parts = text.strip().split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]:0>4}-{parts[1]:0>2}-{parts[0]:0>2}"
    return text.strip()


@bp.route("/tasks/<task_id>/reassign", methods=["GET", "POST"])
def reassign(task_id: str) -> Response | str:
    """"Neu zuweisen": supervisors of the task's groups and admins hand it to one of its candidates."""
    options = services().reassign.options(task_id, actor=actor())
    if request.method == "POST":
        try:
            services().tasks.assign(task_id, actor=actor(), username=request.form.get("username", ""))
        except ValidationFailed as exc:
            flash(ui_message(exc), "error")
        else:
            flash(_("The task “%(title)s” has been assigned to %(user)s.", title=options.title,
                    user=person(request.form.get("username", ""))), "success")
            return redirect(url_for("cases.show", instance_id=options.instance_id))
    return render_template("casefile/reassign.html", options=options)


@bp.post("/admin/committees/<int:body_id>/deputy")
def committee_deputy(body_id: int) -> Response:
    """An admin names (or removes) a member's deputy in a committee."""
    try:
        services().committees.set_deputy(body_id, request.form.get("member", ""),
                                         request.form.get("deputy", "").strip() or None, actor=actor())
    except ValidationFailed as exc:
        flash(ui_message(exc), "error")
    else:
        flash(_("The deputy has been saved."), "success")
    return redirect(url_for("committees.show", body_id=body_id) + "#deputy-title")
