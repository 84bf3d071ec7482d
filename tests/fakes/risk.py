"""Fake risk-review repository (mirrors ``novamind_core/db/repositories/risk.py``)."""

from __future__ import annotations

from datetime import datetime

from novamind_core.domain.risk import RiskReview, RiskReviewInput, SafetyPlan
from tests.fakes.clinical import _Fake


class FakeRiskReviewRepository(_Fake):
    def __init__(self) -> None:
        self.reviews: dict[int, RiskReview] = {}
        self.plans: list[tuple[int, SafetyPlan, datetime, int | None]] = []  # (patient, plan, written, by)

    def add(self, patient_id: int, alert_id: int | None, review: RiskReviewInput, cssrs_level: str,
            reviewed_at: datetime, reviewed_by: int | None) -> RiskReview:
        assert review.risk_level is not None and review.follow_up_on is not None
        review_id = len(self.reviews) + 1
        name = self._link["users"].names([reviewed_by]).get(reviewed_by) if reviewed_by else None
        stored = RiskReview(review_id, patient_id, alert_id, reviewed_at, reviewed_by,
                            tuple(a for a in review.cssrs_answers if a is not None), cssrs_level, review.risk_level,
                            review.follow_up_on, review.formulation, review.action_taken, review.safety_plan, name)
        self.reviews[review_id] = stored
        self.plans.append((patient_id, review.safety_plan, reviewed_at, reviewed_by))
        return stored

    def list(self, patient_id: int | None, *, review_id: int | None = None) -> list[RiskReview]:
        found = [r for r in self.reviews.values()
                 if (patient_id is None or r.patient_id == patient_id) and (review_id is None or r.id == review_id)]
        return sorted(found, key=lambda r: (r.reviewed_at, r.id), reverse=True)

    def latest_plan(self, patient_id: int) -> tuple[SafetyPlan, datetime, int | None] | None:
        mine = [(p, at, by) for pid, p, at, by in self.plans if pid == patient_id]
        return mine[-1] if mine else None
