"""The readable API reference at /api/docs: the OpenAPI document as plain HTML, no scripts or CDN."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template

from webapp.api.spec import document as openapi_document

docs_bp = Blueprint("api_docs", __name__)


def schema_label(schema: dict[str, Any] | None) -> str:
    """A short human description of a schema: 'Task', 'array of Task', 'string (date-time)'."""
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "allOf" in schema:
        label = " + ".join(schema_label(s) for s in schema["allOf"])
        return f"{label} or null" if schema.get("nullable") else label
    if "anyOf" in schema:
        return " | ".join(schema_label(s) for s in schema["anyOf"])
    kind = str(schema.get("type", "any"))
    if kind == "array":
        return f"array of {schema_label(schema.get('items'))}"
    extras = [str(schema["format"])] if "format" in schema else []
    if "enum" in schema:
        extras.append(" | ".join(str(v) for v in schema["enum"]))
    if schema.get("nullable"):
        extras.append("or null")
    return f"{kind} ({', '.join(extras)})" if extras else kind


def _content_label(content: dict[str, Any] | None) -> str:
    if not content:
        return ""
    media, entry = next(iter(content.items()))
    return f"{media}: {schema_label(entry.get('schema'))}"


def _operation(path: str, method: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One operation as the template lists it."""
    return {
        "method": method.upper(),
        "path": path,
        "summary": spec["summary"],
        "description": spec.get("description"),
        "public": spec.get("security") == [],
        "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "parameters": [{**p, "label": schema_label(p["schema"])} for p in spec.get("parameters", [])],
        "body": _content_label(spec.get("requestBody", {}).get("content")),
        "responses": [
            {"status": s, "description": r["description"], "label": _content_label(r.get("content"))}
            for s, r in sorted(spec["responses"].items())
        ],
    }


def _schema(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """One component schema with its properties (those of its allOf parts merged)."""
    parts = schema.get("allOf", [schema])
    properties, required = {}, set()
    for part in parts:
        properties.update(part.get("properties", {}))
        required.update(part.get("required", []))
    return {
        "name": name,
        "description": schema.get("description"),
        "bases": [schema_label(p) for p in parts if "$ref" in p],
        "properties": [
            {"name": k, "label": schema_label(v), "required": k in required, "description": v.get("description")}
            for k, v in properties.items()
        ],
    }


def page_model(document: dict[str, Any]) -> dict[str, Any]:
    """Operations and schemas flattened for the template."""
    operations = [
        _operation(path, method, spec)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]
    schemas = [_schema(name, schema) for name, schema in document["components"]["schemas"].items()]
    return {"info": document["info"], "operations": operations, "schemas": schemas}


@docs_bp.get("/api/docs")
def docs() -> str:
    document = openapi_document()
    return render_template(
        "api/docs.html", page=page_model(document), raw=json.dumps(document, ensure_ascii=False, indent=2)
    )
