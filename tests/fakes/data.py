"""Fake repositories for the analyst and data vertical: the clinic-wide cohort reads and wearable storage.

In memory, with the same domain types in and out as ``novamind_core/db/repositories/cohort.py`` and
``wearables.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from novamind_core.biometrics.minute_counts import MinuteDay
from novamind_core.domain.cohort import ActiveClinician, IdentifiedPatient
from novamind_core.domain.wearables import DailySummary


class FakeCohortRepository:
    """Identified patients as the cohort repository would load them (test setup: ``put``)."""

    def __init__(self) -> None:
        self.patients: dict[int, IdentifiedPatient] = {}
        self.clinicians: dict[int, ActiveClinician] = {}

    def put(self, patient: IdentifiedPatient) -> IdentifiedPatient:
        self.patients[patient.id] = patient
        return patient

    def identified_patients(self) -> list[IdentifiedPatient]:
        return [self.patients[k] for k in sorted(self.patients)]

    def active_patients_with_clinician(self) -> list[ActiveClinician]:
        return [self.clinicians[k] for k in sorted(self.clinicians)]


class FakeWearableRepository:
    """Minute days by (patient, day) and daily summaries by (patient, day, source)."""

    def __init__(self) -> None:
        self.minutes: dict[tuple[int, date], MinuteDay] = {}
        self.summaries: dict[tuple[int, date, str], DailySummary] = {}

    def replace_minute_days(self, patient_id: int, days: Sequence[date], counts: np.ndarray, source: str,
                            now: datetime) -> None:
        for i, d in enumerate(days):
            self.minutes[(patient_id, d)] = MinuteDay(d, source, np.asarray(counts[i], dtype=float).copy())

    def minute_days(self, patient_id: int, start: date | None, end: date | None) -> list[MinuteDay]:
        return [m for (pid, d), m in sorted(self.minutes.items(), key=lambda kv: kv[0][1])
                if pid == patient_id and (start is None or d >= start) and (end is None or d <= end)]

    def count_minute_days(self, patient_id: int, start: date, end: date) -> int:
        return len(self.minute_days(patient_id, start, end))

    def patients_with_minute_days(self) -> set[int]:
        return {pid for pid, _ in self.minutes}

    def replace_daily(self, patient_id: int, summaries: Sequence[DailySummary]) -> None:
        for s in summaries:
            self.summaries[(patient_id, s.day, s.source)] = s

    def count_daily(self, patient_id: int, source: str, days: Sequence[date]) -> int:
        return sum((patient_id, d, source) in self.summaries for d in set(days))

    def daily(self, patient_id: int, start: date | None, end: date | None) -> list[DailySummary]:
        return [s for (pid, d, src), s in sorted(self.summaries.items(), key=lambda kv: (kv[0][1], kv[0][2]))
                if pid == patient_id and (start is None or d >= start) and (end is None or d <= end)]
