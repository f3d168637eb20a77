"""Schema-first endpoints: one decorator validates a request by its models and documents it.

The library is spectree (pydantic v2 models). Three things are ours:

- the request side (:class:`_Plugin`): the JSON body is parsed strictly by :func:`json_body`
  (400 ``malformed_json`` for bad JSON or anything but an object), query parameters and multipart
  forms are read from the request, and a failed validation is raised as an
  :class:`~webapp.api.errors.ApiError` 422 whose ``details.fields`` maps each field to a German message;
- the answer side: answers are checked against their model only when ``API_VALIDATE_RESPONSES`` is
  set (the tests set it; production does not pay for it); a mismatch raises :class:`ResponseMismatch`;
- the document (:func:`document`): OpenAPI 3.0 (pydantic writes JSON Schema 2020-12; :class:`_OpenAPI30`
  writes ``nullable`` instead of ``null`` types), with API.md's path names (``{id}``, not
  ``{instance_id}``), served at /api/v1/openapi.json and shown at /api/docs.

How to add an endpoint: see the docstring of :mod:`webapp.api`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any

from flask import Request, Response, current_app, request
from pydantic import BaseModel, PlainValidator, ValidationError, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema
from spectree import Response as Responses
from spectree import SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from spectree.plugins.base import Context
from spectree.plugins.flask_plugin import FlaskPlugin
from spectree.utils import get_multidict_items
from werkzeug.datastructures import FileStorage

from webapp import json_input
from webapp.api.errors import ApiError
from webapp.api.schemas import Error

#: Flask's names of path variables -> API.md's names in the document
PATH_NAMES = {"instance_id": "id", "task_id": "id", "document_id": "doc"}
PATH_DESCRIPTIONS = {
    "instance_id": "process instance id",
    "task_id": "task id",
    "key": "process key",
    "document_id": "document id",
    "username": "the user name",
}
TAGS = ("auth", "definitions", "instances", "tasks", "deadlines", "system", "external-tasks")
ERRORS = {
    400: "Malformed JSON or request",
    401: "Not authenticated",
    403: "Not allowed (or CSRF token missing with a session cookie)",
    404: "Unknown, or not visible to the caller",
    409: "Conflict: stale, claimed by someone else, or already completed",
    413: "Request too large",
    415: "Media type not accepted",
    422: "Invalid data: details.fields (or details.errors for definitions)",
    429: "Too many requests (Retry-After)",
    503: "Unavailable (Retry-After)",
}
DESCRIPTION = (
    "JSON API of Fallwerk. Times are ISO 8601 with offset, identifiers are strings. "
    "Errors: {error, message, details}; the message is German, or English when "
    "Accept-Language prefers en. "
    "Lists: ?page&per_page (max 200) -> {items, total, page, per_page}. "
    "Authenticate with a bearer token from POST /api/v1/auth/token, or with the browser "
    "session cookie, which needs the X-CSRFToken header on POST."
)
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer"},
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "browser session; unsafe methods need the X-CSRFToken header",
    },
}



def _uploaded_file(value: Any) -> FileStorage:
    if not isinstance(value, FileStorage):
        raise PydanticCustomError("file_expected", "Datei erwartet.")
    return value


#: a file of a multipart form (its schema: string, format binary); a plain form value is refused
UploadedFile = Annotated[
    Any, PlainValidator(_uploaded_file), WithJsonSchema({"type": "string", "format": "binary"})
]


class ResponseMismatch(RuntimeError):
    """An answer does not match its declared model (raised only with API_VALIDATE_RESPONSES)."""


# --- request parsing ----------------------------------------------------------------------------


def json_body(req: Request | None = None) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``. Any content type is read as JSON.

    Raises:
        ApiError: 400 for malformed JSON, anything but an object or nesting past JSON_MAX_DEPTH;
            422 for a number JSON cannot carry (NaN, Infinity, 1e400).
    """
    raw = (req or request).get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json_input.loads(raw)
    except json_input.JsonTooDeep as exc:
        raise ApiError("json_too_deep", 400, max_depth=exc.limit) from None
    except json_input.JsonNonFinite as exc:
        raise ApiError("non_finite_number", 422, number=exc.literal) from None
    except ValueError as exc:
        raise ApiError("malformed_json", 400, reason=str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError("malformed_json", 400, reason="a JSON object is expected")
    return body


# --- validation errors in German ----------------------------------------------------------------

MESSAGES = {
    "missing": "Pflichtfeld.",
    "string_type": "Zeichenkette erwartet.",
    "string_pattern_mismatch": "Ungültiges Format.",
    "int_type": "Ganze Zahl erwartet.",
    "int_parsing": "Ganze Zahl erwartet.",
    "int_from_float": "Ganze Zahl erwartet.",
    "float_type": "Zahl erwartet.",
    "float_parsing": "Zahl erwartet.",
    "bool_type": "true oder false erwartet.",
    "bool_parsing": "true oder false erwartet.",
    "dict_type": "Objekt erwartet.",
    "model_type": "Objekt erwartet.",
    "model_attributes_type": "Objekt erwartet.",
    "list_type": "Liste erwartet.",
}
# errors raised by our own validators (PydanticCustomError) carry their German message already
OWN_ERRORS = frozenset({"positive_number", "file_expected"})


def german_message(error: dict[str, Any]) -> str:
    """The German message for one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in OWN_ERRORS:
        return str(error["msg"])
    if kind == "string_too_short":
        return "Pflichtfeld." if ctx.get("min_length") == 1 else f"Mindestens {ctx.get('min_length')} Zeichen."
    if kind == "string_too_long":
        return f"Höchstens {ctx.get('max_length')} Zeichen."
    if kind == "literal_error":
        return "Erlaubt: " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    if kind in ("greater_than_equal", "greater_than"):
        return f"Mindestens {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Höchstens {ctx.get('le', ctx.get('lt'))}."
    return MESSAGES.get(kind, "Ungültiger Wert.")


def german_fields(exc: ValidationError) -> dict[str, str]:
    """Field (``topics.0.topic`` when nested) -> German message; the first error of a field wins."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        name = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(name, german_message(error))
    return fields


def _after(req: Any, resp: Any, error: Exception | None, *_: Any) -> None:
    if error is not None:
        raise ResponseMismatch(f"{req.method} {req.path} answered {resp.status_code} off its schema: {error}")


# --- the spectree backend: strict JSON in, answers checked only when asked ----------------------


class _Plugin(FlaskPlugin):
    def request_validation(self, req: Any, query: Any, json: Any, form: Any, headers: Any, cookies: Any) -> None:
        # A failed validation is raised here as our 422 (spectree would first serialise pydantic's
        # error list, input included, which can itself fail on odd input).
        real = req._get_current_object() if hasattr(req, "_get_current_object") else req
        try:
            real.context = self._validated(real, query, json, form)
        except ValidationError as exc:
            raise ApiError("validation_failed", 422, fields=german_fields(exc)) from None

    def _validated(self, req: Any, query: Any, json: Any, form: Any) -> Context:
        validate = self.model_adapter.validate_obj
        is_form = req.mimetype in self.FORM_MIMETYPE
        has_body = req.method not in ("GET", "DELETE")
        form_data = None
        if form is not None and has_body and is_form:
            form_data = {**get_multidict_items(req.form, form), **get_multidict_items(req.files, form)}
        return Context(
            validate(query, get_multidict_items(req.args, query)) if query is not None else None,
            validate(json, json_body(req)) if json is not None and has_body and not is_form else None,
            validate(form, form_data) if form_data is not None else None,
            None,
            None,
        )

    def validate_response(
        self, resp: Any, resp_model: Responses | None, skip_validation: bool, force_resp_serialize: bool
    ) -> tuple[Response, Exception | None]:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response = resp if isinstance(resp, Response) else app.make_response(resp)
        if skip_validation or resp_model is None or not app.config.get("API_VALIDATE_RESPONSES"):
            return response, None
        model = resp_model.find_model(response.status_code)
        if model is None or not response.is_json:
            return response, None
        try:
            self.model_adapter.validate_json(model, response.get_data())
        except ValidationError as exc:
            return response, exc
        return response, None


    def get_func_operation_id(self, func: Callable[..., Any], path: str, method: str) -> str:
        # the view's name: unique, stable, and readable in generated clients
        return str(func.__name__)


class _OpenAPI30(GenerateJsonSchema):
    """JSON Schema as OpenAPI 3.0 wants it: ``nullable: true``, no ``const``, no per-field titles."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if "$ref" in inner:
            return {"allOf": [inner], "nullable": True}
        return {**inner, "nullable": True}

    def literal_schema(self, schema: core_schema.LiteralSchema) -> JsonSchemaValue:
        result = super().literal_schema(schema)
        if "const" in result:
            result["enum"] = [result.pop("const")]
        return result

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


class _Adapter(PydanticModelAdapter):
    def json_schema(self, model: type[Any], *, ref_template: str, mode: Any = "validation") -> dict[str, Any]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_json_schema(ref_template=ref_template, mode=mode, schema_generator=_OpenAPI30)
        return super().json_schema(model, ref_template=ref_template, mode=mode)


spec = SpecTree(
    "flask",
    backend=_Plugin,
    model_adapter=_Adapter(),
    after=_after,
    validation_error_model=Error,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    mode="strict",
    openapi_version="3.0.3",
    title="Fallwerk API",
    version="1",
    description=DESCRIPTION,
)


def endpoint(
    tag: str,
    status: int,
    answer: type[BaseModel] | None,
    description: str,
    *errors: int,
    public: bool = False,
    extra: dict[int, tuple[type[BaseModel] | None, str]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a view: its tag, its success status with answer model, and the error statuses it may
    answer (each with the :class:`~webapp.api.schemas.Error` body; 401 is added unless ``public``).

    The request models come from the view's signature: ``json: SomeBody``, ``query: SomeQuery``,
    ``form: SomeForm``. The first line of the docstring is the summary, the rest the description.
    """
    codes: dict[str, Any] = {f"HTTP_{status}": (answer, description)}
    for code, (model, text) in (extra or {}).items():
        codes[f"HTTP_{code}"] = (model, text)
    for code in sorted(set(errors) | (set() if public else {401})):
        codes[f"HTTP_{code}"] = (Error, ERRORS[code])
    return spec.validate(
        resp=Responses(**codes),
        tags=(tag,),
        security={} if public else None,
        path_parameter_descriptions=PATH_DESCRIPTIONS,
    )


# --- the document -------------------------------------------------------------------------------


def _rename(path: str, operations: dict[str, Any]) -> str:
    for flask_name, api_name in PATH_NAMES.items():
        path = path.replace("{" + flask_name + "}", "{" + api_name + "}")
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                parameter["name"] = PATH_NAMES.get(parameter["name"], parameter["name"])
    return path


def _drop_impossible_422(operations: dict[str, Any]) -> None:
    # spectree documents its validation status on every operation; without a body or a query
    # parameter there is nothing to be invalid
    for operation in operations.values():
        has_input = "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", []))
        if not has_input:
            operation["responses"].pop("422", None)


def _finish(generated: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(generated)
    for operations in document["paths"].values():
        _drop_impossible_422(operations)
    document["paths"] = {_rename(p, ops): ops for p, ops in sorted(document["paths"].items())}
    document["servers"] = [{"url": "/"}]
    document["security"] = [{name: []} for name in SECURITY_SCHEMES]
    document["tags"] = [{"name": name} for name in TAGS]
    document["components"]["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    return document


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document of every declared endpoint, built once per app from the models."""
    built = current_app.extensions.get("fallwerk_openapi")
    if built is None:
        built = current_app.extensions["fallwerk_openapi"] = _finish(spec.spec)
    return built
