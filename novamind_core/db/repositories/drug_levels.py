"""Measured drug levels: add one, get one, list a patient's (oldest first, optionally one drug)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import DrugLevelRow
from novamind_core.domain.drug_levels import DrugLevel


class DrugLevelRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def to_domain(row: DrugLevelRow) -> DrugLevel:
        return DrugLevel(id=row.id, patient_id=row.patient_id, drug=row.drug,
                         concentration_ng_ml=row.concentration_ng_ml, sampled_at=row.sampled_at,
                         recorded_by=row.recorded_by, created_at=row.created_at)

    def add(self, patient_id: int, drug: str, concentration_ng_ml: float, sampled_at: datetime,
            recorded_by: int | None, created_at: datetime) -> DrugLevel:
        row = DrugLevelRow(patient_id=patient_id, drug=drug, concentration_ng_ml=concentration_ng_ml,
                           sampled_at=sampled_at, recorded_by=recorded_by, created_at=created_at)
        self.session.add(row)
        self.session.flush()
        return self.to_domain(row)

    def get(self, level_id: int) -> DrugLevel:
        return self.to_domain(self.session.get_one(DrugLevelRow, level_id))

    def for_patient(self, patient_id: int, drug: str | None = None, limit: int = 200) -> list[DrugLevel]:
        q = select(DrugLevelRow).where(DrugLevelRow.patient_id == patient_id)
        if drug is not None:
            q = q.where(DrugLevelRow.drug == drug)
        q = q.order_by(DrugLevelRow.sampled_at, DrugLevelRow.id).limit(limit)
        return [self.to_domain(r) for r in self.session.scalars(q)]
