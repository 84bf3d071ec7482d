"""SMS through an HTTP gateway, Twilio-style: a form POST with basic auth (``urllib`` only, with a timeout).

``POST {sms_gateway_url}`` with ``To``, ``From`` and ``Body`` form fields, HTTP basic auth ``account:token`` and an
``Idempotency-Key`` header carrying the outbox key (Twilio's Messages resource takes the same form fields at
``https://api.twilio.com/2010-04-01/Accounts/<account>/Messages.json``; gateways that honour the header drop a repeated
send). A 2xx answer means accepted. 4xx is permanent (a bad number, refused credentials) except 408 and 429 (retry);
5xx, timeouts and network errors are transient. Reasons never carry the number or the body.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request

from novamind_core.domain.outbox import DeliveryError
from novamind_core.domain.reporting import Channel, OutgoingMessage

RETRYABLE_4XX = (408, 425, 429)


class HttpSmsTransport:
    """Sends SMS through a Twilio-style REST gateway. Unconfigured (no URL): every SMS fails permanently, saying so."""

    def __init__(self, url: str | None, *, account: str | None, token: str | None, sender: str | None,
                 timeout_s: float = 10.0):
        self.url, self.account, self._token, self.sender, self.timeout_s = url, account, token, sender, timeout_s

    @classmethod
    def from_settings(cls, settings: object) -> HttpSmsTransport:
        return cls(settings.sms_gateway_url, account=settings.sms_account,  # type: ignore[attr-defined]
                   token=settings.sms_token, sender=settings.sms_from)  # type: ignore[attr-defined]

    def __repr__(self) -> str:  # the token never reaches a log
        return f"HttpSmsTransport({self.url!r}, account={self.account!r})"

    def close(self) -> None:
        """Nothing to close (one request per message)."""

    def send(self, message: OutgoingMessage, channel: Channel, idempotency_key: str) -> None:
        if channel is not Channel.SMS:
            raise DeliveryError(f"the SMS transport sends SMS, not {channel.value}", permanent=True)
        if not self.url:
            raise DeliveryError("no SMS gateway is configured (NOVAMIND_SMS_GATEWAY_URL)", permanent=True)
        body = urllib.parse.urlencode({"To": message.to, "From": self.sender or "", "Body": message.text}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Idempotency-Key", idempotency_key)
        if self.account:
            credentials = base64.b64encode(f"{self.account}:{self._token or ''}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {credentials}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 (configured URL)
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
            raise DeliveryError(f"the SMS gateway answered {status}", permanent=permanent) from None
        except TimeoutError:
            raise DeliveryError("the SMS gateway did not answer in time") from None
        except urllib.error.URLError as exc:
            reason = type(exc.reason).__name__ if not isinstance(exc.reason, str) else "unreachable"
            raise DeliveryError(f"cannot reach the SMS gateway ({reason})") from None
        except OSError as exc:
            raise DeliveryError(f"cannot reach the SMS gateway ({type(exc).__name__})") from None
