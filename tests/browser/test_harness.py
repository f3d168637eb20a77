"""The browser harness's own guards must catch what they are there for, or every green run lies."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, Traffic
from tests.browser.support import assert_accessible


def test_requests_off_loopback_are_caught() -> None:
    traffic = Traffic(
        requests=[
            "http://127.0.0.1:5000/static/fallwerk.css",
            "data:image/svg+xml;base64,PHN2Zy8+",
            "blob:http://127.0.0.1:5000/2f1c",
            "https://unpkg.com/bpmn-js/dist/bpmn-modeler.js",
            "http://localhost:5000/",
            "http://10.0.0.1/",
        ]
    )
    assert traffic.outside_loopback() == [
        "https://unpkg.com/bpmn-js/dist/bpmn-modeler.js",
        "http://localhost:5000/",
        "http://10.0.0.1/",
    ]


def test_axe_reports_serious_violations(page: Page) -> None:
    page.set_content(
        '<html lang="de"><head><title>t</title></head><body><main><h1>t</h1>'
        '<input type="text"><p style="color:#bbb;background:#fff">kaum lesbar</p></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "label (critical)" in str(failure.value)
    assert "color-contrast (serious)" in str(failure.value)


def test_english_ui_follows_the_browser_language(chromium: Browser, live_server: LiveServer) -> None:
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/login")
        expect(page.locator("html")).to_have_attribute("lang", re.compile("^en"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Fallwerk")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
        assert_accessible(page)
    finally:
        context.close()
