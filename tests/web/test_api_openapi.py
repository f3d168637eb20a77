"""The OpenAPI document describes every API route, and /api/docs shows it without external assets."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask

PLACEHOLDER = re.compile(r"<[^>]+>|\{[^}]+\}")


def normalise(path: str) -> str:
    return PLACEHOLDER.sub("{}", path)


def api_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (normalise(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_document_is_json_and_covers_every_route(app: Flask, client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.data)
    assert document["openapi"].startswith("3.0")
    documented = {(normalise(path), method) for path, ops in document["paths"].items() for method in ops}
    missing = api_routes(app) - documented
    assert not missing, missing
    assert "/api/v1/tasks/{id}/complete" in document["paths"]
    assert "/api/v1/process-definitions/{key}" in document["paths"]


def test_every_reference_resolves_and_every_operation_answers(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    text = json.dumps(document)
    for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)):
        assert name in document["components"]["schemas"], name
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (method, path)
            if path.startswith("/api/v1/") and operation.get("security") != []:
                assert "401" in operation["responses"], (method, path)
            assert all(
                p["in"] != "path" or "{" + p["name"] + "}" in path for p in operation.get("parameters", [])
            )


def test_docs_page_lists_every_path_without_external_assets(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    for path in document["paths"]:
        assert path in html, path
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
