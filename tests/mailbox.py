"""A real SMTP server (aiosmtpd) for tests, and waiting for what it receives."""
from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port, wait_for


class Inbox:
    """What an SMTP server received, in order."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def wait_for(self, count: int) -> None:
        """Until `count` messages have arrived (mail is sent after the commit, on the server's own loop)."""
        wait_for(lambda: len(self.messages) >= count, f"{count} mail(s) to arrive", seconds=10)


def smtp_server(port: int | None = None) -> tuple[Controller, Inbox]:
    """(controller, inbox) of an SMTP server on `port` (default: a free one), not yet started."""
    inbox = Inbox()
    return Controller(inbox, hostname="127.0.0.1", port=port or free_port()), inbox


@pytest.fixture
def smtp():
    """(controller, inbox) of a running SMTP server on a free port."""
    controller, inbox = smtp_server()
    controller.start()
    yield controller, inbox
    controller.stop()
