"""GET /admin/committees, GET /admin/committees/<id>, POST …/<id>/members, …/<id>/chair, …/<id>/rotation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.errors import ValidationFailed
from webapp.committees import bp
from webapp.committees.forms import KIND_LABELS, RULE_LABELS, SIDE_LABELS, ChairForm, MembersForm, RotationForm
from webapp.common import actor, services

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
    if form.validate_on_submit():
        try:
            services().committees.change_members(body_id, add=form.additions(), remove=form.remove.data or [],
                                                 actor=actor())
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("The members have been changed."), "success")
            return redirect(url_for("committees.show", body_id=body_id))
    return _page(body_id, members_form=form, status=422)


@bp.post("/<int:body_id>/chair")
def chair(body_id: int) -> Response | Page:
    body = services().committees.get_body(body_id, actor=actor())
    form = ChairForm(prefix="chair").fit(body)
    if form.validate_on_submit():
        try:
            services().committees.set_chair(body_id, form.username.data or "", term_start=form.term_start.data,
                                            term_end=form.term_end.data, actor=actor())
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("The chair has been set."), "success")
            return redirect(url_for("committees.show", body_id=body_id))
    return _page(body_id, chair_form=form, status=422)


@bp.post("/<int:body_id>/rotation")
def rotation(body_id: int) -> Response | Page:
    form = RotationForm(prefix="rotation")
    if form.validate_on_submit():
        try:
            services().committees.set_rotation(body_id, form.rotation_start.data, actor=actor())
        except ValidationFailed as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("The chair rule has been changed."), "success")
            return redirect(url_for("committees.show", body_id=body_id))
    return _page(body_id, rotation_form=form, status=422)


def _page(body_id: int, *, members_form: MembersForm | None = None, chair_form: ChairForm | None = None,
          rotation_form: RotationForm | None = None, status: int = 200) -> Page:
    body = services().committees.get_body(body_id, actor=actor())
    forms = {
        "members_form": members_form or MembersForm(prefix="members", formdata=None).fit(body),
        "chair_form": chair_form or ChairForm(prefix="chair", formdata=None, data={"username": body.chair}).fit(body),
        "rotation_form": rotation_form or RotationForm(prefix="rotation", formdata=None,
                                                       data={"rotation_start": body.rotation_start}),
    }
    html = render_template("committees/show.html", body=body, kinds=KIND_LABELS, sides=SIDE_LABELS,
                           rules=RULE_LABELS, **forms)
    return html, status
