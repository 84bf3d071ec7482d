"""Domain errors. Every message names the problem (field, value, allowed range) in words a user understands."""

from __future__ import annotations


class NovamindError(Exception):
    """Base class for every error the product reports to a user. ``str(err)`` is a one-line, PHI-free reason."""


class ValidationError(NovamindError, ValueError):
    """Input that breaks a rule: names the field (and row, where there is one), the value and what is allowed."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None, value: object = None):
        super().__init__(message)
        self.field = field
        self.row = row
        self.value = value


class NotFoundError(NovamindError, LookupError):
    """A requested record does not exist (or is not visible to the caller)."""


class PermissionDenied(NovamindError, PermissionError):
    """The signed-in user's role or care team does not allow the action."""


class StaleWriteError(NovamindError):
    """Optimistic-locking conflict: someone else changed the record since it was read."""


class ConflictError(NovamindError):
    """A uniqueness rule would be broken (e.g. a duplicate MRN or username)."""


class AuthenticationError(NovamindError):
    """Sign-in failed (wrong credentials, locked or deactivated account)."""


class ConfigurationError(NovamindError):
    """Settings are missing or unsafe; the message names the variable."""
