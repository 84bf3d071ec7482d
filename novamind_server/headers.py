"""Security headers on every HTTP response of the app server (ASGI middleware; websockets pass through untouched).

* Anti-framing: ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` on every page of the app, so no other
  site can frame the sign-in form (clickjacking). Streamlit's own component files (``/component/...``) and media
  are framed by the app itself, so they get ``SAMEORIGIN`` / ``frame-ancestors 'self'``.
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (addresses may carry a patient's link token),
  ``Permissions-Policy`` (no camera, microphone, geolocation), ``Cross-Origin-Opener-Policy: same-origin``.
* A Content-Security-Policy that Streamlit runs under: scripts and styles from the app itself (Streamlit's bundle
  needs inline styles, and its charts need ``'unsafe-eval'``), images only from the app, ``data:`` and ``blob:`` (a
  markdown image pointing at another site is not fetched), connections only back to the app (its websocket),
  no plugins, no ``<base>`` rewriting, forms posting only to the app.
* ``Strict-Transport-Security`` only when the request came over TLS (directly, or from a trusted proxy saying so).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SELF_FRAMED_PREFIXES = ("/component/", "/media/", "/app/static/", "/_stcore/static/")
"""Paths the app frames itself (custom component files, media): framing allowed from the same origin only."""

CSP_BASE = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            "connect-src 'self' ws: wss:; frame-src 'self' blob: data:; worker-src 'self' blob:; "
            "media-src 'self' data: blob:; object-src 'none'; base-uri 'self'; form-action 'self'")

COMMON: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
)


def headers_for(path: str, *, tls: bool) -> list[tuple[str, str]]:
    """The security headers for a response to ``path`` (lower-case names)."""
    self_framed = any(path.startswith(p) or f"/{p.strip('/')}/" in path for p in SELF_FRAMED_PREFIXES)
    out = list(COMMON)
    if self_framed:
        out += [("x-frame-options", "SAMEORIGIN"), ("content-security-policy", CSP_BASE + "; frame-ancestors 'self'")]
    else:
        out += [("x-frame-options", "DENY"), ("content-security-policy", CSP_BASE + "; frame-ancestors 'none'")]
    if tls:
        out.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return out


def request_is_tls(scope: Scope, trusted_proxies: Iterable[str]) -> bool:
    """Whether the browser reached us over TLS: the connection itself, or ``X-Forwarded-Proto: https`` sent by a
    trusted proxy (the header from anyone else is ignored)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    client = (scope.get("client") or ("", 0))[0]
    if client not in set(trusted_proxies):
        return False
    for name, value in scope.get("headers") or ():
        if name == b"x-forwarded-proto":
            return value.decode("latin-1").split(",")[0].strip().lower() == "https"
    return False


class SecurityHeadersMiddleware:
    """Add :func:`headers_for` to every HTTP response (replacing any same-named header the app set)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ("127.0.0.1", "::1")) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(str(scope.get("path") or "/"), tls=request_is_tls(scope, self.trusted))
        names = {n.encode("latin-1") for n, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers") or [] if k.lower() not in names]
                message["headers"] = kept + [(n.encode("latin-1"), v.encode("latin-1")) for n, v in extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
