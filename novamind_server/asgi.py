"""What ``app.py`` hands to ``st.App``: the session routes and the security-headers middleware."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import Route

from novamind_server.headers import SecurityHeadersMiddleware


def routes() -> list[Route]:
    from novamind_server.session_routes import routes as session_routes

    return session_routes()


def middleware() -> list[Middleware]:
    import os

    try:  # the same setting the session endpoint reads (environment, .env)
        from novamind_core.config import get_settings

        trusted = str(get_settings().trusted_proxies)
    except Exception:  # unusable settings: the app itself reports them; keep the safe default here
        trusted = os.environ.get("NOVAMIND_TRUSTED_PROXIES", "127.0.0.1,::1")
    return [Middleware(SecurityHeadersMiddleware, trusted_proxies=[p.strip() for p in trusted.split(",")
                                                                   if p.strip()])]
