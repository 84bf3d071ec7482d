"""A transport that prints each message to the terminal instead of sending it (demos without a mail server, cron
dry runs). The address is masked; the subject and the text (with its links) are printed."""

from __future__ import annotations

import sys
from typing import TextIO

from novamind_core.domain.reporting import Channel, OutgoingMessage


def mask_address(address: str) -> str:
    """``j***@example.org`` / ``+44*******89``: enough to tell messages apart, not enough to contact anyone."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = address.strip()
    return f"{digits[:3]}{'*' * max(0, len(digits) - 5)}{digits[-2:]}" if len(digits) > 5 else "***"


class ConsoleTransport:
    """Prints every message (never fails)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.sent = 0

    def close(self) -> None:
        """Nothing to close."""

    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None:
        out = self.stream or sys.stdout
        rule = "-" * 72
        print(f"{rule}\n{channel.value} to {mask_address(message.to)}  [{idempotency_key}]\n"
              f"Subject: {message.subject}\n\n{message.text.rstrip()}\n{rule}", file=out, flush=True)
        self.sent += 1
