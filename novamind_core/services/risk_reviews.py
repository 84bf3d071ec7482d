"""Structured risk reviews: the only way an item-9 (thoughts of self-harm) alert closes, whether PHQ-9 item 9 or a
positive C-SSRS screener recorded on its own raised it.

``form(user, alert_id)`` is the review form's view model (the answers that raised the alert, the last review and
safety plan to start from); ``complete(...)`` checks the review (:func:`novamind_core.domain.risk.check_review`),
stores it with its safety plan and closes the alert in the same transaction; ``safety_plan(user, patient_id)`` is the
patient's current plan for printing; ``history(user, patient_id)`` lists the reviews. Each checks the role and the care
team first and writes one audit event (no clinical words in its detail).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.errors import ConflictError, NotFoundError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.risk import (
    RaisingAnswer,
    RiskLevel,
    RiskReview,
    RiskReviewForm,
    RiskReviewInput,
    SafetyPlan,
    SafetyPlanView,
    check_review,
    cssrs_level,
)
from novamind_core.domain.users import Permission, User
from novamind_core.services.base import BaseService, parse_date
from novamind_core.services.drafts import first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork

RISK_REVIEW_OPEN = "risk_review.open"
RISK_REVIEW_CREATE = "risk_review.create"
RISK_REVIEW_READ = "risk_review.read"
SAFETY_PLAN_READ = "safety_plan.read"


def _open_item9_alert(uow: UnitOfWork, patient_id: int, alert_id: int) -> Alert:
    alert = next((a for a in uow.alerts.list(patient_id) if a.id == alert_id), None)
    if alert is None:
        raise NotFoundError(f"alert {alert_id} does not exist")
    if alert.kind is not AlertKind.ITEM9:
        raise ValidationError("a risk review closes a self-harm item alert; acknowledge this alert instead",
                              field="alert", value=alert_id)
    if not alert.open:
        by = f" by {alert.acknowledged_by_name}" if alert.acknowledged_by_name else ""
        raise ConflictError(f"this alert was already closed{by}; its review is in the risk review history")
    return alert


def _parse_level(value: RiskLevel | str | None) -> RiskLevel | None:
    if value is None or value == "":
        return None
    try:
        return RiskLevel(value)
    except ValueError:
        raise ValidationError(f"risk level {value!r} is not one of low, moderate, high", field="risk_level",
                              value=value) from None


class RiskReviewService(BaseService):
    def form(self, user: User, alert_id: int) -> RiskReviewForm:
        """The review form for an open item-9 alert: the answers that raised it and the last review and plan."""
        with self._tx() as uow:
            patient_id = uow.patients.id_for("alert", alert_id)
            if patient_id is None:
                raise NotFoundError(f"alert {alert_id} does not exist")
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, RISK_REVIEW_OPEN)
            alert = _open_item9_alert(uow, patient_id, alert_id)
            record = next((a for a in uow.assessments.history(patient_id) if a.id == alert.assessment_id), None)
            answers: tuple[RaisingAnswer, ...] = ()
            if record is not None and record.answers:
                spec = record.instrument.spec
                answers = tuple(
                    RaisingAnswer(n, question, value, next((c.label for c in choices if c.value == value), str(value)))
                    for n, (question, choices, value) in enumerate(
                        zip(spec.all_items, spec.all_choices, record.all_answers, strict=False), start=1))
            reviews = uow.risk_reviews.list(patient_id)
            latest = uow.risk_reviews.latest_plan(patient_id)
            self._audit(uow, actor, RISK_REVIEW_OPEN, patient_id=patient_id, detail=f"alert {alert_id}")
            uow.commit()
            return RiskReviewForm(
                patient_id=patient_id, alert=alert, instrument=record.instrument.value if record else alert.instrument,
                administered_on=record.administered_on if record else alert.observed_on,
                total=record.total if record else None, answers=answers,
                previous_review=reviews[0] if reviews else None, previous_plan=latest[0] if latest else None,
                today=self.ctx.today())

    def complete(self, user: User, alert_id: int, *, cssrs_answers: Sequence[int | None], formulation: str,
                 risk_level: RiskLevel | str | None, safety_plan: SafetyPlan | Mapping[str, object],
                 action_taken: str, follow_up_on: date | str | None,
                 submission_token: str | None = None) -> RiskReview:
        """Store a complete review and close the alert with it, in one transaction.

        Refused with ValidationError (naming the first missing field and listing every one) when any part is
        missing: the seven C-SSRS screener answers, the formulation, the risk level, each of the six safety-plan
        steps, the action taken, or a follow-up date from today up to 90 days ahead. Nothing is stored then, and
        the alert stays open. ConflictError when the alert was closed meanwhile.

        With ``submission_token``, a repeat of the same form submission (a double-click, a resent request) returns
        the review the first one stored instead of a ConflictError or a second review. The user's risk-review draft
        for this patient is dropped in the same transaction as the save.
        """
        with self._tx() as uow:
            patient_id = uow.patients.id_for("alert", alert_id)
            if patient_id is None:
                raise NotFoundError(f"alert {alert_id} does not exist")
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, RISK_REVIEW_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.RISK_REVIEW)
            if repeat is not None:
                review = uow.risk_reviews.list(None, review_id=repeat)[0]
                settle_repeat(uow, actor.id, patient_id, FormName.RISK_REVIEW)
                return review
            _open_item9_alert(uow, patient_id, alert_id)
            today = self.ctx.today()
            plan = safety_plan if isinstance(safety_plan, SafetyPlan) else SafetyPlan.from_mapping(safety_plan)
            follow = parse_date(follow_up_on, "follow_up_on") if follow_up_on not in (None, "") else None
            checked = check_review(RiskReviewInput(tuple(cssrs_answers), formulation or "", _parse_level(risk_level),
                                                   plan, action_taken or "", follow), today)
            level = cssrs_level(checked.cssrs_answers)
            now = self.ctx.now()
            by = actor.id if actor.id > 0 else None
            review = uow.risk_reviews.add(patient_id, alert_id, checked, level, now, by)
            uow.alerts.acknowledge(alert_id, by, now)
            remember_submission(uow, submission_token, actor.id, FormName.RISK_REVIEW, review.id, now)
            if actor.id > 0:
                uow.drafts.delete(actor.id, patient_id, FormName.RISK_REVIEW.value)
            self._audit(uow, actor, RISK_REVIEW_CREATE, patient_id=patient_id,
                        detail=f"alert {alert_id} review {review.id} closed the alert")
            uow.commit()
            return review

    def history(self, user: User, patient_id: int) -> tuple[RiskReview, ...]:
        """The patient's risk reviews, newest first."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, RISK_REVIEW_READ)
            reviews = tuple(uow.risk_reviews.list(patient_id))
            self._audit(uow, actor, RISK_REVIEW_READ, patient_id=patient_id, detail=f"reviews={len(reviews)}")
            uow.commit()
            return reviews

    def safety_plan(self, user: User, patient_id: int) -> SafetyPlanView | None:
        """The patient's current safety plan with their name, for printing (None when no plan was written)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SAFETY_PLAN_READ)
            latest = uow.risk_reviews.latest_plan(patient_id)
            view = None
            if latest is not None:
                plan, written_at, written_by = latest
                names = uow.users.names([written_by]) if written_by else {}
                reviews = uow.risk_reviews.list(patient_id)
                view = SafetyPlanView(patient_id, uow.patients.get(patient_id).full_name, plan, written_at,
                                      names.get(written_by) if written_by else None,
                                      reviews[0].follow_up_on if reviews else None)
            self._audit(uow, actor, SAFETY_PLAN_READ, patient_id=patient_id,
                        detail="plan shown" if view else "no plan")
            uow.commit()
            return view


__all__ = ["RISK_REVIEW_CREATE", "RISK_REVIEW_OPEN", "RISK_REVIEW_READ", "SAFETY_PLAN_READ", "RiskReviewService"]
