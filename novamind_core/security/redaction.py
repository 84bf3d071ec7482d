"""Keep PHI out of logs: a redaction function, a logging filter, and the logging set-up that installs it.

:func:`redact` replaces, in order: e-mail addresses (``[EMAIL]``), registered sensitive terms such as patient
names seen by this process (``[NAME]``), MRNs (``[MRN]``), dates including dates of birth (``[DATE]``), and phone
numbers (``[PHONE]``). :class:`PHIRedactingFilter` applies it to a log record's formatted message (so ``%s``
arguments are covered), to exception and stack text, and to string ``extra`` fields. :func:`configure_logging`
installs the filter on the root handler, so records from every logger pass through it (a filter on a *logger*
would miss records propagated from its children).

Patterns are deliberately broad: a log line that loses a harmless number is cheaper than one that leaks a phone
number. HIPAA Safe Harbor (45 CFR 164.514(b)(2)) lists names, dates related to an individual, phone numbers,
e-mail addresses and medical record numbers among the identifiers to remove.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

EMAIL_TOKEN = "[EMAIL]"
NAME_TOKEN = "[NAME]"
MRN_TOKEN = "[MRN]"
DATE_TOKEN = "[DATE]"
PHONE_TOKEN = "[PHONE]"

MIN_TERM_LENGTH = 2
"""Registered terms shorter than this are ignored (a one-letter "name" would redact every word)."""

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

_MRN = re.compile(
    r"(?ix)"
    r"\b(?:MRN|medical[\s_-]record[\s_-]number|record[\s_-]no\.?)\s*[:#=]?\s*[A-Z0-9][A-Z0-9-]{2,}\b"  # labelled
    r"|\b[A-Z]{1,4}-\d{5,10}\b"  # prefixed identifiers such as NM-0012345 (the demo format) or MRN-123456
)

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"  # noqa: E501
_DATE = re.compile(
    r"(?ix)"
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"  # ISO date/time
    r"|\b\d{4}/\d{1,2}/\d{1,2}\b"  # 1980/03/12
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"  # 12/03/1980, 12.03.80, 3-12-1980
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}\b"  # 12 March 1980
    rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"  # March 12, 1980
)

# A run of digit groups (9-15 digits in all) separated by a space or hyphen, optionally after a +country code
# and an (area) code.
_PHONE = re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,5}\)[\s-]?)?\d{2,15}(?:[ -]\d{2,15}){0,4}(?![\w.])")
_PHONE_MIN_DIGITS = 9
_PHONE_MAX_DIGITS = 15  # ITU-T E.164: at most 15 digits

_terms_lock = threading.Lock()
_terms: set[str] = set()
_terms_pattern: re.Pattern[str] | None = None


def register_sensitive_terms(terms: Iterable[str | None]) -> None:
    """Add terms (decrypted patient names, MRNs, ...) that :func:`redact` must hide from now on, in this process.

    Matching is case-insensitive and on whole words; terms shorter than :data:`MIN_TERM_LENGTH` are ignored.
    """
    global _terms_pattern
    added = False
    with _terms_lock:
        for term in terms:
            if term is None:
                continue
            cleaned = " ".join(str(term).split())
            if len(cleaned) >= MIN_TERM_LENGTH and cleaned.casefold() not in _terms:
                _terms.add(cleaned.casefold())
                added = True
        if added:
            _terms_pattern = None


def clear_sensitive_terms() -> None:
    """Forget every registered term (tests; a long-running process keeps them)."""
    global _terms_pattern
    with _terms_lock:
        _terms.clear()
        _terms_pattern = None


def _compiled_terms() -> re.Pattern[str] | None:
    global _terms_pattern
    with _terms_lock:
        if _terms_pattern is None and _terms:
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in term.split())
                for term in sorted(_terms, key=len, reverse=True)  # longest first: "Ada Lovelace" before "Ada"
            )
            _terms_pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return _terms_pattern


def _phone_sub(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_TOKEN if _PHONE_MIN_DIGITS <= digits <= _PHONE_MAX_DIGITS else match.group(0)


def redact(text: Any) -> str:
    """Return ``text`` with e-mails, registered names, MRNs, dates and phone numbers replaced by tokens."""
    if text is None:
        return ""
    out = str(text)
    if not out:
        return out
    out = _EMAIL.sub(EMAIL_TOKEN, out)
    pattern = _compiled_terms()
    if pattern is not None:
        out = pattern.sub(NAME_TOKEN, out)
    out = _MRN.sub(MRN_TOKEN, out)
    out = _DATE.sub(DATE_TOKEN, out)
    out = _PHONE.sub(_phone_sub, out)
    return out


_STANDARD_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys() | {"message", "asctime"}
)


class PHIRedactingFilter(logging.Filter):
    """A logging filter that redacts PHI from a record in place and always lets it through.

    Covers the formatted message (``msg % args``), exception text, stack text and string ``extra`` fields. Attach
    it to *handlers* (as :func:`configure_logging` does) so that records from every logger are covered.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not leak args or crash logging
            message = f"{record.msg} (unformattable log arguments)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
            record.exc_info = None  # formatters print exc_text; the live exception (with PHI in it) is dropped
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_RECORD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: at (UTC ISO-8601), level, logger, message, and exception text when present."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        for key, value in vars(record).items():
            if key not in _STANDARD_RECORD_ATTRS and key not in payload:
                payload[key] = value if isinstance(value, int | float | bool | type(None)) else str(value)
        return json.dumps(payload, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_HANDLER_MARK = "_novamind_handler"


def configure_logging(settings: Any = None, *, stream: Any = None) -> logging.Handler:
    """Install Novamind's root log handler (json or text per ``settings.log_format``) with PHI redaction.

    Idempotent: a handler installed by an earlier call is replaced. Returns the handler.

    Parameters
    ----------
    settings : Settings, optional
        Reads ``log_level`` and ``log_format``; defaults INFO and text.
    stream : file-like, optional
        Where to write (default ``sys.stderr``).
    """
    from novamind_core.observability.logs import LogContextFilter, effective_log_format

    level = str(getattr(settings, "log_level", "INFO") or "INFO").upper()
    log_format = effective_log_format(settings)  # json by default in production
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, _HANDLER_MARK, False):
            root.removeHandler(existing)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(PHIRedactingFilter())
    handler.addFilter(LogContextFilter())  # request_id / session_id fields (novamind_core/observability/logs.py)
    root.addHandler(handler)
    root.setLevel(level)
    # every other handler already on the root (e.g. a platform's) gets the filter too
    for other in root.handlers:
        if not any(isinstance(f, PHIRedactingFilter) for f in other.filters):
            other.addFilter(PHIRedactingFilter())
    return handler
