"""The case file in a real browser (issue 14): notes and documents, need-to-know, Vertretung and
withdrawal; and the size limit against the live HTTP server."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.support import assert_accessible, login, screenshot, start_assignment_termination
from tests.casefile import files
from tests.casefile.test_visibility import TRAEGER_NOTICE, start


def test_note_and_pdf_by_hr_seen_by_the_gf_not_by_the_tv(page: Page, new_page: Any, api: Any,
                                                         tmp_path: Path) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    login(page, "personal.ba")
    page.goto(f"/cases/{case['id']}")
    notes = page.get_by_role("region", name="Notizen")
    notes.get_by_label("Neue Notiz").fill("Personalrat ist informiert.\nAnhörung am 02.12.2026.")
    notes.get_by_role("button", name="Notiz hinzufügen").click()
    expect(page.locator(".flash-region")).to_contain_text("Die Notiz wurde gespeichert.")
    pdf = tmp_path / "Anhörung.pdf"
    pdf.write_bytes(files.PDF)
    documents = page.get_by_role("region", name="Dokumente")
    documents.get_by_label("Datei").set_input_files(str(pdf))
    documents.get_by_label("Titel (optional)").fill("Anhörung Personalrat")
    documents.get_by_role("button", name="Dokument hinzufügen").click()
    expect(page.locator(".flash-region")).to_contain_text("wurde hinzugefügt")
    # an EXE named .pdf is refused by its content
    exe = tmp_path / "bescheid.pdf"
    exe.write_bytes(files.EXE)
    page.get_by_role("region", name="Dokumente").get_by_label("Datei").set_input_files(str(exe))
    page.get_by_role("region", name="Dokumente").get_by_role("button", name="Dokument hinzufügen").click()
    expect(page.locator(".flash-region")).to_contain_text("Dieser Dateityp wird nicht angenommen")
    assert_accessible(page)

    gf = new_page()
    login(gf, "gf")
    gf.goto(f"/cases/{case['id']}")
    note = gf.get_by_role("region", name="Notizen").locator(".note__text").first
    expect(note).to_have_text("Personalrat ist informiert.\nAnhörung am 02.12.2026.")
    link = gf.get_by_role("region", name="Dokumente").get_by_role("link", name="Anhörung Personalrat")
    with gf.expect_download() as download_info:
        link.click()
    saved = tmp_path / "download.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == files.PDF and download_info.value.suggested_filename == "Anhörung.pdf"
    screenshot(gf, "case-notes-documents", target=gf.get_by_role("region", name="Notizen"))

    tv = new_page()
    login(tv, "tv.ba1")
    response = tv.goto(f"/cases/{case['id']}")
    assert response is not None and response.status == 404


def test_25_mb_upload_refused_before_the_server_reads_it(live_server: Any, api: Any) -> None:
    """Over real HTTP: announce 25 MB, send 64 KB, and the answer is already there -- 413."""
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    token = api("personal.ba").headers["Authorization"]
    host = urlsplit(live_server.url)
    head = (f"POST /api/v1/process-instances/{case['id']}/documents HTTP/1.1\r\nHost: {host.netloc}\r\n"
            f"Authorization: {token}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {25 * 1024 * 1024}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((host.hostname, host.port), timeout=10) as conn:
        conn.sendall(head + b"\x00" * 65536)
        received = b""
        while not _complete(received):  # the answer comes while 25 MB - 64 KB are still unsent
            received += conn.recv(65536)
        answer = received.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"error": "payload_too_large"' in answer or '"error":"payload_too_large"' in answer


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    match = re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE)
    return bool(_) and match is not None and len(body) >= int(match.group(1))


def test_the_deputy_gf_does_the_review_while_the_gf_is_away(page: Page, new_page: Any) -> None:
    login(page, "gf")
    page.goto("/account")
    absence = page.get_by_role("region", name="Abwesenheit und Vertretung")
    absence.get_by_label("Von").fill("23.11.2026")
    absence.get_by_label("Bis").fill("11.12.2026")
    absence.get_by_label(re.compile("Vertretung \\(Benutzername")).fill("gf.vertretung")
    absence.get_by_role("button", name="Abwesenheit speichern").click()
    expect(page.locator(".flash-region")).to_contain_text("Ihre Abwesenheit wurde gespeichert.")
    assert_accessible(page)

    employee = new_page()
    login(employee, "mitarbeiterin")
    case_id = start_assignment_termination(employee, "ZW-2026-201")

    deputy = new_page()
    login(deputy, "gf.vertretung")
    deputy.get_by_role("link", name=re.compile("Gruppenaufgaben")).click()
    row = deputy.get_by_role("row").filter(has_text="ZW-2026-201")
    expect(row).to_contain_text("in Vertretung für Georg Geschäftsführer")
    assert_accessible(deputy)
    screenshot(deputy, "inbox-vertretung")
    row.get_by_role("link", name=re.compile("Antrag prüfen")).click()
    deputy.get_by_role("group", name=re.compile("Entscheidung")).get_by_label("Kein Widerspruch").check()
    deputy.get_by_role("button", name="Aufgabe erledigen").click()
    expect(deputy.locator(".flash-region")).to_contain_text("Aufgabe erledigt")

    page.goto(f"/cases/{case_id}")
    done = page.get_by_role("region", name="Verlauf").get_by_role("row").filter(has_text="Aufgabe erledigt")
    expect(done).to_contain_text("Gabriele Stellvertreterin")
    page.goto("/account")
    page.get_by_role("button", name="Abwesenheit jetzt beenden").click()
    expect(page.locator(".flash-region")).to_contain_text("Ihre Abwesenheit ist beendet.")

    start_assignment_termination(employee, "ZW-2026-202")
    deputy.goto("/?scope=all")
    expect(deputy.get_by_role("row").filter(has_text="ZW-2026-20")).to_have_count(0)


def test_the_employee_withdraws_her_request(page: Page, new_page: Any) -> None:
    login(page, "mitarbeiterin")
    case_id = start_assignment_termination(page, "ZW-2026-301")
    withdraw = page.get_by_role("region", name="Fall zurückziehen")
    withdraw.get_by_label(re.compile("Warum ziehen Sie")).fill("Die Pflege ist anders geregelt.")
    assert_accessible(page)
    withdraw.get_by_role("button", name="Fall zurückziehen").click()
    expect(page.locator(".flash-region")).to_contain_text("Sie haben den Fall zurückgezogen.")
    record = page.get_by_role("region", name="Entscheidung")
    expect(record).to_contain_text("Der Fall wurde ohne Entscheidung zurückgezogen.")
    expect(record).to_contain_text("Zurückgezogen von")
    expect(record).to_contain_text("Maria Mitarbeiterin")
    expect(record).to_contain_text("Die Pflege ist anders geregelt.")
    expect(page.get_by_role("region", name="Fall zurückziehen")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "case-withdrawn", full_page=False)
    assert case_id


def test_the_gf_reassigns_a_hr_task_to_a_candidate(page: Page, api: Any) -> None:
    case = start(api("personal.ba"), TRAEGER_NOTICE)
    login(page, "gf")
    page.goto(f"/cases/{case['id']}")
    page.get_by_role("link", name=re.compile("Neu zuweisen")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Neu zuweisen")
    choice = page.get_by_label(re.compile("Neue Bearbeitung"))
    expect(choice.locator("option")).to_have_count(1)  # only the task's candidates: HR of the Agentur
    assert_accessible(page)
    choice.select_option("personal.ba")
    page.get_by_role("button", name="Zuweisen").click()
    expect(page.locator(".flash-region")).to_contain_text("wurde Petra Personal (BA) zugewiesen")
    expect(page.get_by_role("region", name="Offene Aufgaben")).to_contain_text("Petra Personal (BA)")
