"""GET /admin/committees, GET /admin/committees/<id>, POST …/<id>/members, …/<id>/chair, …/<id>/rotation."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.committees import bp
from webapp.committees.forms import KIND_LABELS, RULE_LABELS, SIDE_LABELS, ChairForm, MembersForm, RotationForm
from webapp.common import actor, services
from webapp.forms import BaseForm

Page = tuple[str, int]


@bp.get("")
def index() -> str:
    bodies = services().committees.list_bodies(actor=actor())
    return render_template("committees/index.html", bodies=bodies, kinds=KIND_LABELS)


@bp.get("/<int:body_id>")
def show(body_id: int) -> str:
    return _page(body_id)[0]


@bp.post("/<int:body_id>/members")
def members(body_id: int) -> Response | Page:
    body = services().committees.get_body(body_id, actor=actor())
    form = MembersForm(prefix="members").fit(body)
    return _submit(body_id, "members_form", form, lambda: services().committees.change_members(
        body_id, add=form.additions(), remove=form.remove.data or [], actor=actor(),
    ), _("The members have been changed."))


@bp.post("/<int:body_id>/chair")
def chair(body_id: int) -> Response | Page:
    body = services().committees.get_body(body_id, actor=actor())
    form = ChairForm(prefix="chair").fit(body)
    return _submit(body_id, "chair_form", form, lambda: services().committees.set_chair(
        body_id, form.username.data or "", term_start=form.term_start.data, term_end=form.term_end.data,
        actor=actor(),
    ), _("The chair has been set."))


@bp.post("/<int:body_id>/rotation")
def rotation(body_id: int) -> Response | Page:
    form = RotationForm(prefix="rotation")
    return _submit(body_id, "rotation_form", form, lambda: services().committees.set_rotation(
        body_id, form.rotation_start.data, actor=actor(),
    ), _("The chair rule has been changed."))


def _submit(body_id: int, name: str, form: BaseForm, change: Callable[[], object], done: str) -> Response | Page:
    """Make the change a valid form asks for and go back to the committee; else show the form again (422).

    A change the service refuses puts its message among the form's errors; name is the form's name in the page.
    """
    if form.validate_on_submit():
        try:
            change()
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            flash(done, "success")
            return redirect(url_for("committees.show", body_id=body_id))
    return _page(body_id, status=422, **{name: form})


def _page(body_id: int, *, status: int = 200, **given: BaseForm) -> Page:
    """The committee page; the forms not given (a submitted one with its errors) start from the committee."""
    body = services().committees.get_body(body_id, actor=actor())
    forms = {
        "members_form": given.get("members_form") or MembersForm(prefix="members", formdata=None).fit(body),
        "chair_form": given.get("chair_form")
        or ChairForm(prefix="chair", formdata=None, data={"username": body.chair}).fit(body),
        "rotation_form": given.get("rotation_form") or RotationForm(prefix="rotation", formdata=None,
                                                                    data={"rotation_start": body.rotation_start}),
    }
    html = render_template("committees/show.html", body=body, kinds=KIND_LABELS, sides=SIDE_LABELS,
                           rules=RULE_LABELS, **forms)
    return html, status
