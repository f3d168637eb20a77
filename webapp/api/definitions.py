"""Process definitions: list, one (with its start form), versions, BPMN, deploy (API.md)."""

from __future__ import annotations

from functools import partial
from pathlib import PurePosixPath
from typing import Any

from flask import Response, jsonify
from pydantic import Field

from casework.errors import Problem as ProblemInfo
from casework.records import Page
from webapp.api import serialise
from webapp.api.routes import bp
from webapp.api.schemas import (
    Answer,
    Body,
    PageAnswer,
    Paging,
    PositiveNumber,
    Problem,
    Query,
    StartForm,
    Time,
)
from webapp.api.spec import UploadedFile, endpoint
from webapp.common import actor, services


class VersionQuery(Query):
    version: PositiveNumber | None = Field(None, description="a version (default: the latest)")


class Definition(Answer):
    id: str
    key: str = Field(description="process key = BPMN process id")
    name: str
    version: int
    deployed_at: Time
    deployed_by: str | None
    starter_groups: list[str]
    start_form: StartForm
    warnings: list[Problem]
    can_start: bool | None = Field(None, description="the caller may start it")


class DefinitionPage(PageAnswer):
    items: list[Definition]


class DefinitionVersions(Answer):
    items: list[Definition]
    total: int


class DeployedProcess(Answer):
    key: str
    name: str
    version: int
    created: bool = Field(description="false: unchanged, no new version")
    deployed_at: Time
    warnings: list[Problem]


class Deployment(Answer):
    """One entry per process in the files. With exactly one process, its key, version and created are
    repeated at the top level."""

    deployed: list[DeployedProcess]
    warnings: list[Problem] = Field(
        description="warnings that belong to no deployed process, e.g. a process with "
        'isExecutable="false", which is not deployed'
    )
    key: str | None = None
    version: int | None = None
    created: bool | None = None


class DeployFiles(Body):
    files: list[UploadedFile] = Field(description=".bpmn/.dmn files")


def page_of(values: list[Any], page: int, per_page: int) -> Page[Any]:
    start = (page - 1) * per_page
    return Page(
        items=tuple(values[start : start + per_page]), total=len(values), page=page, per_page=per_page
    )


@bp.get("/process-definitions")
@endpoint("definitions", 200, DefinitionPage, "A page of definitions", 422)
def list_definitions(query: Paging) -> Response:
    """Deployed definitions, latest version of each."""
    definitions = services().repository.list_definitions_with_forms()
    result = page_of(definitions, **query.window())
    return jsonify(serialise.page(result, partial(serialise.definition, actor=actor())))


@bp.get("/process-definitions/<key>")
@endpoint("definitions", 200, Definition, "The definition", 404, 422)
def get_definition(key: str, query: VersionQuery) -> Response:
    """One definition with its start form."""
    info = services().repository.get_definition_with_form(key, query.version)
    return jsonify(serialise.definition(info, actor()))


@bp.get("/process-definitions/<key>/versions")
@endpoint("definitions", 200, DefinitionVersions, "The versions", 404)
def list_versions(key: str) -> Response:
    """Every version of a definition, newest first, each with its own start form."""
    repository = services().repository
    versions = [repository.get_definition_with_form(key, d.version) for d in repository.list_versions(key)]
    return jsonify(serialise.items(versions, serialise.definition))


@bp.get("/process-definitions/<key>/bpmn")
@endpoint("definitions", 200, None, "BPMN 2.0 XML (application/xml)", 404, 422)
def get_bpmn(key: str, query: VersionQuery) -> Response:
    """The BPMN XML of a version."""
    xml = services().repository.get_bpmn(key, query.version)
    return Response(xml, mimetype="application/xml")


@bp.post("/process-definitions")
@endpoint(
    "definitions",
    201,
    Deployment,
    "Deployed; an unchanged process keeps its version (created false)",
    403,
    409,
    413,
    422,
)
def deploy(form: DeployFiles) -> tuple[Response, int]:
    """Deploy BPMN/DMN files (designer or admin).

    All or nothing: 422 lists every problem in details.errors and deploys nothing. 201 as API.md's
    table says, also when a file was unchanged: "created" false tells that apart.
    """
    # a body that is not multipart brings no form: the service then refuses "no file" (422)
    uploads = form.files if form is not None else []
    files = {PurePosixPath((f.filename or "").replace("\\", "/")).name: f.read() for f in uploads}
    unplaced: list[ProblemInfo] = []
    results = services().repository.deploy(files, actor=actor(), unplaced=unplaced)
    return jsonify(serialise.deployment(results, unplaced)), 201
