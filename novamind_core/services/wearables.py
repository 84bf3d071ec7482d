"""Wearable storage: minute-level activity (one encrypted, compressed row per patient-day) and daily summaries.

No import logic here (parsers live in biometrics/interop): these methods store and read validated arrays atomically.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from novamind_core.biometrics.minute_counts import MINUTES_PER_DAY, stack_days
from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.users import Permission, User
from novamind_core.domain.wearables import DailySummary
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, parse_date
from novamind_core.services.ports import UnitOfWork

WEARABLES_READ = "wearables.read"
#: Largest plausible activity count per minute epoch (ActiGraph counts rarely exceed ~20,000 cpm in vigorous
#: running; 100,000 guards against unit errors such as counts per hour).
MAX_COUNTS_PER_MINUTE = 100_000
#: The wearable panel's window when the user has not chosen one.
DEFAULT_WINDOW_DAYS = 28


@dataclass(frozen=True, eq=False)
class MinuteActivity:
    """Minute-level activity counts: ``counts[d, m]`` for day ``days[d]`` and minute ``m`` (0 = 00:00 local)."""

    patient_id: int
    days: tuple[date, ...]
    counts: np.ndarray = field(repr=False)  # shape (n_days, 1440), float, NaN = no data
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class BiometricsView:
    """What the chart's wearable panel shows for one window: the minute days (the last ``window_days`` days up to
    today, or an older recording's own last ``window_days`` days when nothing recent is stored), their counts
    ``(n_days, 1440)`` (NaN = no data), and the daily summaries of the last ``max(window_days, 90)`` days."""

    patient_id: int
    window_days: int
    minute_days: tuple[date, ...]
    counts: np.ndarray = field(repr=False)
    summaries: tuple[DailySummary, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.minute_days and not self.summaries

    def describe(self) -> str:
        """What was shown, for an audit detail (counts only, never PHI)."""
        return (f"window={self.window_days} minute days={len(self.minute_days)} "
                f"daily rows={len(self.summaries)}")


def check_window(window_days: int) -> None:
    """Raise ValidationError unless ``window_days`` is a whole number of days, 1-366."""
    if not isinstance(window_days, int) or not 1 <= window_days <= 366:
        raise ValidationError("window must be 1-366 days", field="window_days", value=window_days)


def read_biometrics(uow: UnitOfWork, patient_id: int, window_days: int, today: date) -> BiometricsView:
    """The wearable panel's view for ``window_days`` up to ``today``, read in the caller's transaction (no
    permission check, no audit: the caller's use case does both). The one builder behind
    ``WearableService.biometrics`` and ``ChartService.patient_chart`` (each checks the window first)."""
    stored = uow.wearables.minute_days(patient_id, today - timedelta(days=window_days - 1), today)
    if not stored:
        every = uow.wearables.minute_days(patient_id, None, None)
        stored = [d for d in every if d.day > every[-1].day - timedelta(days=window_days)] if every else []
    summaries = tuple(uow.wearables.daily(patient_id, today - timedelta(days=max(window_days, 90)), None))
    return BiometricsView(patient_id, window_days, tuple(d.day for d in stored), stack_days(stored), summaries)


def _optional_number(value: object, name: str, low: float, high: float, row: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"row {row}: {name} {value!r} is not a number", field=name, row=row,
                              value=value) from None
    if not low <= number <= high:
        raise ValidationError(f"row {row}: {name} {number:g} is outside {low:g}-{high:g}", field=name, row=row,
                              value=number)
    return number


class WearableService(BaseService):
    def store_minute_activity(self, user: User, patient_id: int, start_day: date | str, counts: np.ndarray,
                              source: str = "import") -> int:
        """Store whole days of minute counts from ``start_day`` (``counts`` shape (n_days, 1440) or flat n*1440).

        Existing rows for those days are replaced; all days are written in one transaction or none. Returns the
        number of days stored.
        """
        first = parse_date(start_day, "start_day")
        arr = np.asarray(counts, dtype=float)
        if arr.ndim == 1:
            if arr.size % MINUTES_PER_DAY:
                raise ValidationError(f"minute counts must be whole days of {MINUTES_PER_DAY} minutes; got "
                                      f"{arr.size}", field="counts", value=arr.size)
            arr = arr.reshape(-1, MINUTES_PER_DAY)
        if arr.ndim != 2 or arr.shape[1] != MINUTES_PER_DAY or arr.shape[0] == 0:
            raise ValidationError(f"minute counts must have shape (days, {MINUTES_PER_DAY})", field="counts",
                                  value=str(arr.shape))
        finite = arr[~np.isnan(arr)]
        if finite.size and (finite.min() < 0 or finite.max() > MAX_COUNTS_PER_MINUTE):
            raise ValidationError(f"activity counts must be 0-{MAX_COUNTS_PER_MINUTE} per minute", field="counts",
                                  value=float(finite.min() if finite.min() < 0 else finite.max()))
        src = (source or "import").strip()[:32]
        days = [first + timedelta(days=i) for i in range(arr.shape[0])]
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.IMPORT_DATA)
            uow.wearables.replace_minute_days(patient_id, days, arr, src, self.ctx.now())
            self._audit(uow, actor, AuditAction.IMPORT_DATA, patient_id=patient_id,
                        detail=f"minute activity days={len(days)} source={src}")
            uow.commit()
        return len(days)

    def minute_activity(self, user: User, patient_id: int, start: date | str | None = None,
                        end: date | str | None = None) -> MinuteActivity:
        """Stored days between ``start`` and ``end`` inclusive (only days that exist; gaps are not padded)."""
        s = parse_date(start, "start") if start else None
        e = parse_date(end, "end") if end else None
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, WEARABLES_READ)
            stored = uow.wearables.minute_days(patient_id, s, e)
            self._audit(uow, actor, WEARABLES_READ, patient_id=patient_id, detail=f"minute days={len(stored)}")
            uow.commit()
        return MinuteActivity(patient_id, tuple(d.day for d in stored), stack_days(stored),
                              tuple(d.source for d in stored))

    def biometrics(self, user: User, patient_id: int, window_days: int = DEFAULT_WINDOW_DAYS) -> BiometricsView:
        """Everything the wearable panel shows for the last ``window_days`` days, read in one transaction with one
        ``wearables.read`` audit event naming the window and what was shown (the import page's door; the patient
        page reads the same view inside ``charts.patient_chart``)."""
        check_window(window_days)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, WEARABLES_READ)
            view = read_biometrics(uow, patient_id, window_days, self.ctx.today())
            self._audit(uow, actor, WEARABLES_READ, patient_id=patient_id, detail=f"biometrics {view.describe()}")
            uow.commit()
        return view

    def store_daily_summaries(self, user: User, patient_id: int, rows: Sequence[Mapping[str, object]],
                              source: str = "import") -> int:
        """Store daily summaries (keys: date, steps, sleep_minutes, resting_hr, hrv_rmssd); all or nothing."""
        src = (source or "import").strip()[:32]
        clean: list[DailySummary] = []
        seen: set[date] = set()
        for i, r in enumerate(rows, start=1):
            day = parse_date(r.get("date") or r.get("day"), "date")  # type: ignore[arg-type]
            if day in seen:
                raise ValidationError(f"row {i}: date {day_month_year(day)} appears twice", field="date", row=i,
                                      value=day.isoformat())
            seen.add(day)
            steps = _optional_number(r.get("steps"), "steps", 0, 200_000, i)
            clean.append(DailySummary(
                day=day, source=src, steps=int(steps) if steps is not None else None,
                sleep_minutes=_optional_number(r.get("sleep_minutes"), "sleep_minutes", 0, 1440, i),
                resting_hr=_optional_number(r.get("resting_hr"), "resting_hr", 20, 250, i),
                hrv_rmssd=_optional_number(r.get("hrv_rmssd"), "hrv_rmssd", 0, 500, i),
            ))
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.IMPORT_DATA)
            uow.wearables.replace_daily(patient_id, clean)
            self._audit(uow, actor, AuditAction.IMPORT_DATA, patient_id=patient_id,
                        detail=f"daily summaries rows={len(clean)} source={src}")
            uow.commit()
        return len(clean)

    def daily_summaries(self, user: User, patient_id: int, start: date | str | None = None,
                        end: date | str | None = None) -> tuple[DailySummary, ...]:
        s = parse_date(start, "start") if start else None
        e = parse_date(end, "end") if end else None
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, WEARABLES_READ)
            out = tuple(uow.wearables.daily(patient_id, s, e))
            self._audit(uow, actor, WEARABLES_READ, patient_id=patient_id, detail=f"daily rows={len(out)}")
            uow.commit()
            return out
