"""A real SMTP server on loopback (aiosmtpd) and the outbox pointed at it for one test."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from casework import Casework
from models import db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Collector:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    refused: frozenset[str] = frozenset({"niemand@example.test"})

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """A loopback SMTP server that can be stopped ("the server is down") and started again."""

    def __init__(self, **smtp_options: Any) -> None:
        self.port = free_port()
        self.collector = Collector()
        self.smtp_options = smtp_options
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.collector.lock:
            return list(self.collector.messages)

    def start(self) -> None:
        self._controller = Controller(self.collector, hostname="127.0.0.1", port=self.port, **self.smtp_options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A running SMTP server; the app's outbox sends to it during the test."""
    casework: Casework = app.extensions["casework"]
    server = SmtpServer()
    server.start()
    old = casework.outbox.configure(host="127.0.0.1", port=server.port, tls="none", username="", timeout=5.0,
                                    sender="fallwerk@jobcenter-musterkreis.example",
                                    base_url="https://fallwerk.example")
    try:
        yield server
    finally:
        casework.outbox.settings = old
        server.stop()


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())  # type: ignore[attr-defined]


@pytest.fixture
def no_new_task_mails(app: Flask) -> None:
    """Tests that count every mail of a scenario: nobody chose mails for new tasks (reset after each test)."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET new_task_mail = 'off'"))
        db.session.commit()
        db.session.remove()
