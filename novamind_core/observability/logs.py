"""Log context: a request id and a session id on every log record, and JSON logs by default in production.

The app binds the ids at the start of each script run (``components/shared/observability.py``); the worker binds a
request id per round. :class:`LogContextFilter` (installed by ``security.redaction.configure_logging``) copies them
onto each record, so :class:`~novamind_core.security.redaction.JsonFormatter` writes them as ``request_id`` and
``session_id`` fields. Ids are random or hashed, never a credential: the session id logged is a digest of Streamlit's
own session id, not the sign-in cookie.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("novamind_request_id", default=None)
session_id_var: ContextVar[str | None] = ContextVar("novamind_session_id", default=None)


def new_request_id() -> str:
    """16 hex characters of randomness: one page run, one worker round, one CLI command."""
    return secrets.token_hex(8)


def session_log_id(raw_session_id: str) -> str:
    """A stable, non-reversible id for a browser session (SHA-256 of the framework's session id, 16 hex)."""
    return hashlib.sha256(raw_session_id.encode("utf-8")).hexdigest()[:16]


def bind(*, request_id: str | None = None, session_id: str | None = None) -> None:
    """Set the ids for the rest of this thread's (or task's) work; None leaves an id as it is."""
    if request_id is not None:
        request_id_var.set(request_id)
    if session_id is not None:
        session_id_var.set(session_id)


@contextmanager
def log_context(*, request_id: str | None = None, session_id: str | None = None) -> Iterator[str]:
    """Bind ids inside the block and restore the previous ones after; yields the request id in force."""
    rid = request_id or new_request_id()
    tokens = [request_id_var.set(rid)]
    if session_id is not None:
        tokens.append(session_id_var.set(session_id))
    try:
        yield rid
    finally:
        for var, token in zip((request_id_var, session_id_var), tokens, strict=False):
            var.reset(token)


class LogContextFilter(logging.Filter):
    """Adds ``request_id`` and ``session_id`` to each record that passes (when bound); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid, sid = request_id_var.get(), session_id_var.get()
        if rid is not None and not hasattr(record, "request_id"):
            record.request_id = rid
        if sid is not None and not hasattr(record, "session_id"):
            record.session_id = sid
        return True


def effective_log_format(settings: Any) -> str:
    """``settings.log_format`` when set explicitly; otherwise "json" in production and "text" elsewhere."""
    chosen = getattr(settings, "log_format", None) or "text"
    explicitly = "log_format" in (getattr(settings, "model_fields_set", None) or ())
    if not explicitly and getattr(settings, "environment", "") == "production":
        return "json"
    return chosen
