"""The session cookie endpoint: the only place the app sets or clears the sign-in cookie (HttpOnly, so no script can).

``POST /_novamind/session`` with JSON ``{"handoff": "<token>"}`` exchanges the one-time hand-off token that the
sign-in run created (:meth:`novamind_core.services.sessions.SessionService.create_session`) for a fresh session
secret and answers ``204`` with::

    Set-Cookie: novamind_auth=<secret>; HttpOnly; SameSite=Strict; Path=/; Max-Age=<absolute expiry>[; Secure]

``Secure`` is set when the request came over TLS (directly, or from a trusted proxy's ``X-Forwarded-Proto``).
``POST /_novamind/session/end`` answers ``204`` clearing the cookie (sign-out; the session itself was already revoked
in the database by the sign-out run, so a copy of the cookie is dead either way).

Both refuse (``403``) a request without the ``X-Novamind-Session: 1`` header (a cross-site form cannot send it, and
a cross-site ``fetch`` with it needs a CORS pre-flight we never grant) or with an ``Origin`` that is not this host:
no other site can plant its own session in a clinician's browser (login CSRF) or sign them out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novamind_server.headers import request_is_tls

SESSION_PATH = "/_novamind/session"
END_PATH = "/_novamind/session/end"
GUARD_HEADER = "x-novamind-session"
logger = logging.getLogger("novamind.server")


def _fingerprint() -> str:
    items = sorted((k, v) for k, v in os.environ.items() if k.startswith("NOVAMIND_"))
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _services_for(fingerprint: str) -> Any:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings

    settings = get_settings()
    settings.validate_for_startup()
    return build_services(settings)


def services() -> Any:
    """This process's services for the session endpoint (built once per ``NOVAMIND_*`` environment)."""
    return _services_for(_fingerprint())


def trusted_proxies(settings: Any) -> tuple[str, ...]:
    raw = getattr(settings, "trusted_proxies", "") or ""
    return tuple(p.strip() for p in str(raw).split(",") if p.strip())


def _same_origin(request: Request) -> bool:
    if request.headers.get(GUARD_HEADER) != "1":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":  # a sandboxed srcdoc frame of the app itself sends "null"
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def cookie_header(name: str, value: str, *, max_age_s: int, secure: bool) -> str:
    """The Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure over TLS."""
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max(0, int(max_age_s))}", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


async def open_session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    try:
        body = json.loads((await request.body())[:4096] or b"{}")
        handoff = body.get("handoff") if isinstance(body, dict) else None
    except (ValueError, UnicodeDecodeError):
        handoff = None
    svc = services()
    secret = svc.sessions.redeem_handoff(handoff) if isinstance(handoff, str) else None
    if secret is None:
        logger.info("session hand-off refused")
        return Response(status_code=403)
    settings = svc.settings
    response = Response(status_code=204)
    response.headers.append("set-cookie", cookie_header(
        settings.cookie_name, secret, max_age_s=int(settings.cookie_expiry_days * 86400),
        secure=request_is_tls(request.scope, trusted_proxies(settings))))
    response.headers["cache-control"] = "no-store"
    return response


async def end_session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    settings = services().settings
    response = Response(status_code=204)
    response.headers.append("set-cookie", cookie_header(
        settings.cookie_name, "", max_age_s=0, secure=request_is_tls(request.scope, trusted_proxies(settings))))
    response.headers["cache-control"] = "no-store"
    return response


def routes() -> list[Route]:
    return [Route(SESSION_PATH, open_session, methods=["POST"]), Route(END_PATH, end_session, methods=["POST"])]
