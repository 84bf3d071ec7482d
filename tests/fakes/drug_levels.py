"""Fake of :class:`novamind_core.db.repositories.drug_levels.DrugLevelRepository`."""

from __future__ import annotations

from datetime import datetime

from novamind_core.domain.drug_levels import DrugLevel


class FakeDrugLevelRepository:
    def __init__(self) -> None:
        self.rows: list[DrugLevel] = []

    def add(self, patient_id: int, drug: str, concentration_ng_ml: float, sampled_at: datetime,
            recorded_by: int | None, created_at: datetime) -> DrugLevel:
        level = DrugLevel(len(self.rows) + 1, patient_id, drug, concentration_ng_ml, sampled_at, recorded_by,
                          created_at)
        self.rows.append(level)
        return level

    def get(self, level_id: int) -> DrugLevel:
        return next(r for r in self.rows if r.id == level_id)

    def for_patient(self, patient_id: int, drug: str | None = None, limit: int = 200) -> list[DrugLevel]:
        rows = [r for r in self.rows if r.patient_id == patient_id and (drug is None or r.drug == drug)]
        return sorted(rows, key=lambda r: (r.sampled_at, r.id))[:limit]
