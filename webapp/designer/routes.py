"""Designer pages (list, modeler, versions) and the JSON endpoints the modeler script calls.

The JSON endpoints take the session cookie plus the page's CSRF token in ``X-CSRFToken``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from casework.errors import CaseworkError, Conflict, DefinitionInvalid, Forbidden, NotFound, ValidationFailed
from webapp.common import actor, services
from webapp.designer import bp
from webapp.designer.forms import NewProcessForm, UploadForm
from webapp.designer.pages import (
    diff_config,
    editor_config,
    json_body,
    load_versions,
    problem_json,
    require_designer,
    version_arg,
)
from webapp.errors import ui_message
from webapp.forms import csrf_failed
from webapp.i18n import format_when

JSON_ENDPOINTS = {"designer.save_draft", "designer.validate", "designer.deploy", "designer.diff_json"}
STATUS = ((NotFound, 404), (Forbidden, 403), (Conflict, 409), (ValidationFailed, 422), (DefinitionInvalid, 422))


@bp.before_request
def _designers_only() -> None:
    require_designer(actor())


@bp.errorhandler(CaseworkError)
def _domain_error(exc: CaseworkError) -> tuple[Any, int]:
    status = next((s for cls, s in STATUS if isinstance(exc, cls)), 400)
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify(error=exc.code, message=exc.message, **exc.details), status
    return render_template("error.html", status=status, title=_("Not possible"), message=ui_message(exc)), status


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> tuple[Any, int]:
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify(error="csrf_failed", message=_("The security token is missing or has expired.")), 400
    return csrf_failed(exc)


@bp.route("/", methods=["GET", "POST"])
def index() -> Any:
    """The processes with their versions and drafts; POST creates a new process from the template."""
    form = NewProcessForm()
    if form.validate_on_submit():
        try:
            services().designer.create_from_template(form.key.data, form.name.data, actor=actor())
        except (ValidationFailed, Conflict) as exc:
            form.form_errors.extend(form.apply_errors(getattr(exc, "fields", {})) or [exc.message])
        else:
            flash(_("The new process was created as a draft."), "success")
            return redirect(url_for("designer.edit", key=form.key.data))
    return _index_page(form, UploadForm(), 422 if form.is_submitted() else 200)


@bp.post("/upload")
def upload() -> Any:
    """An uploaded .bpmn/.dmn file becomes a draft, opened in the modeler."""
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        try:
            draft = services().designer.upload(
                file.filename or "", file.read(), actor=actor(), process_key=form.process_key.data or None
            )
        except ValidationFailed as exc:
            form.form_errors.extend(form.apply_errors(exc.fields))
        else:
            flash(_("The file was saved as a draft."), "success")
            return redirect(url_for("designer.edit", key=draft.process_key, file=draft.file_name))
    return _index_page(NewProcessForm(formdata=None), form, 422)


def _index_page(new_form: NewProcessForm, upload_form: UploadForm, status: int) -> tuple[str, int]:
    processes = services().designer.list_processes(actor=actor())
    upload_form.process_key.choices = [("", _("(not a DMN file)"))] + [
        (p.key, f"{p.name} ({p.key})") for p in processes if p.latest_version
    ]
    page = render_template("designer/index.html", processes=processes, form=new_form, upload_form=upload_form)
    return page, status


@bp.get("/<key>")
def edit(key: str) -> str:
    """The modeler (BPMN) or decision table editor (DMN) for a draft or a deployed version."""
    source = services().designer.get_source(
        key, actor=actor(), version=version_arg("version"), file_name=request.args.get("file") or None
    )
    return render_template("designer/edit.html", source=source, config=editor_config(source))


@bp.post("/<key>/draft")
def save_draft(key: str) -> Response:
    body = json_body()
    draft = services().designer.save_draft(key, body["file_name"], body["content"], actor=actor(),
                                           based_on_version=body["based_on_version"],
                                           loaded_draft_at=body["loaded_draft_at"])
    return jsonify(process_key=draft.process_key, file_name=draft.file_name, updated_by=draft.updated_by,
                   updated_at=format_when(draft.updated_at), saved_at=draft.updated_at.isoformat(),
                   based_on_version=draft.based_on_version)


@bp.post("/<key>/draft/discard")
def discard_draft(key: str) -> Response:
    services().designer.discard_draft(key, request.form.get("file_name", ""), actor=actor())
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("designer.index"))


@bp.post("/<key>/validate")
def validate(key: str) -> Response:
    body = json_body()
    problems = services().designer.validate(key, body["file_name"], body["content"], actor=actor())
    return jsonify(ok=not any(p.severity == "error" for p in problems), problems=problem_json(problems))


@bp.post("/<key>/deploy")
def deploy(key: str) -> tuple[Response, int]:
    body = json_body()
    result = services().designer.deploy(key, body["file_name"], body["content"], actor=actor())
    deployed = [{"key": d.key, "version": d.version, "created": created} for d, created in result.definitions]
    return jsonify(deployed=deployed, warnings=problem_json(result.warnings)), 201


@bp.get("/<key>/versions")
def versions(key: str) -> str:
    view = load_versions(key, actor())
    config = diff_config(view.diff) if view.diff else None
    return render_template("designer/versions.html", view=view, diff_config=config)


@bp.get("/<key>/versions/<int:version>/download")
def download(key: str, version: int) -> Response:
    name, xml = services().designer.version_file(key, version, actor=actor(), file_name=request.args.get("file"))
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/<key>/diff.json")
def diff_json(key: str) -> Response:
    old, new = version_arg("from"), version_arg("to")
    if old is None or new is None:
        raise ValidationFailed(_("Please choose two versions."), {"from": "", "to": ""})
    return jsonify(diff_config(services().designer.diff(key, old, new, actor=actor())))
