"""A real SMTP server for the outbound tests (aiosmtpd on a free port, in a thread of the
test process): it records every message it accepted, and can be told to answer some
recipients slowly, with an error, or by hanging up, so faults land where a test wants them."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port

HANG_UP = "hang up"


@dataclass
class Received:
    rcpt: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Sink:
    """`rcpt` and `data`: per address, answers to give before accepting (popped one by one:
    e.g. ["451 4.3.0 Try again later"], or HANG_UP to drop the connection). `slow`: per
    address, seconds to wait inside RCPT (every time), with `in_slow_rcpt` set meanwhile."""

    rcpt: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, list[str]] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused_data: list[Received] = field(default_factory=list)
    in_slow_rcpt: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def _answer(self, answers: dict[str, list[str]], address: str) -> str | None:
        queue = answers.get(address.lower())
        return queue.pop(0) if queue else None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        delay = self.slow.get(address.lower())
        if delay:
            self.in_slow_rcpt.set()
            await asyncio.sleep(delay)
        answer = self._answer(self.rcpt, address)
        if answer == HANG_UP:
            server.transport.close()
            return "421 4.3.0 Closing"
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        received = Received(rcpt=[a.lower() for a in envelope.rcpt_tos], raw=bytes(envelope.original_content))
        for address in envelope.rcpt_tos:
            answer = self._answer(self.data, address)
            if answer == HANG_UP:
                self.refused_data.append(received)
                server.transport.close()
                return "421 4.3.0 Closing"
            if answer:
                self.refused_data.append(received)
                return answer
        self.received.append(received)
        return "250 Message accepted"

    def counts(self) -> Counter[str]:
        return Counter(address for message in self.received for address in message.rcpt)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received if address.lower() in m.rcpt]


@contextmanager
def smtp_sink(**options: object) -> Iterator[Sink]:
    sink = Sink(**options)  # type: ignore[arg-type]
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def use_sink(settings, sink: Sink) -> None:  # type: ignore[no-untyped-def]
    """Django's SMTP backend pointed at the sink (pytest-django's `settings` fixture)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
