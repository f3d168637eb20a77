"""GET /admin/outbox, POST /admin/outbox/<id>/requeue, GET+POST /account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.common import actor, page_arg, services
from webapp.errors import ui_message
from webapp.mail_admin import bp
from webapp.mail_admin.forms import PreferencesForm, RequeueForm
from webapp.mail_admin.pages import OutboxQuery


@bp.get("/admin/outbox")
def outbox() -> str:
    query = OutboxQuery.from_args(request.args)
    mails = services().outbox.list_mails(actor=actor(), status=query.status or None, page=page_arg(request.args))
    settings = services().outbox.settings
    return render_template("mail_admin/outbox.html", mails=mails, query=query, form=RequeueForm(),
                           server=f"{settings.host}:{settings.port}", tls=settings.tls)


@bp.post("/admin/outbox/<int:mail_id>/requeue")
def requeue(mail_id: int) -> Response:
    if RequeueForm().validate_on_submit():
        try:
            services().outbox.requeue(mail_id, actor=actor())
        except ValidationFailed as exc:
            flash(ui_message(exc), "error")
        else:
            flash(_("The e-mail is queued again."), "success")
    return redirect(url_for("mail_admin.outbox", status="failed"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> Response | tuple[str, int]:
    current = services().outbox.get_preferences(actor=actor())
    new_task = services().new_task_mail.get_choice(actor=actor())
    form = PreferencesForm(data={"digest": current.digest, "digest_hour": str(current.digest_hour),
                                 "new_task": new_task})
    if form.validate_on_submit():
        services().outbox.set_preferences(actor=actor(), digest=bool(form.digest.data),
                                          digest_hour=int(form.digest_hour.data))
        services().new_task_mail.set_choice(actor=actor(), new_task=form.new_task.data)
        flash(_("Your e-mail settings have been saved."), "success")
        return redirect(url_for("mail_admin.account"))
    return render_template("mail_admin/account.html", form=form, email=current.email), (
        422 if request.method == "POST" else 200)
