"""The transport contract and the router the worker sends through (e-mail by SMTP, SMS by the HTTP gateway).

A transport's ``send(message, channel, idempotency_key)`` returns when the message was handed over and raises
:class:`~novamind_core.domain.outbox.DeliveryError` (``permanent`` or not) when it was not; ``close()`` ends any
connection it keeps between messages.
"""

from __future__ import annotations

from typing import Literal, Protocol

from novamind_core.domain.outbox import DeliveryError
from novamind_core.domain.reporting import Channel, OutgoingMessage


class Transport(Protocol):
    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None: ...

    def close(self) -> None: ...


class ChannelRouter:
    """Sends each message through the transport of its channel."""

    def __init__(self, routes: dict[Channel, Transport]):
        self.routes = dict(routes)

    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None:
        transport = self.routes.get(channel)
        if transport is None:
            raise DeliveryError(f"no transport sends {channel.value} messages", permanent=True)
        transport.send(message, channel, idempotency_key)

    def close(self) -> None:
        for transport in self.routes.values():
            transport.close()


TransportKind = Literal["smtp", "console"]


def transport_from_settings(settings: object, kind: TransportKind = "smtp") -> ChannelRouter:
    """E-mail by SMTP (``smtp_*`` settings; the development sink by default) and SMS by the HTTP gateway
    (``sms_*``); ``kind="console"`` prints both instead of sending."""
    if kind == "console":
        from novamind_core.notifications.console import ConsoleTransport

        console = ConsoleTransport()
        return ChannelRouter({Channel.EMAIL: console, Channel.SMS: console})
    from novamind_core.notifications.sms import HttpSmsTransport
    from novamind_core.notifications.smtp import SmtpTransport

    return ChannelRouter({Channel.EMAIL: SmtpTransport.from_settings(settings),
                          Channel.SMS: HttpSmsTransport.from_settings(settings)})
