"""Transports against real servers on loopback: SMTP (aiosmtpd, started here) and an HTTP SMS gateway (http.server)."""

from __future__ import annotations

import base64
import json
import smtplib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from novamind_core.domain.outbox import DeliveryError
from novamind_core.domain.reporting import Channel, OutgoingMessage
from novamind_core.notifications.console import ConsoleTransport, mask_address
from novamind_core.notifications.sink import SinkHandler, start_sink
from novamind_core.notifications.sms import HttpSmsTransport
from novamind_core.notifications.smtp import SmtpTransport, classify, message_id
from novamind_core.notifications.transports import ChannelRouter

MESSAGE = OutgoingMessage(to="zeb.quux@example.org", subject="You have a questionnaire from Test Clinic",
                          text="Open it: http://127.0.0.1:8501/questionnaire?t=abc", html="<p><a href='x'>Open</a></p>")
SMS = OutgoingMessage(to="+447700900123", subject="", text="You have a questionnaire from Test Clinic: http://x")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RefusingHandler(SinkHandler):
    """Refuses recipients at ``refused.example`` with 550 and at ``busy.example`` with 451."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        if address.endswith("@busy.example"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[SinkHandler, int]]:
    handler, port = RefusingHandler(), free_port()
    controller = start_sink(handler, port=port)
    yield handler, port
    controller.stop()  # type: ignore[attr-defined]


def transport(port: int) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", port, mail_from="Test Clinic <no-reply@clinic.example>", timeout_s=5)


def test_an_email_is_multipart_text_and_html_with_the_idempotency_key_as_message_id(smtp_server):
    handler, port = smtp_server
    smtp = transport(port)
    smtp.send(MESSAGE, Channel.EMAIL, "invitation:42")
    smtp.send(MESSAGE, Channel.EMAIL, "reminder:42")
    smtp.close()
    first, second = handler.received
    assert first.message_id == "<invitation.42@clinic.example>" == message_id("invitation:42", "clinic.example")
    assert second.message_id == "<reminder.42@clinic.example>"
    assert first.to == ("zeb.quux@example.org",) and first.subject == MESSAGE.subject
    assert first.text.strip() == MESSAGE.text and "Open" in first.html
    assert first.links == ("http://127.0.0.1:8501/questionnaire?t=abc",)


def test_a_recipient_refused_with_5xx_is_a_permanent_error_without_the_address(smtp_server):
    _, port = smtp_server
    with pytest.raises(DeliveryError) as refused:
        transport(port).send(OutgoingMessage("nobody@refused.example", "s", "t"), Channel.EMAIL, "k:1")
    assert refused.value.permanent and "550" in refused.value.reason and "refused.example" not in refused.value.reason


def test_a_recipient_refused_with_4xx_is_retried_later(smtp_server):
    _, port = smtp_server
    with pytest.raises(DeliveryError) as busy:
        transport(port).send(OutgoingMessage("someone@busy.example", "s", "t"), Channel.EMAIL, "k:2")
    assert not busy.value.permanent and "451" in busy.value.reason


def test_a_mail_server_that_is_down_is_a_transient_error():
    with pytest.raises(DeliveryError) as down:
        transport(free_port()).send(MESSAGE, Channel.EMAIL, "k:3")
    assert not down.value.permanent and "refused the connection" in down.value.reason


def test_the_transport_reconnects_after_the_server_restarts():
    handler, port = SinkHandler(), free_port()
    smtp = transport(port)
    controller = start_sink(handler, port=port)
    smtp.send(MESSAGE, Channel.EMAIL, "k:before")
    controller.stop()  # type: ignore[attr-defined]
    with pytest.raises(DeliveryError):
        smtp.send(MESSAGE, Channel.EMAIL, "k:during")
    controller = start_sink(handler, port=port)
    try:
        smtp.send(MESSAGE, Channel.EMAIL, "k:after")
    finally:
        smtp.close()
        controller.stop()  # type: ignore[attr-defined]
    assert [m.message_id.split("@")[0] for m in handler.received] == ["<k.before", "<k.after"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_credentials_are_used_to_log_in_and_never_shown_in_repr():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    seen: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    handler, port = SinkHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        smtp = SmtpTransport("127.0.0.1", port, mail_from="a@clinic.example", username="mailer",
                             password="s3cret-pass")
        smtp.send(MESSAGE, Channel.EMAIL, "k:auth")
        smtp.close()
    finally:
        controller.stop()
    assert seen == [("mailer", "s3cret-pass")] and len(handler.received) == 1
    assert "s3cret" not in repr(smtp)


def test_a_refused_login_or_sender_is_retried_not_dropped_and_names_the_setting_to_check():
    login = classify(smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"))
    sender = classify(smtplib.SMTPSenderRefused(550, b"no", "no-reply@clinic.example"))
    assert not login.permanent and "NOVAMIND_SMTP_PASSWORD" in login.reason
    assert not sender.permanent and "NOVAMIND_MAIL_FROM" in sender.reason and "no-reply" not in sender.reason
    assert classify(smtplib.SMTPDataError(554, b"rejected")).permanent
    assert not classify(TimeoutError()).permanent


# ------------------------------------------------------------------ SMS gateway
class Gateway(BaseHTTPRequestHandler):
    status = 201
    requests: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization", ""),
                                    "key": self.headers.get("Idempotency-Key", ""),
                                    **{k: v[0] for k, v in parse_qs(body).items()}})
        payload = json.dumps({"sid": "SM1"}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[type[Gateway], str]]:
    handler = type("G", (Gateway,), {"requests": [], "status": 201})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/2010-04-01/Accounts/AC1/Messages.json"
    server.shutdown()
    server.server_close()


def sms(url: str, timeout_s: float = 5.0) -> HttpSmsTransport:
    return HttpSmsTransport(url, account="AC1", token="tok-secret", sender="+441234567890", timeout_s=timeout_s)


def test_an_sms_is_a_form_post_with_basic_auth_and_the_idempotency_key(gateway):
    handler, url = gateway
    sms(url).send(SMS, Channel.SMS, "invitation:7")
    (sent,) = handler.requests
    assert sent["path"].endswith("/Accounts/AC1/Messages.json")
    assert sent["auth"] == "Basic " + base64.b64encode(b"AC1:tok-secret").decode()
    assert sent["key"] == "invitation:7"
    assert (sent["To"], sent["From"], sent["Body"]) == ("+447700900123", "+441234567890", SMS.text)
    assert "tok-secret" not in repr(sms(url))


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (401, True), (404, True), (429, False),
                                                   (500, False), (503, False)])
def test_a_4xx_from_the_gateway_is_permanent_and_a_5xx_or_429_is_retried(gateway, status, permanent):
    handler, url = gateway
    handler.status = status
    with pytest.raises(DeliveryError) as failed:
        sms(url).send(SMS, Channel.SMS, "k:1")
    assert failed.value.permanent is permanent and str(status) in failed.value.reason
    assert "+4477" not in failed.value.reason


def test_a_gateway_that_does_not_answer_in_time_is_a_transient_error():
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/send"
        with pytest.raises(DeliveryError) as slow:
            sms(url, timeout_s=0.5).send(SMS, Channel.SMS, "k:slow")
    assert not slow.value.permanent


def test_an_unreachable_gateway_is_transient_and_a_missing_one_is_permanent_and_says_which_setting():
    with pytest.raises(DeliveryError) as down:
        sms(f"http://127.0.0.1:{free_port()}/send").send(SMS, Channel.SMS, "k:down")
    assert not down.value.permanent
    with pytest.raises(DeliveryError) as missing:
        HttpSmsTransport(None, account=None, token=None, sender=None).send(SMS, Channel.SMS, "k:none")
    assert missing.value.permanent and "NOVAMIND_SMS_GATEWAY_URL" in missing.value.reason


def test_the_router_sends_each_channel_through_its_transport_and_refuses_an_unrouted_one(gateway, smtp_server):
    handler, url = gateway
    mail, port = smtp_server
    router = ChannelRouter({Channel.EMAIL: transport(port), Channel.SMS: sms(url)})
    router.send(MESSAGE, Channel.EMAIL, "k:mail")
    router.send(SMS, Channel.SMS, "k:sms")
    router.close()
    assert len(mail.received) == 1 and len(handler.requests) == 1
    with pytest.raises(DeliveryError) as unrouted:
        ChannelRouter({}).send(MESSAGE, Channel.EMAIL, "k")
    assert unrouted.value.permanent


def test_the_console_transport_prints_the_subject_and_link_and_masks_the_address(capsys):
    ConsoleTransport().send(MESSAGE, Channel.EMAIL, "invitation:1")
    out = capsys.readouterr().out
    assert MESSAGE.subject in out and "questionnaire?t=abc" in out
    assert "zeb.quux@" not in out and mask_address("zeb.quux@example.org") == "z***@example.org"
