"""The app server's edge (novamind_server): which responses may be framed, when a request counts as TLS (only a
trusted proxy's X-Forwarded-Proto is believed), and the session cookie's attributes."""

from __future__ import annotations

import asyncio
import threading

from novamind_server.headers import SecurityHeadersMiddleware, headers_for, request_is_tls
from novamind_server.session_routes import cookie_header


def _run(coro):  # type: ignore[no-untyped-def]
    """Run ``coro`` on a fresh event loop in its own thread (a test before this one may leave a loop running here)."""
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(asyncio.run(coro)))
    worker.start()
    worker.join(30)
    return out[0] if out else None


def _scope(client: str, proto: str | None = None, scheme: str = "http", path: str = "/") -> dict:
    headers = [(b"x-forwarded-proto", proto.encode())] if proto else []
    return {"type": "http", "scheme": scheme, "client": (client, 5555), "headers": headers, "path": path}


def test_only_a_trusted_proxy_can_say_the_request_came_over_tls():
    trusted = ("127.0.0.1",)
    assert request_is_tls(_scope("127.0.0.1", "https"), trusted)
    assert not request_is_tls(_scope("203.0.113.9", "https"), trusted)  # anyone else's header is ignored
    assert not request_is_tls(_scope("127.0.0.1"), trusted)
    assert request_is_tls(_scope("203.0.113.9", scheme="https"), trusted)


def test_pages_refuse_every_frame_and_component_files_allow_only_the_app_itself():
    page = dict(headers_for("/sign-in", tls=False))
    assert page["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in page["content-security-policy"]
    component = dict(headers_for("/component/some.component/index.html", tls=False))
    assert component["x-frame-options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in \
        component["content-security-policy"]
    assert "strict-transport-security" not in page
    assert "strict-transport-security" in dict(headers_for("/", tls=True))


def test_the_middleware_replaces_same_named_headers_and_leaves_websockets_alone():
    sent: list[dict] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"x-frame-options", b"ALLOWALL"), (b"content-type", b"text/html")]})
        else:
            await send({"type": "websocket.accept", "headers": []})

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    wrapped = SecurityHeadersMiddleware(app)
    _run(wrapped(_scope("127.0.0.1"), None, send))  # type: ignore[arg-type]
    _run(wrapped({"type": "websocket", "path": "/_stcore/stream"}, None, send))  # type: ignore[arg-type]
    names = [k for k, _ in sent[0]["headers"]]
    assert names.count(b"x-frame-options") == 1 and (b"x-frame-options", b"DENY") in sent[0]["headers"]
    assert sent[1] == {"type": "websocket.accept", "headers": []}


def test_the_session_cookie_is_http_only_strict_and_secure_only_over_tls():
    plain = cookie_header("novamind_auth", "abc", max_age_s=86400, secure=False)
    assert "HttpOnly" in plain and "SameSite=Strict" in plain and "Path=/" in plain and "Secure" not in plain
    assert cookie_header("novamind_auth", "abc", max_age_s=60, secure=True).endswith("; Secure")
    assert "Max-Age=0" in cookie_header("novamind_auth", "", max_age_s=0, secure=False)
