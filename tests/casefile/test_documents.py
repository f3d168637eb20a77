"""Documents of a case (issue 14 §2): types by content, size limit, names, downloads, history, visibility."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from tests.casefile import files
from tests.casefile.test_visibility import TRAEGER_NOTICE, start

LIMIT = 20 * 1024 * 1024


def upload(client: Any, case_id: str, content: bytes, name: str, **form: str) -> Any:
    return client.client.post(
        f"/api/v1/process-instances/{case_id}/documents", headers=client.headers,
        data={"file": (io.BytesIO(content), name), **form}, content_type="multipart/form-data")


def test_a_pdf_by_hr_is_seen_by_the_gf_and_not_by_the_tv(api: Any, casework: Any) -> None:
    hr, gf, tv = api("personal.ba"), api("gf"), api("tv.ba1")
    case = start(hr, TRAEGER_NOTICE)
    added = upload(hr, case["id"], files.PDF, "Anhörung Personalrat.pdf", title="Anhörung")
    assert added.status_code == 201, added.json
    document = added.json
    assert (document["content_type"], document["size"], document["title"]) == (
        "application/pdf", len(files.PDF), "Anhörung")
    assert document["sha256"] == hashlib.sha256(files.PDF).hexdigest()
    assert document["filename"] == "Anhörung Personalrat.pdf" and document["uploaded_by"] == "personal.ba"
    listed = gf.get(f"/api/v1/process-instances/{case['id']}/documents").json["items"]
    assert [d["id"] for d in listed] == [document["id"]]
    download = gf.get(f"/api/v1/process-instances/{case['id']}/documents/{document['id']}")
    assert download.status_code == 200 and download.data == files.PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/documents", f"/documents/{document['id']}"):
        assert tv.get(f"/api/v1/process-instances/{case['id']}{path}").status_code == 404
    assert upload(tv, case["id"], files.PDF, "x.pdf").status_code == 404
    history = gf.get(f"/api/v1/process-instances/{case['id']}/history").json["items"]
    (event,) = [h for h in history if h["action"] == "document_added"]
    assert event["actor"] == "personal.ba" and event["data"]["sha256"] == document["sha256"]
    assert casework.history.verify_chain(case["id"])


def test_types_are_found_by_content(api: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    refused = upload(hr, case["id"], files.EXE, "bescheid.pdf")
    assert refused.status_code == 415 and refused.json["error"] == "unsupported_media_type"
    assert upload(hr, case["id"], files.plain_zip(), "tabelle.xlsx").status_code == 415
    assert upload(hr, case["id"], b"\x00\x01binary", "notiz.txt").status_code == 415
    kinds = {
        "scan.png": (files.png(), "image/png"),
        "brief.docx": (files.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "vermerk.txt": (files.TXT, "text/plain"),
    }
    for name, (content, mime) in kinds.items():
        answer = upload(hr, case["id"], content, name)
        assert answer.status_code == 201 and answer.json["content_type"] == mime, (name, answer.json)
    # a name without (or with a wrong) extension gets the type's own
    assert upload(hr, case["id"], files.PDF, "bescheid").json["filename"] == "bescheid.pdf"
    listed = hr.get(f"/api/v1/process-instances/{case['id']}/documents").json["items"]
    assert len(listed) == 4


def test_names_are_sanitised(api: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    answer = upload(hr, case["id"], files.PDF, "../../etc/pass<wd>;rm -rf *.pdf")
    assert answer.status_code == 201
    name = answer.json["filename"]
    assert "/" not in name and "<" not in name and ";" not in name and "*" not in name
    assert name.endswith(".pdf") and name.startswith("pass")
    from casework.casefile.documents import sanitise_filename

    assert sanitise_filename("C:\\Akten\\Brief\r\n\x00.pdf") == "Brief_.pdf"
    assert sanitise_filename("...") == "dokument" and sanitise_filename(None) == "dokument"
    assert sanitise_filename("Bescheid für Müller (2).pdf") == "Bescheid für Müller (2).pdf"


def test_bad_uploads(api: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    url = f"/api/v1/process-instances/{case['id']}/documents"
    assert hr.client.post(url, headers=hr.headers, data={}, content_type="multipart/form-data").status_code == 422
    assert upload(hr, case["id"], b"", "leer.pdf").status_code == 422
    assert hr.get(f"{url}/unknown").status_code == 404


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how much of it the server reads."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        # the test client measures and rewinds its input before the request; the server never seeks
        self.position = offset if whence == 0 else self.size + offset if whence == 2 else self.position + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.position)
        buffer[:n] = b"\x00" * n
        self.position += n
        self.read_bytes += n
        return n


def test_25_mb_refused_by_content_length_without_reading_the_body(api: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    body = CountingStream(25 * 1024 * 1024)
    answer = hr.client.post(
        f"/api/v1/process-instances/{case['id']}/documents", headers=hr.headers, input_stream=body,
        content_length=body.size, content_type="multipart/form-data; boundary=x")
    assert answer.status_code == 413 and answer.json["error"] == "payload_too_large"
    assert body.read_bytes == 0


def test_a_chunked_upload_is_cut_off_at_the_limit(api: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    body = CountingStream(25 * 1024 * 1024)
    answer = hr.client.post(
        f"/api/v1/process-instances/{case['id']}/documents", headers=hr.headers, input_stream=body,
        content_type="multipart/form-data; boundary=x", environ_overrides={"wsgi.input_terminated": True})
    assert answer.status_code == 413
    assert body.read_bytes <= LIMIT + 128 * 1024


def test_the_service_stops_counting_at_the_limit(api: Any, casework: Any, actor: Any) -> None:
    hr = api("personal.ba")
    case = start(hr, TRAEGER_NOTICE)
    from casework.errors import TooLarge

    service = casework.documents
    old = service.max_bytes
    service.max_bytes = 1000
    try:
        try:
            service.add(case["id"], actor=actor("personal.ba"), source=io.BytesIO(b"x" * 1001), filename="a.txt")
        except TooLarge:
            pass
        else:
            raise AssertionError("not refused")
    finally:
        service.max_bytes = old


def test_upload_and_download_on_the_case_page(api: Any, browser: Any) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    page = browser("personal.ba")
    url = f"/cases/{case['id']}"
    token_page = page.get(url).text
    from tests.conftest import csrf_token

    answer = page.client.post(f"{url}/documents", data={
        "csrf_token": csrf_token(token_page), "title": "Anhörung",
        "file": (io.BytesIO(files.PDF), "anhoerung.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert answer.status_code == 200 and "Das Dokument „anhoerung.pdf“ wurde hinzugefügt." in answer.text
    assert "Anhörung" in answer.text and "application/pdf" in answer.text
    refused = page.client.post(f"{url}/documents", data={
        "csrf_token": csrf_token(token_page), "file": (io.BytesIO(files.EXE), "programm.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Das Dokument wurde nicht gespeichert: Dieser Dateityp wird nicht angenommen" in refused.text
    (document,) = api("gf").get(f"/api/v1/process-instances/{case['id']}/documents").json["items"]
    gf = browser("gf")
    download = gf.get(f"{url}/documents/{document['id']}")
    assert download.status_code == 200 and download.data == files.PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=\"anhoerung.pdf\"; filename*=UTF-8''anhoerung.pdf"
    assert browser("tv.ba1").get(f"{url}/documents/{document['id']}").status_code == 404


def test_a_too_large_upload_on_the_page_gets_a_german_413_page(api: Any, browser: Any) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    page = browser("personal.ba")
    body = CountingStream(25 * 1024 * 1024)
    answer = page.client.post(f"/cases/{case['id']}/documents", input_stream=body, content_length=body.size,
                              content_type="multipart/form-data; boundary=x")
    assert answer.status_code == 413 and "Die Datei ist zu groß (höchstens 20 MB)." in answer.text
    assert body.read_bytes == 0
