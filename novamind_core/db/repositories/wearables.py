"""Wearable storage: one row per patient-day of minute counts (encrypted, compressed) and daily summaries."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from novamind_core.db.models import WearableDailyRow, WearableMinuteDayRow

MINUTES_PER_DAY = 1440
MISSING = -1  # stored sentinel for "no data this minute" (distinct from a zero count, which is non-wear or rest)


def pack_counts(counts: np.ndarray) -> bytes:
    """1,440 counts (NaN = missing) -> zlib-compressed little-endian int32 (missing stored as -1)."""
    arr = np.asarray(counts, dtype=float)
    out = np.where(np.isnan(arr), MISSING, np.round(arr)).astype("<i4")
    return zlib.compress(out.tobytes(), level=6)


def unpack_counts(blob: bytes) -> np.ndarray:
    arr = np.frombuffer(zlib.decompress(blob), dtype="<i4").astype(float)
    arr[arr == MISSING] = np.nan
    return arr


class WearableRepository:
    def __init__(self, session: Session):
        self.session = session

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

    def minute_days(self, patient_id: int, start: date | None, end: date | None) -> list[tuple[date, str, bytes]]:
        W = WearableMinuteDayRow
        stmt = select(W.day, W.source, W.counts).where(W.patient_id == patient_id)
        if start is not None:
            stmt = stmt.where(W.day >= start)
        if end is not None:
            stmt = stmt.where(W.day <= end)
        return [tuple(r) for r in self.session.execute(stmt.order_by(W.day))]  # type: ignore[misc]

    def replace_daily(self, patient_id: int, rows: Sequence[dict], source: str) -> None:
        days = [r["day"] for r in rows]
        self.session.execute(delete(WearableDailyRow).where(WearableDailyRow.patient_id == patient_id,
                                                            WearableDailyRow.source == source,
                                                            WearableDailyRow.day.in_(days)))
        self.session.add_all([WearableDailyRow(patient_id=patient_id, source=source, **r) for r in rows])
        self.session.flush()

    def daily(self, patient_id: int, start: date | None, end: date | None) -> list[WearableDailyRow]:
        W = WearableDailyRow
        stmt = select(W).where(W.patient_id == patient_id)
        if start is not None:
            stmt = stmt.where(W.day >= start)
        if end is not None:
            stmt = stmt.where(W.day <= end)
        return list(self.session.scalars(stmt.order_by(W.day, W.source)))
