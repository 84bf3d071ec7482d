"""Wearable daily summaries as the services and pages see them (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DailySummary:
    """One day of device summaries from one ``source`` (steps/day, minutes asleep, bpm, RMSSD in ms); None where
    the device did not measure it."""

    day: date
    source: str
    steps: int | None = None
    sleep_minutes: float | None = None
    resting_hr: float | None = None
    hrv_rmssd: float | None = None


__all__ = ["DailySummary"]
