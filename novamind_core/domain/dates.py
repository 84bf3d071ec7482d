"""The house date format, ``12 Mar 2026``: the day without a leading zero, the month's short name, the year.

Every date written for a person (alert messages, note templates, captions, findings) goes through
:func:`day_month_year`; ISO dates (``2026-03-12``) are for files and payloads, never for pages.
"""

from __future__ import annotations

from datetime import date, datetime


def day_month_year(value: date | datetime) -> str:
    """``6 Dec 2026`` (never ``06 Dec 2026`` nor ``2026-12-06``)."""
    return f"{value.day} {value:%b %Y}"


def day_month_year_time(value: datetime) -> str:
    """``6 Dec 2026 09:05``."""
    return f"{day_month_year(value)} {value:%H:%M}"


__all__ = ["day_month_year", "day_month_year_time"]
