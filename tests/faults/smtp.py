"""A real SMTP server (aiosmtpd, in this process) that can be told to fail.

`FlakyInbox.plan` is a list of replies for the next RCPT commands ("421 ...", "451 ..."),
used up one per command before it accepts again; `refuse` holds addresses answered 550 for
good; `delay` slows each accepted message so a test can stop a worker half-way. `hold_at`
("rcpt": before the recipient is accepted; "data": once the message has arrived, before the
server's 250) keeps the sender waiting there until `release` is set, so a test can kill it then;
`held` is set when a sender is waiting.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes, policy

from tests.mail.servers import free_port


class FlakyInbox:
    def __init__(self):
        self.plan: list[str] = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self.received: list = []  # parsed messages, in arrival order
        self.replies = Counter()  # reply code -> how many times it was given
        self._lock = threading.Lock()
        self.hold_at = ""
        self.held = threading.Event()
        self.release = threading.Event()

    async def _hold(self, point: str) -> None:
        if self.hold_at == point:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._hold("rcpt")
        with self._lock:
            reply = self.plan.pop(0) if self.plan else None
        if reply is None and address.lower() in self.refuse:
            reply = "550 5.1.1 Mailbox unavailable"
        if reply:
            self.replies[reply[:3]] += 1
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
            self.replies["250"] += 1
        await self._hold("data")
        return "250 Message accepted for delivery"

    def recipients(self) -> Counter:
        """Address -> how many messages it received."""
        with self._lock:
            return Counter(str(m["To"]).lower() for m in self.received)

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(str(m["Message-ID"]) for m in self.received)


@contextmanager
def flaky_smtp():
    from aiosmtpd.controller import Controller

    inbox = FlakyInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        inbox.release.set()
        controller.stop()
