"""Risk reviews and safety plans (tables in :mod:`novamind_core.db.models_risk`); domain objects in and out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import UserRow
from novamind_core.db.models_risk import RiskReviewRow, SafetyPlanRow
from novamind_core.domain.risk import RiskLevel, RiskReview, RiskReviewInput, SafetyPlan


class RiskReviewRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, patient_id: int, alert_id: int | None, review: RiskReviewInput, cssrs_level: str,
            reviewed_at: datetime, reviewed_by: int | None) -> RiskReview:
        """Store a checked review and the safety plan it wrote (one row each)."""
        assert review.risk_level is not None and review.follow_up_on is not None
        row = RiskReviewRow(patient_id=patient_id, alert_id=alert_id, reviewed_at=reviewed_at, reviewed_by=reviewed_by,
                            cssrs_level=cssrs_level, risk_level=review.risk_level.value,
                            follow_up_on=review.follow_up_on,
                            content={"cssrs_answers": list(review.cssrs_answers), "formulation": review.formulation,
                                     "action_taken": review.action_taken})
        self.session.add(row)
        self.session.flush()
        self.session.add(SafetyPlanRow(patient_id=patient_id, review_id=row.id, created_at=reviewed_at,
                                       created_by=reviewed_by, plan=review.safety_plan.to_dict()))
        self.session.flush()
        return self._one(row.id)

    def _one(self, review_id: int) -> RiskReview:
        return next(r for r in self.list(None, review_id=review_id))

    def list(self, patient_id: int | None, *, review_id: int | None = None) -> list[RiskReview]:
        """A patient's reviews, newest first (or the one review ``review_id``)."""
        stmt = select(RiskReviewRow, SafetyPlanRow.plan, UserRow.display_name).outerjoin(
            SafetyPlanRow, SafetyPlanRow.review_id == RiskReviewRow.id).outerjoin(
            UserRow, UserRow.id == RiskReviewRow.reviewed_by)
        if patient_id is not None:
            stmt = stmt.where(RiskReviewRow.patient_id == patient_id)
        if review_id is not None:
            stmt = stmt.where(RiskReviewRow.id == review_id)
        stmt = stmt.order_by(RiskReviewRow.reviewed_at.desc(), RiskReviewRow.id.desc())
        return [_domain(row, plan, name) for row, plan, name in self.session.execute(stmt)]

    def latest_plan(self, patient_id: int) -> tuple[SafetyPlan, datetime, int | None] | None:
        """The patient's current safety plan (the newest), when it was written and by whom."""
        found = self.session.execute(
            select(SafetyPlanRow.plan, SafetyPlanRow.created_at, SafetyPlanRow.created_by)
            .where(SafetyPlanRow.patient_id == patient_id)
            .order_by(SafetyPlanRow.created_at.desc(), SafetyPlanRow.id.desc()).limit(1)).first()
        if found is None:
            return None
        plan, created_at, created_by = found
        return SafetyPlan.from_mapping(plan), created_at, created_by


def _domain(row: RiskReviewRow, plan: dict | None, name: str | None) -> RiskReview:
    content = row.content or {}
    return RiskReview(id=row.id, patient_id=row.patient_id, alert_id=row.alert_id, reviewed_at=row.reviewed_at,
                      reviewed_by=row.reviewed_by, cssrs_answers=tuple(content.get("cssrs_answers", ())),
                      cssrs_level=row.cssrs_level, risk_level=RiskLevel(row.risk_level),
                      follow_up_on=row.follow_up_on, formulation=content.get("formulation", ""),
                      action_taken=content.get("action_taken", ""), safety_plan=SafetyPlan.from_mapping(plan),
                      reviewed_by_name=name)
