"""A development SMTP sink on loopback (``aiosmtpd``): accepts every message and prints its subject and links.

``make run`` starts it beside the app and the worker, so a demo sends real e-mail over SMTP and the questionnaire link
appears in the terminal, with no mail server::

    python -m novamind_core.notifications.sink --port 8025

Nothing is delivered anywhere and nothing is stored on disk. Tests and the benchmark use :func:`start_sink` with a
:class:`SinkHandler` that keeps what it received (Message-IDs, to count duplicates).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import TextIO

LINK = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class ReceivedMail:
    """One message the sink accepted (``to`` and ``text`` stay out of ``repr``)."""

    message_id: str
    subject: str
    to: tuple[str, ...] = field(repr=False)
    text: str = field(repr=False)
    html: str = field(repr=False, default="")

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(LINK.findall(self.text)))


def parse_mail(content: bytes, recipients: tuple[str, ...]) -> ReceivedMail:
    parsed = message_from_bytes(content, policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return ReceivedMail(message_id=str(parsed.get("Message-ID", "")), subject=str(parsed.get("Subject", "")),
                        to=recipients, text=text_part.get_content() if text_part is not None else "",
                        html=html_part.get_content() if html_part is not None else "")


class SinkHandler:
    """aiosmtpd handler: parse each message, keep it (``keep``) and print a summary (``stream``)."""

    def __init__(self, *, stream: TextIO | None = None, keep: bool = True):
        self.stream = stream
        self.keep = keep
        self.received: list[ReceivedMail] = []
        self.ids: list[str] = []  # every Message-ID received, in order (duplicates kept: tests count them)
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd)
        mail = parse_mail(envelope.content, tuple(envelope.rcpt_tos))  # type: ignore[attr-defined]
        with self._lock:
            self.count += 1
            self.ids.append(mail.message_id)
            if self.keep:
                self.received.append(mail)
        if self.stream is not None:
            links = "\n".join(f"    {link}" for link in mail.links) or "    (no links)"
            print(f"[mail sink] {mail.subject}  {mail.message_id}\n{links}", file=self.stream, flush=True)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self._lock:
            return list(self.ids)

    def summary(self) -> str:
        ids = self.message_ids()
        return f"received {len(ids)} messages, {len(set(ids))} distinct Message-IDs"


def start_sink(handler: SinkHandler, host: str = "127.0.0.1", port: int = 8025) -> object:
    """Start an aiosmtpd server for ``handler`` on ``host:port`` in a background thread; returns the controller
    (call ``.stop()``)."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname=host, port=port, ready_timeout=10)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m novamind_core.notifications.sink",
                                     description="Development SMTP sink: prints each message's subject and links.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback by default)")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing per message; print the count of messages and Message-IDs on exit")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        handler = SinkHandler(stream=None if args.quiet else sys.stdout, keep=False)
        controller = start_sink(handler, args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror or exc})", file=sys.stderr)
        return 2
    print(f"[mail sink] listening on {args.host}:{args.port}; messages are printed here, never delivered",
          flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()  # type: ignore[attr-defined]
    print(f"[mail sink] {handler.summary()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
