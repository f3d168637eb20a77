"""GET / (inbox), GET+POST /tasks/<id> (task page), POST /tasks/<id>/claim and /unclaim."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import Conflict, ValidationFailed
from casework.records import FormSpec
from webapp.casefile.uploads import store_form_files
from webapp.common import actor, services
from webapp.errors import ui_message
from webapp.forms import BaseForm, build_form
from webapp.inbox import bp
from webapp.inbox.pages import InboxQuery, TaskView, load_inbox, load_task


@bp.get("/")
def index() -> str:
    query = InboxQuery.from_args(request.args)
    view = load_inbox(actor(), query, per_page=int(current_app.config["INBOX_PAGE_SIZE"]))
    return render_template("inbox/index.html", view=view, query=query)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task(task_id: str) -> Response | tuple[str, int]:
    """The task with its case; POST completes it (422 with the form's messages when invalid)."""
    view = load_task(task_id, actor())
    form = build_form(view.task.form or FormSpec(), view.task.form_values)()
    if request.method == "POST":
        form.restore_readonly()
        given, refused = store_form_files(view.task, form) if form.validate() else ({}, {})
        form.form_errors.extend(form.apply_errors(refused))
        if not form.errors and not refused:
            try:
                services().tasks.complete(task_id, actor=actor(), data={**form.payload(), **given})
            except ValidationFailed as exc:
                form.form_errors.extend(form.apply_errors(exc.fields))
            except Conflict as exc:
                flash(ui_message(exc), "error")
                return redirect(url_for("inbox.index"))
            else:
                flash(_("Task completed: %(title)s", title=view.task.title), "success")
                return redirect(url_for("inbox.index"))
    return _task_page(view, form), 422 if request.method == "POST" else 200


def _task_page(view: TaskView, form: BaseForm) -> str:
    return render_template("inbox/task.html", view=view, task=view.task, case=view.case, form=form)


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> Response:
    try:
        task = services().tasks.claim(task_id, actor=actor())
    except Conflict as exc:
        flash(ui_message(exc), "error")
        return redirect(url_for("inbox.index", scope="candidate"))
    flash(_("You have claimed the task “%(title)s”.", title=task.title), "success")
    return redirect(url_for("inbox.task", task_id=task.id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> Response:
    try:
        task = services().tasks.unclaim(task_id, actor=actor())
    except Conflict as exc:
        flash(ui_message(exc), "error")
        return redirect(url_for("inbox.index"))
    flash(_("The task “%(title)s” is back with the group.", title=task.title), "success")
    return redirect(url_for("inbox.index"))


@bp.post("/filters")
def save_filter() -> Response:
    """Keep the inbox's current filter under a name; it then shows as a tab."""
    query = InboxQuery.from_args(request.form)
    try:
        saved = services().saved_filters.save(actor=actor(), name=request.form.get("name", ""),
                                              query=query.args(page=1))
    except ValidationFailed as exc:
        flash(ui_message(exc), "error")
        return redirect(url_for("inbox.index", **query.args(page=1)))
    flash(_("The filter “%(name)s” is saved.", name=saved.name), "success")
    return redirect(url_for("inbox.index", **saved.query))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int) -> Response:
    services().saved_filters.delete(filter_id, actor=actor())
    flash(_("The filter is deleted."), "success")
    return redirect(url_for("inbox.index"))
