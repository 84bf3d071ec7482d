"""Errors as the user sees them: a plain message and what to do, plus an incident id; never a stack trace.

Domain errors (:mod:`novamind_core.domain.errors`) carry messages written for people and free of PHI, so they are
shown as they are. Anything else is logged with a short incident id (through the PHI-redacting log handler that
``get_services`` installs) and the user sees only that id. ``client.showErrorDetails = "none"`` in
``.streamlit/config.toml`` is the second line of defence.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from novamind_core.domain.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    NovamindError,
    PermissionDenied,
    StaleWriteError,
    ValidationError,
)

logger = logging.getLogger("novamind.ui")


def new_incident_id() -> str:
    """A short random id (8 hex characters, 32 bits) a user can read out to support."""
    return secrets.token_hex(4).upper()


def friendly_message(exc: BaseException) -> str:
    """The sentence shown for a domain error (no PHI: the core writes its messages that way)."""
    text = str(exc).strip().rstrip(".")
    if isinstance(exc, PermissionDenied):
        return f"You do not have access to this: {text}."
    if isinstance(exc, NotFoundError):
        return f"Not found: {text}."
    if isinstance(exc, StaleWriteError):
        return f"Someone else saved a change first: {text}."
    if isinstance(exc, ConflictError):
        return f"Not saved: {text}."
    if isinstance(exc, ValidationError):
        return f"Please check the entry: {text}."
    if isinstance(exc, AuthenticationError):
        return f"Sign-in problem: {text}."
    return f"{text}."


def report_incident(exc: BaseException, where: str = "page") -> str:
    """Log ``exc`` with a new incident id (redacted by the logging filter) and return the id."""
    incident = new_incident_id()
    logger.error("incident %s in %s: %s", incident, where, type(exc).__name__, exc_info=exc)
    return incident


def show_unexpected(incident: str) -> None:
    st.error(
        f"Something went wrong on our side and nothing further was changed. Try again; if it happens again, "
        f"give support this incident id: **{incident}**.",
        icon=":material/report:",
    )


@contextmanager
def error_boundary(where: str = "page") -> Iterator[None]:
    """Turn exceptions inside the block into a friendly message (domain errors) or an incident id (others)."""
    try:
        yield
    except NovamindError as exc:
        if isinstance(exc, PermissionDenied):
            st.error(friendly_message(exc), icon=":material/lock:")
        else:
            st.warning(friendly_message(exc), icon=":material/info:")
    except Exception as exc:  # st.stop/st.rerun/st.switch_page raise BaseException subclasses and pass through
        show_unexpected(report_incident(exc, where))
