"""Wearable storage: one row per patient-day of minute counts (encrypted, compressed) and daily summaries.

Takes and returns domain values: :class:`~novamind_core.biometrics.minute_counts.MinuteDay` (counts unpacked to a
float array) and :class:`~novamind_core.domain.wearables.DailySummary`; never a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from novamind_core.biometrics.minute_counts import MinuteDay, pack_counts, unpack_counts
from novamind_core.db.models import WearableDailyRow, WearableMinuteDayRow
from novamind_core.domain.wearables import DailySummary


class WearableRepository:
    def __init__(self, session: Session):
        self.session = session

    # ------------------------------------------------------------------ minute activity
    def replace_minute_days(self, patient_id: int, days: Sequence[date], counts: np.ndarray, source: str,
                            now: datetime) -> None:
        """Store days (replacing any existing rows for those days), in the caller's transaction."""
        self.session.execute(delete(WearableMinuteDayRow).where(WearableMinuteDayRow.patient_id == patient_id,
                                                                WearableMinuteDayRow.day.in_(list(days))))
        valid = np.sum(~np.isnan(counts), axis=1)
        self.session.add_all([
            WearableMinuteDayRow(patient_id=patient_id, day=d, counts=pack_counts(counts[i]),
                                 valid_minutes=int(valid[i]), source=source, created_at=now)
            for i, d in enumerate(days)
        ])
        self.session.flush()

    def minute_days(self, patient_id: int, start: date | None, end: date | None) -> list[MinuteDay]:
        """Stored days between ``start`` and ``end`` inclusive (None = open), oldest first."""
        W = WearableMinuteDayRow
        stmt = select(W.day, W.source, W.counts).where(W.patient_id == patient_id)
        if start is not None:
            stmt = stmt.where(W.day >= start)
        if end is not None:
            stmt = stmt.where(W.day <= end)
        return [MinuteDay(day, source, unpack_counts(blob))
                for day, source, blob in self.session.execute(stmt.order_by(W.day))]

    def count_minute_days(self, patient_id: int, start: date, end: date) -> int:
        """How many days of minute activity are stored between ``start`` and ``end`` inclusive."""
        W = WearableMinuteDayRow
        return int(self.session.scalar(select(func.count()).select_from(W).where(
            W.patient_id == patient_id, W.day >= start, W.day <= end)) or 0)

    def patients_with_minute_days(self) -> set[int]:
        """Ids of the patients with any stored minute activity."""
        return set(self.session.scalars(select(WearableMinuteDayRow.patient_id).distinct()))

    # ------------------------------------------------------------------ daily summaries
    def replace_daily(self, patient_id: int, summaries: Sequence[DailySummary]) -> None:
        """Store summaries, replacing those already stored for the same day and source."""
        W = WearableDailyRow
        for source in sorted({s.source for s in summaries}):
            days = [s.day for s in summaries if s.source == source]
            self.session.execute(delete(W).where(W.patient_id == patient_id, W.source == source, W.day.in_(days)))
        self.session.add_all([W(patient_id=patient_id, day=s.day, source=s.source, steps=s.steps,
                                sleep_minutes=s.sleep_minutes, resting_hr=s.resting_hr, hrv_rmssd=s.hrv_rmssd)
                              for s in summaries])
        self.session.flush()

    def count_daily(self, patient_id: int, source: str, days: Sequence[date]) -> int:
        """How many of ``days`` already have a summary from ``source``."""
        W = WearableDailyRow
        return int(self.session.scalar(select(func.count()).select_from(W).where(
            W.patient_id == patient_id, W.source == source, W.day.in_(list(days)))) or 0)

    def daily(self, patient_id: int, start: date | None, end: date | None) -> list[DailySummary]:
        """Stored summaries between ``start`` and ``end`` inclusive (None = open), by day then source."""
        W = WearableDailyRow
        stmt = select(W).where(W.patient_id == patient_id)
        if start is not None:
            stmt = stmt.where(W.day >= start)
        if end is not None:
            stmt = stmt.where(W.day <= end)
        return [DailySummary(r.day, r.source, r.steps, r.sleep_minutes, r.resting_hr, r.hrv_rmssd)
                for r in self.session.scalars(stmt.order_by(W.day, W.source))]
