"""Real-browser fixtures: the session's test app served on loopback, driven by Debian's Chromium.

Playwright cannot download browsers on our machines, so it drives /usr/bin/chromium (the Makefile
installs the Debian package). Every request a page makes is recorded; a test fails when its pages
reached for anything but 127.0.0.1 (issue 5: "no request leaving loopback"), threw an uncaught
script error, missed a static file, or had something refused by the Content-Security-Policy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Response, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOOPBACK_HOSTS = {"127.0.0.1"}
# schemes that never touch the network
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything here ``browser``, so `-m "not browser"` runs the suite without Chromium."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[LiveServer]:
    # port 0: the kernel picks a free port, so parallel helpers' suites never collide
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", server=server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(`make test` installs it; by hand: apt-get install -y --no-install-recommends chromium)",
            pytrace=False,
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Traffic:
    """What the pages of one test asked for and which script errors they threw."""

    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_responses: list[tuple[int, str]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))

    def record(self, response: Response) -> None:
        if response.status >= 400:
            self.failed_responses.append((response.status, response.url))

    def missing_assets(self) -> list[tuple[int, str]]:
        """Static files (scripts, styles, fonts of the diagram bundles) the server could not deliver."""
        return [(status, url) for status, url in self.failed_responses if urlsplit(url).path.startswith("/static/")]

    def blocked_by_policy(self) -> list[str]:
        """Console errors of the Content-Security-Policy: something the page needs was refused."""
        return [text for text in self.console_errors if "Content Security Policy" in text]

    def outside_loopback(self) -> list[str]:
        outside = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if parts.hostname not in LOOPBACK_HOSTS:
                outside.append(url)
        return outside


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


def _open_context(chromium: Browser, live_server: LiveServer, traffic: Traffic) -> BrowserContext:
    # German is the default UI language; Chromium would otherwise announce en-US
    ctx = chromium.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin"
    )
    ctx.set_default_timeout(10_000)
    ctx.on("request", lambda request: traffic.requests.append(request.url))
    ctx.on("response", traffic.record)
    ctx.on("page", traffic.watch)
    return ctx


@pytest.fixture
def context(chromium: Browser, live_server: LiveServer, traffic: Traffic) -> Iterator[BrowserContext]:
    expect.set_options(timeout=10_000)
    ctx = _open_context(chromium, live_server, traffic)
    yield ctx
    ctx.close()
    outside = traffic.outside_loopback()
    assert not outside, f"requests left loopback: {outside}"
    assert not traffic.page_errors, f"uncaught script errors in the page: {traffic.page_errors}"
    assert not traffic.missing_assets(), f"static files missing: {traffic.missing_assets()}"
    assert not traffic.blocked_by_policy(), f"the security policy refused: {traffic.blocked_by_policy()}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def new_page(context: BrowserContext, chromium: Browser, live_server: LiveServer, traffic: Traffic) -> Iterator[Any]:
    """new_page() -> a page in a fresh context (its own cookies), for a second user in one test."""
    extra: list[BrowserContext] = []

    def make() -> Page:
        ctx = _open_context(chromium, live_server, traffic)
        extra.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in extra:
        ctx.close()
