"""GET /cases, GET /cases/<id>, POST /cases/<id>/retry, GET /cases/new, GET+POST /cases/new/<key>."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.cases import bp
from webapp.cases.forms import StartForm
from webapp.cases.pages import CaseQuery, load_case, load_cases, load_start, start_defaults, startable
from webapp.common import actor, services
from webapp.forms import build_form


@bp.get("/cases")
def index() -> str:
    query = CaseQuery.from_args(request.args)
    view = load_cases(actor(), query, per_page=int(current_app.config["INBOX_PAGE_SIZE"]))
    return render_template("cases/index.html", view=view, query=query)


@bp.get("/cases/<instance_id>")
def show(instance_id: str) -> str:
    view = load_case(instance_id, actor())
    return render_template("cases/show.html", view=view, case=view.case)


@bp.post("/cases/<instance_id>/retry")
def retry(instance_id: str) -> Response:
    """An admin runs the failed step of a case again (after the cause was fixed)."""
    latest = request.form.get("latest_version") == "1"
    case = services().runtime.retry(instance_id, actor=actor(), latest_version=latest)
    if case.status == "error":
        flash(_("The step failed again: %(message)s", message=case.error_message or ""), "error")
    else:
        flash(_("The case runs again."), "success")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.get("/cases/new")
def new() -> str:
    return render_template("cases/new.html", definitions=startable(actor()))


@bp.route("/cases/new/<key>", methods=["GET", "POST"])
def start(key: str) -> Response | tuple[str, int]:
    """The start form of a process; 403 for those who may not start it."""
    definition, spec = load_start(key, actor())
    form = build_form(spec, start_defaults(key, actor()), base=StartForm)()
    if form.validate_on_submit():
        try:
            case = services().runtime.start(
                key, actor=actor(), variables=form.payload(), business_key=form.business_key.data or None
            )
        except ValidationFailed as exc:
            form.form_errors.extend(form.apply_errors(exc.fields))
        else:
            flash(_("The case has been started."), "success")
            return redirect(url_for("cases.show", instance_id=case.id))
    page = render_template("cases/start.html", definition=definition, form=form)
    return page, 422 if form.is_submitted() else 200
