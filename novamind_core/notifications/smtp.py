"""E-mail through an SMTP server (``smtplib``): host, port, STARTTLS and credentials from settings.

Every message is multipart (plain text + HTML) and its ``Message-ID`` is made from the outbox idempotency key, so if a
worker crashes after the server accepted a message but before the outbox recorded it, the copy sent on the retry
carries the same Message-ID and is recognisable (mail systems and the tests can drop the duplicate).

Errors are sorted into *transient* (the server is down, busy, or answered 4xx: retry with back-off) and *permanent*
(the recipient or the message was refused with 5xx: retrying cannot help). A refused login or sender is treated as
transient: it is the clinic's configuration, and messages should go out once it is fixed rather than die. No error
reason ever carries the recipient's address or the body.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from novamind_core.domain.outbox import DeliveryError
from novamind_core.domain.reporting import Channel, OutgoingMessage


def message_id(idempotency_key: str, domain: str) -> str:
    """``<invitation.42@clinic.example>`` from ``invitation:42``: characters RFC 5322 does not allow become dots."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
    local = "".join(c if c in allowed else "." for c in idempotency_key).strip(".") or "message"
    return f"<{local}@{domain}>"


def build_email(message: OutgoingMessage, idempotency_key: str, mail_from: str) -> EmailMessage:
    """The MIME message: text and (when present) HTML alternatives, Message-ID from the idempotency key."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "novamind.invalid"
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id(idempotency_key, domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a no-reply sender
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class SmtpTransport:
    """Hands e-mail to an SMTP server; keeps one connection open across a batch (``close()`` ends it).

    Parameters
    ----------
    host, port : the server (``make run`` starts a development sink on 127.0.0.1:8025).
    starttls : upgrade the connection with STARTTLS (verified against the system's CA store) before logging in.
    username, password : log in when a username is set.
    mail_from : the From header and envelope sender.
    timeout_s : socket timeout of every SMTP command.
    """

    def __init__(self, host: str, port: int, *, mail_from: str, starttls: bool = False, username: str | None = None,
                 password: str | None = None, timeout_s: float = 30.0):
        self.host, self.port, self.mail_from = host, int(port), mail_from
        self.starttls, self.username, self._password, self.timeout_s = starttls, username, password, timeout_s
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: object) -> SmtpTransport:
        return cls(settings.smtp_host, settings.smtp_port, mail_from=settings.mail_from,  # type: ignore[attr-defined]
                   starttls=settings.smtp_starttls, username=settings.smtp_username,  # type: ignore[attr-defined]
                   password=settings.smtp_password)  # type: ignore[attr-defined]

    def __repr__(self) -> str:  # credentials never reach a log
        return f"SmtpTransport({self.host}:{self.port}, starttls={self.starttls}, login={bool(self.username)})"

    # ------------------------------------------------------------------ connection
    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        try:
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if self.username:
                connection.login(self.username, self._password or "")
        except BaseException:
            _quietly_close(connection)
            raise
        self._connection = connection
        return connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(self._connection)
            self._connection = None

    # ------------------------------------------------------------------ sending
    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None:
        """Hand ``message`` to the server; raises :class:`DeliveryError` (``permanent`` or not) on failure."""
        if channel is not Channel.EMAIL:
            raise DeliveryError(f"the SMTP transport sends e-mail, not {channel.value}", permanent=True)
        email = build_email(message, idempotency_key, self.mail_from)
        for attempt in (1, 2):  # a connection the server closed while idle is re-opened once
            try:
                self._connect().send_message(email)
                return
            except smtplib.SMTPServerDisconnected:
                self._drop()
                if attempt == 2:
                    raise DeliveryError("the mail server closed the connection") from None
            except Exception as exc:
                self._drop()
                raise classify(exc) from None

    def _drop(self) -> None:
        if self._connection is not None:
            _quietly_close(self._connection)
            self._connection = None


def classify(exc: Exception) -> DeliveryError:
    """Sort an smtplib/socket error into a :class:`DeliveryError` (no address in the reason)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return DeliveryError(f"the mail server refused the recipient ({', '.join(map(str, codes))})",
                             permanent=all(code >= 500 for code in codes))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"the mail server refused the login ({exc.smtp_code}); check NOVAMIND_SMTP_USERNAME "
                             "and NOVAMIND_SMTP_PASSWORD")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return DeliveryError(f"the mail server refused the sender ({exc.smtp_code}); check NOVAMIND_MAIL_FROM")
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
        return DeliveryError(f"the mail server answered {exc.smtp_code}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError("the mail server does not support STARTTLS; check NOVAMIND_SMTP_STARTTLS")
    if isinstance(exc, ssl.SSLError):
        return DeliveryError(f"TLS with the mail server failed ({exc.reason or 'handshake'})")
    if isinstance(exc, TimeoutError):
        return DeliveryError("the mail server did not answer in time")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryError("the mail server refused the connection (is it running?)")
    if isinstance(exc, OSError | smtplib.SMTPException):
        return DeliveryError(f"cannot reach the mail server ({type(exc).__name__})")
    if isinstance(exc, UnicodeError | ValueError):
        return DeliveryError(f"the message cannot be encoded for SMTP ({type(exc).__name__})", permanent=True)
    return DeliveryError(f"unexpected error while sending ({type(exc).__name__})")


def _quietly_close(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        connection.close()
