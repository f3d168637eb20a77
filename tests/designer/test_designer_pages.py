"""The designer's pages and JSON endpoints through the Flask test client (CSRF on)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT, csrf_token
from tests.designer.conftest import FILE, KEY

DIST = PROJECT_ROOT / "webapp" / "static" / "dist"


def _config(html: str, element_id: str) -> dict[str, Any]:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def _post_json(browser: Any, url: str, payload: dict[str, Any], token: str | None) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return browser.client.post(url, json=payload, headers=headers)


@pytest.fixture
def designer(browser: Any) -> Any:
    return browser("designer")


@pytest.fixture
def token(designer: Any, v1: str, casework: Any, actor: Any) -> str:
    """The CSRF token of the modeler page of a draft of the review process."""
    casework.designer.save_draft(KEY, FILE, v1, actor=actor("designer"))
    return str(_config(designer.get(f"/designer/{KEY}").text, "designer-config")["csrf_token"])


@pytest.mark.parametrize("url", ["/designer/", f"/designer/{KEY}", "/designer/assignment_termination/versions"])
@pytest.mark.parametrize("username", ["mitarbeiterin", "gf"])
def test_the_designer_is_only_for_designers_and_admins(browser: Any, url: str, username: str) -> None:
    assert browser(username).get(url).status_code == 403


def test_the_designer_needs_a_login(client: Any) -> None:
    response = client.get("/designer/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["designer", "admin"])
def test_the_list_shows_processes_and_the_nav_links_it(browser: Any, username: str) -> None:
    page = browser(username).get("/designer/")
    assert page.status_code == 200
    assert 'data-process-key="assignment_termination"' in page.text
    assert "Neuer Prozess aus Vorlage" in page.text and "Prozesse gestalten" in page.text


def test_the_nav_link_is_not_shown_to_case_workers(browser: Any) -> None:
    assert "Prozesse gestalten" not in browser("mitarbeiterin").get("/").text


def test_a_new_process_from_the_template_opens_in_the_modeler(designer: Any) -> None:
    response = designer.submit("/designer/", {"key": "brand_new", "name": "Ganz neu"}, follow_redirects=True)
    assert response.status_code == 200
    config = _config(response.text, "designer-config")
    assert (config["key"], config["file_name"], config["kind"]) == ("brand_new", "brand_new.bpmn", "bpmn")
    assert 'id="brand_new"' in config["xml"]
    assert config["properties_labels"]["reminders_label"] == "Erinnerungen und Eskalation"
    for label in ("Entwurf speichern", "Prüfen", "Bereitstellen", "Herunterladen"):
        assert f">{label}</button>" in response.text


def test_a_bad_new_process_is_refused_with_field_errors(designer: Any) -> None:
    response = designer.submit("/designer/", {"key": "Bad Key!", "name": ""})
    assert response.status_code == 422
    assert 'href="#field-key"' in response.text and 'href="#field-name"' in response.text
    taken = designer.submit("/designer/", {"key": "assignment_termination", "name": "x"})
    assert taken.status_code == 422 and "gibt es schon" in taken.text


def test_upload_of_a_bpmn_file_becomes_a_draft(designer: Any, v1: str) -> None:
    page = designer.get("/designer/")
    response = designer.client.post(
        "/designer/upload",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(v1.encode()), "upload.bpmn")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert _config(response.text, "designer-config")["file_name"] == "upload.bpmn"
    broken = designer.client.post(
        "/designer/upload",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(b"<nope"), "broken.bpmn")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 422 and 'href="#field-file"' in broken.text and "well-formed" in broken.text


def test_the_modeler_page_opens_a_deployed_version(designer: Any) -> None:
    page = designer.get("/designer/assignment_termination?version=1")
    assert page.status_code == 200
    config = _config(page.text, "designer-config")
    assert config["based_on_version"] == 1 and config["xml"].lstrip().startswith("<?xml")
    assert designer.get("/designer/assignment_termination?version=99").status_code == 404
    assert designer.get("/designer/assignment_termination?version=x").status_code == 404
    assert designer.get("/designer/no_such_process").status_code == 404


def test_json_posts_need_the_csrf_token(designer: Any, token: str, v1: str) -> None:
    payload = {"file_name": FILE, "xml": v1}
    for endpoint in ("draft", "validate", "deploy"):
        refused = _post_json(designer, f"/designer/{KEY}/{endpoint}", payload, None)
        assert refused.status_code == 400 and refused.json["error"] == "csrf_failed"
    assert designer.get(f"/designer/{KEY}/versions").status_code == 404  # nothing was deployed


def test_save_check_and_deploy_through_json(designer: Any, token: str, v1: str, casework: Any) -> None:
    saved = _post_json(designer, f"/designer/{KEY}/draft", {"file_name": FILE, "xml": v1}, token)
    assert saved.status_code == 200 and saved.json["updated_by"] == "designer"
    broken = v1.replace(' camunda:candidateGroups="employee">', ' camunda:candidateGroups="employee" camunda:priority="hoch">', 1)
    checked = _post_json(designer, f"/designer/{KEY}/validate", {"file_name": FILE, "xml": broken}, token)
    assert checked.status_code == 200 and checked.json["ok"] is False
    assert [p["element_id"] for p in checked.json["problems"] if p["severity"] == "error"] == ["handle_case"]
    refused = _post_json(designer, f"/designer/{KEY}/deploy", {"file_name": FILE, "xml": broken}, token)
    assert refused.status_code == 422 and refused.json["errors"][0]["element_id"] == "handle_case"
    deployed = _post_json(designer, f"/designer/{KEY}/deploy", {"file_name": FILE, "xml": v1}, token)
    assert deployed.status_code == 201
    assert deployed.json["deployed"] == [{"key": KEY, "version": 1, "created": True}]
    assert casework.repository.get_definition(KEY).deployed_by == "designer"


def test_json_endpoints_refuse_bad_input(designer: Any, token: str) -> None:
    bad_name = _post_json(designer, f"/designer/{KEY}/draft", {"file_name": "x.exe", "xml": "<a/>"}, token)
    assert bad_name.status_code == 422 and "file_name" in bad_name.json["fields"]
    not_json = designer.client.post(f"/designer/{KEY}/validate", data="x", headers={"X-CSRFToken": token})
    assert not_json.status_code == 400


def test_json_endpoints_are_forbidden_to_case_workers(browser: Any, v1: str) -> None:
    worker = browser("mitarbeiterin")
    token = csrf_token(worker.get("/").text)
    response = _post_json(worker, f"/designer/{KEY}/validate", {"file_name": FILE, "xml": v1}, token)
    assert response.status_code == 403


def test_versions_page_lists_versions_and_the_diff(designer: Any, casework: Any, actor: Any, v1: str, v2: str) -> None:
    casework.designer.deploy(KEY, FILE, v1, actor=actor("designer"))
    casework.runtime.start(KEY, actor=actor("mitarbeiterin"), variables={})
    casework.designer.deploy(KEY, FILE, v2, actor=actor("admin"))
    page = designer.get(f"/designer/{KEY}/versions")
    assert page.status_code == 200
    assert 'data-version="2"' in page.text and 'data-version="1"' in page.text
    config = _config(page.text, "diff-config")
    assert {e["id"] for e in config["removed"]} == {"end", "flow_to_end"}
    assert re.search(r'id="diff-changed".*data-element-id="handle_case"', page.text, re.S)
    as_json = designer.get(f"/designer/{KEY}/diff.json?from=1&to=2").json
    assert [e["id"] for e in as_json["changed"]] == ["handle_case"]
    assert designer.get(f"/designer/{KEY}/diff.json?from=1").status_code == 422
    download = designer.get(f"/designer/{KEY}/versions/1/download")
    assert download.status_code == 200 and download.text == v1
    assert download.headers["Content-Disposition"] == f'attachment; filename="{FILE}"'


def test_the_build_output_exists() -> None:
    for name in ("designer.js", "dmn-editor.js", "case-diagram.js", "designer-styles.css", "viewer-styles.css"):
        assert (DIST / name).stat().st_size > 1000, name
    fonts = list((DIST / "assets").glob("bpmn-*.woff2"))
    assert fonts, "bpmn-js' font is bundled"


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)


@pytest.mark.parametrize("url", [f"/designer/{KEY}", f"/designer/{KEY}/versions"])
def test_pages_reference_only_local_assets_and_relax_only_styles(
    designer: Any, token: str, url: str, casework: Any, actor: Any, v1: str, v2: str
) -> None:
    casework.designer.deploy(KEY, FILE, v1, actor=actor("designer"))
    casework.designer.deploy(KEY, FILE, v2, actor=actor("designer"))
    page = designer.get(url)
    urls = _asset_urls(page.text)
    assert any("/static/dist/" in u for u in urls)
    for asset in urls:
        assert asset.startswith("/static/"), asset
        with designer.get(asset) as served:
            assert served.status_code == 200
        assert (PROJECT_ROOT / "webapp" / asset.lstrip("/")).is_file()
    csp = page.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp and "script-src" not in csp and "default-src 'self'" in csp
    assert "<script>" not in page.text  # no inline script: configuration travels as JSON data


def test_the_bundled_css_loads_nothing_from_elsewhere() -> None:
    for css in DIST.glob("*.css"):
        for url in re.findall(r"url\(([^)]*)\)", css.read_text(encoding="utf-8")):
            url = url.strip("'\"")
            assert url.startswith(("data:", "./assets/", "assets/", "#")), (css.name, url[:80])


def test_other_pages_keep_the_strict_policy(browser: Any) -> None:
    page = browser("mitarbeiterin").get("/cases")
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_the_dmn_editor_page_uses_dmn_js(designer: Any, casework: Any) -> None:
    from tests.factories import fixture_bytes

    casework.repository.deploy(
        {"decision_routing.bpmn": fixture_bytes("decision_routing.bpmn"), "routing.dmn": fixture_bytes("routing.dmn")},
        actor=None,
    )
    page = designer.get("/designer/decision_routing?file=routing.dmn")
    assert page.status_code == 200
    config = _config(page.text, "designer-config")
    assert (config["kind"], config["file_name"]) == ("dmn", "routing.dmn")
    assert "/static/dist/dmn-editor.js" in page.text and "/static/dist/designer.js" not in page.text
    bpmn = designer.get("/designer/decision_routing")
    assert 'href="/designer/decision_routing?file=routing.dmn"' in bpmn.text


def test_saving_over_a_newer_draft_answers_409(designer: Any, casework: Any, actor: Any, v1: str, v2: str, clock: Any) -> None:
    from datetime import timedelta

    page = designer.get("/designer/assignment_termination")
    config = _config(page.text, "designer-config")
    assert config["draft_saved_at"] == ""
    clock.set(clock.now() + timedelta(minutes=1))
    casework.designer.save_draft("assignment_termination", "assignment_termination.bpmn", v1, actor=actor("admin"))
    payload = {"file_name": "assignment_termination.bpmn", "xml": config["xml"], "draft_saved_at": ""}
    response = _post_json(designer, "/designer/assignment_termination/draft", payload, config["csrf_token"])
    assert response.status_code == 409 and "admin" in response.json["message"]
    reloaded = _config(designer.get("/designer/assignment_termination").text, "designer-config")
    assert reloaded["xml"] == v1 and reloaded["draft_saved_at"]
    payload["draft_saved_at"] = reloaded["draft_saved_at"]
    later = clock.now() + timedelta(minutes=1)
    clock.set(later)
    saved = _post_json(designer, "/designer/assignment_termination/draft", payload, config["csrf_token"])
    assert saved.status_code == 200 and saved.json["saved_at"] == later.isoformat()


def test_a_draft_is_listed_and_can_be_discarded(designer: Any, token: str) -> None:
    listed = designer.get("/designer/")
    assert f'data-process-key="{KEY}"' in listed.text and f"?file={FILE}" in listed.text
    page = designer.get(f"/designer/{KEY}")
    assert "Entwurf verwerfen" in page.text
    response = designer.client.post(
        f"/designer/{KEY}/draft/discard", data={"csrf_token": csrf_token(page.text), "file_name": FILE}
    )
    assert response.status_code == 302
    assert f'data-process-key="{KEY}"' not in designer.get("/designer/").text
    assert designer.get(f"/designer/{KEY}").status_code == 404  # never deployed, no draft left
    again = designer.client.post(
        f"/designer/{KEY}/draft/discard", data={"csrf_token": csrf_token(page.text), "file_name": FILE}
    )
    assert again.status_code == 404
